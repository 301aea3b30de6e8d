import type { RuleProfile } from '../rule-profile.js'

// Seed 004: 清远市城乡基层网格化服务管理条例 (Guangdong), in force 2023-06-01 (§42). 清远市 = 441800.
export const qingyuan: RuleProfile = {
  id: 'qingyuan',
  seed: '004',
  name: { zh: '清远市', en: 'Qingyuan' },
  regulation: { title: '清远市城乡基层网格化服务管理条例', effective: '2023-06-01', source: '004 §42' },
  regionPrefixes: ['4418'],
  // 清远市: 111°55′–113°55′ E, 23°26′–25°11′ N, with ~0.2° margin.
  bounds: [111.7, 23.2, 114.2, 25.4],
  landmark: { name: '清远市人民政府（清城区）', lng: 113.06, lat: 23.68 },
  codeLayout: 'cn-stat-15', // 004 says nothing about codes
  // 004 §9 asks for 规模适度 only (rural grids: 村民小组(自然村)或者一定数量住户): national practice.
  households: {
    urban: { min: 200, max: 500, source: 'national practice (004 §9: 规模适度)' },
    rural: { min: 200, max: 500, source: 'national practice (004 §9: 规模适度)' },
  },
  // 004 §9 ¶4: 网格需要调整的，由乡镇人民政府（街道办事处）向县（市、区）…主管部门（机构）提出申请，
  // 经其审核后，报市…主管部门（机构）审批。
  approvalChain: [
    { role: 'township', action: 'propose', source: '004 §9 ¶4' },
    { role: 'county', action: 'review', source: '004 §9 ¶4' },
    { role: 'city', action: 'approve', source: '004 §9 ¶4' },
  ],
  // 004 §9 ¶1: 网格由县（市、区）…主管部门（机构）会同有关部门和乡镇人民政府（街道办事处）…科学划分，
  // 并报市…主管部门（机构）审批。 The first division starts at the county, not the township.
  initialDivisionChain: [
    { role: 'county', action: 'propose', jointlyWith: ['departments', 'township'], source: '004 §9 ¶1' },
    { role: 'city', action: 'approve', source: '004 §9 ¶1' },
  ],
  noticeLanguages: ['zh'], // 004 §17 — no language named
  staffRules: {
    // 004 §10: 网格员…包括专职网格员、兼职网格员和专业网格员; §11: 网格长.
    roles: ['grid_head', 'full_time_worker', 'part_time_worker', 'specialist_worker'],
    requiredRoles: ['grid_head'],
    // 004 §10 ¶4: 城镇网格应当配置专职网格员，有条件的农村网格根据需要配置专职网格员。
    minFullTimePerGrid: { urban: 1, rural: 0 },
    // 004 §11 ¶1: 在村（社区）配置网格长…由城乡社区党组织、村（居）民委员会主要负责人担任 — one head per
    // village/community, so one head leads all the grids in it.
    headMayLeadSeveralGrids: true,
    specialistMayServeSeveralGrids: true, // 004 §10 ¶6: 多元合一、一格多员
    dedicatedStaffedByUnit: false, // not said in 004
    source: '004 §10–11',
  },
  // 004 §9 ¶2: 城乡社区内较大商务楼宇、各类园区、商圈市场、学校、医院及有关企业事业单位，可以结合实际划分网格.
  dedicatedUnitTypes: [
    { id: 'office_building', zh: '商务楼宇', en: 'office buildings' },
    { id: 'park', zh: '各类园区', en: 'industrial and business parks' },
    { id: 'market', zh: '商圈市场', en: 'shopping districts and markets' },
    { id: 'school', zh: '学校', en: 'schools' },
    { id: 'hospital', zh: '医院', en: 'hospitals' },
    { id: 'enterprise', zh: '企业事业单位', en: 'enterprises and public institutions' },
  ],
  allowMultipart: false,
  allowCrossBoundary: false, // 004 §9 ¶1: 属地管理
  exceptions: [],
}

import type { RuleProfile } from '../rule-profile.js'

// Seed 001: 黑河市网格化管理服务条例 (Heilongjiang), in force 2023-06-01 (§34).
// 黑河市 = 231100; §33 extends it to 五大连池风景名胜区自然保护区, which lies in 五大连池市 (2311xx).
export const heihe: RuleProfile = {
  id: 'heihe',
  seed: '001',
  name: { zh: '黑河市', en: 'Heihe' },
  regulation: { title: '黑河市网格化管理服务条例', effective: '2023-06-01', source: '001 §34' },
  regionPrefixes: ['2311'],
  // 黑河市: 124°45′–129°18′ E, 47°42′–51°03′ N, with ~0.2° margin.
  bounds: [124.5, 47.5, 129.5, 51.3],
  landmark: { name: '黑河市人民政府（爱辉区）', lng: 127.53, lat: 50.25 },
  codeLayout: 'cn-stat-15', // 001 §8: 按照省编码规则统一编码，网格编码具有唯一性 — provincial rule not in the seed
  // 001 §8 asks for 规模适度 only, no household numbers: national practice.
  households: {
    urban: { min: 200, max: 500, source: 'national practice (001 §8: 规模适度)' },
    rural: { min: 200, max: 500, source: 'national practice (001 §8: 规模适度)' },
  },
  // 001 §8 ¶1: 网格由县（市、区）网格化管理服务机构会同街道办事处（乡镇人民政府）…划分…可以根据工作需要适时调整网格。
  // 001 §8 ¶2: 网格的划分和调整情况应当报市网格化管理服务机构备案。 No approval step: the county
  // decides (jointly with the township) and the city only records the filing.
  approvalChain: [
    { role: 'county', action: 'propose', jointlyWith: ['township'], source: '001 §8' },
    { role: 'city', action: 'file', source: '001 §8' },
  ],
  noticeLanguages: ['zh'], // 001 §12: 公示牌 — no language named
  staffRules: {
    // 001 §11: 网格应当配备网格长、网格员; 网格员包括专职网格员、兼职网格员和专业网格员.
    roles: ['grid_head', 'full_time_worker', 'part_time_worker', 'specialist_worker'],
    requiredRoles: ['grid_head', 'full_time_worker', 'part_time_worker'],
    minFullTimePerGrid: { urban: 1, rural: 1 }, // 001 §11 ¶4: 每个网格至少配备一名专职网格员
    headMayLeadSeveralGrids: true, // 001 §11 ¶2: 同一网格长可以对应多个网格
    specialistMayServeSeveralGrids: true, // 001 §11 ¶6: 同一专业网格员可以对应多个网格
    dedicatedStaffedByUnit: true, // 001 §11 ¶7: 专属网格的网格员由所在单位配备
    source: '001 §11',
  },
  // 001 §7 ¶3: 规模较大的行政中心、商务楼宇、商厦市场、学校、医院、园区、企事业单位等可以划为专属网格.
  dedicatedUnitTypes: [
    { id: 'state_agency', zh: '行政中心', en: 'administrative centres' },
    { id: 'office_building', zh: '商务楼宇', en: 'office buildings' },
    { id: 'market', zh: '商厦市场', en: 'shopping centres and markets' },
    { id: 'school', zh: '学校', en: 'schools' },
    { id: 'hospital', zh: '医院', en: 'hospitals' },
    { id: 'park', zh: '园区', en: 'industrial and business parks' },
    { id: 'enterprise', zh: '企事业单位', en: 'enterprises and public institutions' },
  ],
  allowMultipart: false,
  allowCrossBoundary: false, // 001 §7 ¶1: grids are drawn inside 城乡社区（村）
  exceptions: [],
}

import type { RuleProfile } from '../rule-profile.js'

// Seed 002: 昌吉回族自治州城乡网格化管理服务条例 (Xinjiang), in force 2022-06-01 (§35).
// 昌吉回族自治州 = 652300.
export const changji: RuleProfile = {
  id: 'changji',
  seed: '002',
  name: { zh: '昌吉回族自治州', en: 'Changji Hui Autonomous Prefecture' },
  regulation: { title: '昌吉回族自治州城乡网格化管理服务条例', effective: '2022-06-01', source: '002 §35' },
  regionPrefixes: ['6523'],
  // 昌吉回族自治州: 85°34′–91°32′ E, 43°06′–45°20′ N, with ~0.2° margin.
  bounds: [85.3, 42.9, 91.8, 45.6],
  landmark: { name: '昌吉回族自治州人民政府（昌吉市）', lng: 87.3, lat: 44.01 },
  codeLayout: 'cn-stat-15', // 002 §7: 根据国家和自治区网格编码编制规范 — the norms are not in the seed; default layout
  // 002 §7: 自治州网格化服务中心…组织编制本行政区域内的网格编码 — codes are compiled at prefecture level,
  // although the division itself is only filed with the county (§6).
  codingAuthority: { role: 'city', source: '002 §7' },
  households: {
    // 002 §6 ¶2: 城市社区网格一般由二百户至三百户构成。
    urban: { min: 200, max: 300, source: '002 §6' },
    // 002 §6 ¶2: 农村网格一般由三百户构成，也可以以村民小组、片区为单元构成。 "About 300" is read as
    // 300 ± 50 (250–350). A grid drawn as a whole village group (村民小组/片区) of another size is
    // lawful under the same sentence: record it as an approved exception.
    rural: { min: 250, max: 350, source: '002 §6 (一般由三百户构成, read as 300 ± 50)' },
  },
  // 002 §6 ¶1: 网格由乡（镇）人民政府、街道办事处和网格化服务中心组织村（社区）划分，并根据工作需要适时调整。
  // 网格的划分和调整情况应当及时报县（市）网格化服务中心备案。 No approval step: the township
  // decides and the county records the filing; the prefecture is not in the chain.
  approvalChain: [
    { role: 'township', action: 'propose', jointlyWith: ['village/community'], source: '002 §6' },
    { role: 'county', action: 'file', source: '002 §6' },
  ],
  noticeLanguages: ['zh'], // 002 §16: 公布网格名称、区域范围… — no language named
  staffRules: {
    // 002 §10: 网格员…包括网格长、专职网格员和兼职网格员; 网格长…报乡镇（街道）网格化服务中心备案.
    roles: ['grid_head', 'full_time_worker', 'part_time_worker'],
    requiredRoles: ['grid_head'],
    // 002 §10 ¶3: 专职网格员具体从事所在网格的管理服务工作 — no per-grid number.
    minFullTimePerGrid: { urban: 0, rural: 0 },
    headMayLeadSeveralGrids: true, // not restricted by 002 §10
    specialistMayServeSeveralGrids: false, // 002 has no specialist workers
    dedicatedStaffedByUnit: false, // not said in 002
    source: '002 §10',
  },
  // 002 §6 ¶3: 根据需要，在学校、医院、商务楼栋、企业可以划分专属网格。
  dedicatedUnitTypes: [
    { id: 'school', zh: '学校', en: 'schools' },
    { id: 'hospital', zh: '医院', en: 'hospitals' },
    { id: 'office_building', zh: '商务楼栋', en: 'office buildings' },
    { id: 'enterprise', zh: '企业', en: 'enterprises' },
  ],
  allowMultipart: false,
  allowCrossBoundary: false, // 002 §2 ¶2: grids are drawn inside 城乡社区、村民小组
  exceptions: [],
}

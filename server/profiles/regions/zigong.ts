import type { RuleProfile } from '../rule-profile.js'

// Seed 003: 自贡市城乡社会治理网格化服务管理办法 (Sichuan; municipal government rule, 自贡市人民政府令75号),
// in force 2024-02-01 (§24). 自贡市 = 510300.
export const zigong: RuleProfile = {
  id: 'zigong',
  seed: '003',
  name: { zh: '自贡市', en: 'Zigong' },
  regulation: { title: '自贡市城乡社会治理网格化服务管理办法', effective: '2024-02-01', source: '003 §24' },
  regionPrefixes: ['5103'],
  // 自贡市: 104°03′–105°16′ E, 28°55′–29°38′ N, with ~0.2° margin.
  bounds: [103.8, 28.7, 105.5, 29.9],
  landmark: { name: '自贡市人民政府（自流井区）', lng: 104.78, lat: 29.34 },
  codeLayout: 'cn-stat-15', // 003 §7: 按照统一标准编制网格编码 — the standard is not named; default layout
  codingAuthority: { role: 'county', source: '003 §7' }, // 县级网格化服务管理工作机构…编制网格编码
  households: {
    // 003 §8 ¶1: 城乡社区的网格…网格内常住居民户数一般为 300 户至 500 户或者 1000 人左右.
    urban: { min: 300, max: 500, source: '003 §8' },
    // 003 §8 ¶1: 行政村的网格以一个行政村划分为一个或者多个网格 — no household number for villages.
    // The national practice range is shown as guidance only (warnings, not errors).
    rural: { min: 200, max: 500, source: 'national practice (003 §8: 行政村划分为一个或者多个网格)', advisory: true },
  },
  // 003 §8 ¶1: …或者 1000 人左右 — "about 1000 people" read as 1000 ± 20% (800–1200), for community grids.
  people: {
    urban: { min: 800, max: 1200, source: '003 §8 (1000 人左右, read as 1000 ± 20%)' },
  },
  // 003 §7 ¶1: 县级网格化服务管理工作机构应当根据本辖区实际科学合理划分网格，按照统一标准编制网格编码。
  // 003 §7 ¶2: 网格划分、调整和编码变更，应当报市网格化服务管理工作机构备案。 No approval step;
  // the township is not named in the division (it runs the grid work, §5 ¶3).
  approvalChain: [
    { role: 'county', action: 'propose', source: '003 §7' },
    { role: 'city', action: 'file', source: '003 §7' },
  ],
  noticeLanguages: ['zh'], // 003 §21 — no language named
  staffRules: {
    // 003 §12: 县级…在网格中配备网格员…分为专职网格员和兼职网格员. No grid head or instructor is named.
    roles: ['full_time_worker', 'part_time_worker'],
    requiredRoles: [],
    minFullTimePerGrid: { urban: 0, rural: 0 }, // 003 §12: 根据所划分网格实际情况 — no number
    headMayLeadSeveralGrids: true, // 003 has no grid head rule
    specialistMayServeSeveralGrids: false, // 003 has no specialist workers
    dedicatedStaffedByUnit: true, // 003 §8 ¶2: 专属网格…所在单位负责实施
    source: '003 §12',
  },
  // 003 §8 ¶2: 城乡社区内较大商务楼宇、各类园区、商圈市场、学校、医院及有关企业事业单位可根据实际划分为专属网格.
  dedicatedUnitTypes: [
    { id: 'office_building', zh: '商务楼宇', en: 'office buildings' },
    { id: 'park', zh: '各类园区', en: 'industrial and business parks' },
    { id: 'market', zh: '商圈市场', en: 'shopping districts and markets' },
    { id: 'school', zh: '学校', en: 'schools' },
    { id: 'hospital', zh: '医院', en: 'hospitals' },
    { id: 'enterprise', zh: '企业事业单位', en: 'enterprises and public institutions' },
  ],
  allowMultipart: false,
  allowCrossBoundary: false, // 003 §8: grids are drawn inside a community or a village
  exceptions: [],
}

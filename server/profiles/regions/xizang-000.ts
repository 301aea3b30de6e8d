import type { RuleProfile } from '../rule-profile.js'

// Seed 000: a city of the Xizang (Tibet) Autonomous Region — 网格化服务管理条例, in force
// 2023-11-01 (§29). The text as we have it never names the city: it says 本市, 市、县（区）,
// 自治区编码规则 (§11) and 国家通用文字和藏文 (§20), which places it in Xizang (province code 54)
// but not in which of its cities. So this profile has no region prefixes and is never picked by
// profileForRegion; select it by id until the city is confirmed from the official source, then add
// its 4-digit prefix here (e.g. '5401' if it is Lhasa 拉萨市).
export const xizang000: RuleProfile = {
  id: 'xizang-000',
  seed: '000',
  name: { zh: '西藏自治区设区的市（种子 000，条例未载明市名）', en: 'Xizang city of seed 000 (city not named in the text)' },
  regulation: { title: '网格化服务管理条例（西藏自治区某市）', effective: '2023-11-01', source: '000 §29' },
  regionPrefixes: [],
  // 西藏自治区 (the city is not named): 78°25′–99°06′ E, 26°50′–36°53′ N, with ~0.2° margin.
  bounds: [78.2, 26.6, 99.3, 37.1],
  landmark: { name: '拉萨市 (regional capital)', lng: 91.13, lat: 29.65 },
  codeLayout: 'cn-stat-15', // 000 §11: 按照自治区编码规则统一编码 — the regional rule is not in the seed; default layout
  // 000 §11 asks only for 人口规模适度 (moderate population), no household numbers: national practice.
  households: {
    urban: { min: 200, max: 500, source: 'national practice (000 §11: 人口规模适度)' },
    rural: { min: 200, max: 500, source: 'national practice (000 §11: 人口规模适度)' },
  },
  // 000 §11 ¶1: 网格由乡镇（街道）网格化工作机构…划分…经县（区）网格化工作机构批准，报市网格化工作机构备案。
  // 000 §11 ¶2: 网格划定后确需调整的，按照前款规定办理 — adjustments take the same path.
  approvalChain: [
    { role: 'township', action: 'propose', source: '000 §11' },
    { role: 'county', action: 'approve', source: '000 §11' },
    { role: 'city', action: 'file', source: '000 §11' },
  ],
  noticeLanguages: ['zh', 'bo'], // 000 §20: 以国家通用文字和藏文公布网格名称、区域范围、网格员姓名…
  staffRules: {
    // 000 §13: 网格应当配备网格长、网格指导员、网格员; 网格员包括专职网格员、兼职网格员.
    roles: ['grid_head', 'instructor', 'full_time_worker', 'part_time_worker'],
    requiredRoles: ['grid_head', 'instructor'],
    // 000 §13 gives no per-grid number of full-time workers (they are hired for comprehensive grids).
    minFullTimePerGrid: { urban: 0, rural: 0 },
    headMayLeadSeveralGrids: true, // not restricted by 000 §13
    specialistMayServeSeveralGrids: false, // 000 has no specialist workers
    dedicatedStaffedByUnit: false, // 000 §28: dedicated grids are governed by a city measure not in the seed
    source: '000 §13',
  },
  // 000 §10 ¶3: 专属网格…以国家机关、企业事业单位、宗教活动场所以及商务楼宇、专业市场等为基本单元划分.
  dedicatedUnitTypes: [
    { id: 'state_agency', zh: '国家机关', en: 'state agencies' },
    { id: 'enterprise', zh: '企业事业单位', en: 'enterprises and public institutions' },
    { id: 'religious_site', zh: '宗教活动场所', en: 'religious sites' },
    { id: 'office_building', zh: '商务楼宇', en: 'office buildings' },
    { id: 'market', zh: '专业市场', en: 'specialised markets' },
  ],
  allowMultipart: false,
  allowCrossBoundary: false, // 000 §10 ¶2: 综合网格 are drawn inside 城乡社区 / 行政村
  exceptions: [],
}

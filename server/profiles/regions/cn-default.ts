import type { RuleProfile } from '../rule-profile.js'

// National default: used for the demo province (prefix 99) and every region no other profile
// matches. No national regulation fixes these numbers; they are national practice as docs/design.md
// records it (200–500 households per comprehensive grid, urban and rural alike).
export const cnDefault: RuleProfile = {
  id: 'cn-default',
  name: { zh: '全国默认', en: 'National default' },
  regionPrefixes: [],
  // China's rough extent (as the lookup's outside-China check); the demo province 99 is placed in it.
  bounds: [73, 3, 136, 54],
  landmark: { name: '示范县 (demo county 990101, server/demo)', lng: 113.0, lat: 28.2 },
  codeLayout: 'cn-stat-15',
  households: {
    urban: { min: 200, max: 500, source: 'national practice' },
    rural: { min: 200, max: 500, source: 'national practice' },
  },
  // The most common chain in the seeds (000 §11, and the outline in docs/design.md): the township
  // divides, the county approves, the city records the filing.
  approvalChain: [
    { role: 'township', action: 'propose', source: 'national practice (as 000 §11)' },
    { role: 'county', action: 'approve', source: 'national practice (as 000 §11)' },
    { role: 'city', action: 'file', source: 'national practice (as 000 §11)' },
  ],
  noticeLanguages: ['zh'],
  staffRules: {
    roles: ['grid_head', 'full_time_worker', 'part_time_worker', 'specialist_worker'],
    requiredRoles: ['grid_head', 'full_time_worker'],
    // docs/design.md staff row: ≥ 1 full-time worker per grid (as 001 §11), one head may lead several grids.
    minFullTimePerGrid: { urban: 1, rural: 1 },
    headMayLeadSeveralGrids: true,
    specialistMayServeSeveralGrids: true,
    dedicatedStaffedByUnit: true,
    source: 'national practice (as 001 §11)',
  },
  // Union of the unit types the five seed regulations name.
  dedicatedUnitTypes: [
    { id: 'state_agency', zh: '国家机关', en: 'state agencies' },
    { id: 'enterprise', zh: '企业事业单位', en: 'enterprises and public institutions' },
    { id: 'office_building', zh: '商务楼宇', en: 'office buildings' },
    { id: 'market', zh: '专业市场、商圈市场', en: 'markets and shopping districts' },
    { id: 'park', zh: '园区', en: 'industrial and business parks' },
    { id: 'school', zh: '学校', en: 'schools' },
    { id: 'hospital', zh: '医院', en: 'hospitals' },
    { id: 'religious_site', zh: '宗教活动场所', en: 'religious sites' },
  ],
  allowMultipart: false,
  allowCrossBoundary: false,
  exceptions: [],
}

// The shape of a rule profile: what one province's or city's regulation says about grids,
// as data. Profiles live in ./regions/*.ts (one module per profile, plain object literals with the
// article they come from next to each value) and are checked and frozen by ./profiles.ts.
//
// Citations in the data read "<seed> §<article>", e.g. "002 §6" = seed 002 (昌吉), 第六条.

/** Urban/rural basis of a grid, from the 统计用城乡分类代码 of its community: 1xx urban, 2xx rural. */
export type SizingBasis = 'urban' | 'rural'

export interface CountRange {
  min: number
  max: number
  /** Where the numbers come from ("002 §6", or "national practice" when no regulation gives one). */
  source: string
  /**
   * The regulation gives no number for this case, so the range is guidance only: a grid outside
   * it gets a warning, not an error (e.g. 自贡 villages, 003 §8: 一个行政村划分为一个或者多个网格).
   */
  advisory?: boolean
}

export type ApprovalRole = 'township' | 'county' | 'city'
export type ApprovalAction = 'propose' | 'review' | 'approve' | 'file'

export interface ApprovalStep {
  role: ApprovalRole
  action: ApprovalAction
  /** Others the regulation names as acting jointly with this role (会同), for display only. */
  jointlyWith?: string[]
  /** Article the step comes from. */
  source: string
}

export type NoticeLanguage = 'zh' | 'bo'

export type StaffRole = 'grid_head' | 'instructor' | 'full_time_worker' | 'part_time_worker' | 'specialist_worker'

export interface StaffRules {
  /** Roles the regulation says a (comprehensive) grid is staffed with. */
  roles: StaffRole[]
  /** Roles every comprehensive grid must have at least one of. */
  requiredRoles: StaffRole[]
  /** Minimum full-time grid workers (专职网格员) per comprehensive grid; 0 = no number in the regulation. */
  minFullTimePerGrid: Record<SizingBasis, number>
  /** One grid head (网格长) may lead several grids. */
  headMayLeadSeveralGrids: boolean
  /** One specialist worker (专业网格员) may serve several grids. */
  specialistMayServeSeveralGrids: boolean
  /** Dedicated grids are staffed by the unit itself (e.g. 001 §11: 专属网格的网格员由所在单位配备). */
  dedicatedStaffedByUnit: boolean
  source: string
}

export interface DedicatedUnitType {
  /** Stable id shared across profiles: state_agency, enterprise, school, hospital, park, … */
  id: string
  /** The wording of this profile's regulation. */
  zh: string
  en: string
}

/** An approved departure from the household range for one grid. */
export interface SizingException {
  /** Grid id or code. */
  grid: string
  reason: string
  /** Who approved it (office and document number). */
  approver: string
  /** Date of approval, YYYY-MM-DD. */
  date: string
  /** The range approved for this grid instead of the profile's; without it any count is accepted. */
  range?: { min: number; max: number }
}

/** A WGS84 box in degrees: [west, south, east, north]. */
export type Bounds = readonly [west: number, south: number, east: number, north: number]

/** A place known to lie in a profile's area, by which its bounds are checked at start. */
export interface Landmark {
  name: string
  lng: number
  lat: number
}

export interface RuleProfile {
  id: string
  /** Seed regulation number ('000'…'004') this profile encodes; absent for the national default. */
  seed?: string
  name: { zh: string; en: string }
  /** The regulation, its effective date and article of entry into force. */
  regulation?: { title: string; effective: string; source: string }
  /**
   * Statistical division code prefixes (2 = province, 4 = city, 6 = county) the profile applies to.
   * The longest matching prefix over all profiles wins; nothing matching → cn-default.
   */
  regionPrefixes: string[]
  /**
   * Where the regions this profile governs lie. Lookups under a profile whose bounds lie in
   * China refuse points outside China and say so when lng/lat look swapped.
   */
  bounds: Bounds
  /** A place in the governed area (the issuing government's seat; the demo county for cn-default): must lie within bounds. */
  landmark: Landmark
  /** Id of the grid code layout (see server/coding): 'cn-stat-15' unless a regulation says otherwise. */
  codeLayout: string
  /** Who compiles the codes, if the regulation says (e.g. 002 §7: the prefecture's centre). */
  codingAuthority?: { role: ApprovalRole; source: string }
  households: Record<SizingBasis, CountRange>
  /** People alternative: a grid whose households are out of range but whose population is within this range complies. */
  people?: Partial<Record<SizingBasis, CountRange>>
  /** Steps a change to the grids (adjustment, split, merge, new grid) goes through, in order. */
  approvalChain: ApprovalStep[]
  /** Steps of the first division of an area into grids, when the regulation differs from approvalChain. */
  initialDivisionChain?: ApprovalStep[]
  noticeLanguages: NoticeLanguage[]
  staffRules: StaffRules
  dedicatedUnitTypes: DedicatedUnitType[]
  /** A comprehensive grid may be several separate pieces (islands, enclaves). */
  allowMultipart: boolean
  /** A grid may cross the boundary of its village/community. */
  allowCrossBoundary: boolean
  exceptions: SizingException[]
}

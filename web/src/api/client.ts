import type {
  ApiErrorBody,
  BBox,
  DiffCollection,
  GridCollection,
  GridHistory,
  Me,
  Proposal,
  ProposalAct,
  ProposalSummary,
  Region,
  RegionCollection,
  ValidationReport,
  Change,
  ExceptionRequest,
  LookupResult,
  PointGeometry,
  UploadResponse,
  ImportChoices,
  PreviewResponse,
  CommitRequest,
  CommitResponse,
  ExportQuery,
  PartitionRequest,
  PartitionResponse,
} from './types'
import type { BasemapInfoResponse } from '../../../server/basemap/basemap.schemas'
import type { ReferenceFeatureCollection, ReferenceLayerList } from '../../../server/reference/reference.schemas'

const TOKEN_KEY = 'gridwork.token'

/** An error the server reported (`{ error: { code, message } }`) or a network failure (`code: 'network'`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** Language sent as Accept-Language so server messages match the UI. */
let language = 'zh-CN'
export function setApiLanguage(lng: string): void {
  language = lng
}

export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY)
}
export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token)
  else localStorage.removeItem(TOKEN_KEY)
}

// Relative URLs: the page and the API share an origin, possibly under a path prefix.
async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers({ ...authHeaders(), Accept: 'application/json' })
  if (init.body) headers.set('Content-Type', 'application/json')

  const res = await fetchOrNetworkError(path, { ...init, headers })
  return answerOf<T>(res.status, await res.text())
}

/** fetch, with a failure to reach the server reported as ApiError 'network'. */
async function fetchOrNetworkError(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init)
  } catch (e) {
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e))
  }
}

/** The JSON of an answer, or the ApiError it reports. */
function answerOf<T>(status: number, text: string): T {
  let body: unknown = null
  try {
    body = text ? JSON.parse(text) : null
  } catch {
    // A proxy or a crashed server can answer with HTML; report the status instead.
  }
  if (status < 200 || status >= 300) {
    const err = (body as ApiErrorBody | null)?.error
    throw new ApiError(status, err?.code ?? `http_${status}`, err?.message ?? `HTTP ${status}`)
  }
  return body as T
}

export function authHeaders(): Record<string, string> {
  const token = getToken()
  return { 'Accept-Language': language, ...(token ? { Authorization: `Bearer ${token}` } : {}) }
}

/**
 * POSTs a file's bytes with XMLHttpRequest, the one browser API that reports upload progress
 * (`onProgress(bytes sent)`); fetch has no upload progress.
 */
function postFile<T>(path: string, file: Blob, onProgress: (sent: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', path)
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value)
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.setRequestHeader('Content-Type', 'application/octet-stream')
    xhr.upload.onprogress = (event) => onProgress(event.loaded)
    xhr.onload = () => {
      try {
        resolve(answerOf<T>(xhr.status, xhr.responseText))
      } catch (err) {
        reject(err)
      }
    }
    xhr.onerror = () => reject(new ApiError(0, 'network', 'upload failed'))
    xhr.send(file)
  })
}

/**
 * Uploads files as one upload (a loose shapefile set is several): the first creates it, the rest
 * join it. `onProgress` gets the bytes sent of all files together.
 */
async function uploadFiles(files: readonly File[], onProgress: (sent: number, total: number) => void): Promise<UploadResponse> {
  const total = files.reduce((sum, f) => sum + f.size, 0)
  let done = 0
  let upload: UploadResponse | null = null
  for (const file of files) {
    const name = encodeURIComponent(file.name)
    const path: string = upload ? `api/v1/uploads/${encodeURIComponent(upload.id)}/files?name=${name}` : `api/v1/uploads?name=${name}`
    upload = await postFile<UploadResponse>(path, file, (sent) => onProgress(done + sent, total))
    done += file.size
    onProgress(done, total)
  }
  if (!upload) throw new ApiError(400, 'no_files', 'no files')
  return upload
}

/** GET /export: the file as a blob and the name the server gave it (Content-Disposition). */
async function exportFile(query: ExportQuery): Promise<{ blob: Blob; disposition: string | null }> {
  const params = new URLSearchParams(Object.entries(query).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
  const res = await fetchOrNetworkError(`api/v1/export?${params}`, { headers: authHeaders() })
  if (!res.ok) answerOf(res.status, await res.text())
  return { blob: await res.blob(), disposition: res.headers.get('Content-Disposition') }
}

export const api = {
  health: () => request<{ status: string; engine: string; postgis: string }>('health'),
  clientConfig: () => request<{ tianditu_key: string | null }>('client-config'),
  login: (username: string, password: string) =>
    request<{ token: string }>('api/v1/auth/login', {
      method: 'POST',
      body: JSON.stringify({ username, password }),
    }),
  me: () => request<Me>('api/v1/me'),
  region: (code: string) => request<Region>(`api/v1/regions/${encodeURIComponent(code)}`),
  /** All regions below `code` (townships and communities of a county) with boundaries. */
  descendants: (code: string) => request<RegionCollection>(`api/v1/regions/${encodeURIComponent(code)}/children?descendants=true`),
  /** Grids in force today, or on `asOf` (YYYY-MM-DD); only those meeting `bbox` if given. */
  grids: (region: string, asOf?: string | null, bbox?: BBox | null) =>
    request<GridCollection>(
      `api/v1/grids?region=${encodeURIComponent(regionPrefix(region))}${asOf ? `&as_of=${encodeURIComponent(asOf)}` : ''}${bbox ? `&bbox=${bbox.map((n) => n.toFixed(6)).join(',')}` : ''}`,
    ),
  /** Every version of a grid, oldest first, with its proposal and lineage. */
  gridHistory: (code: string) => request<GridHistory>(`api/v1/grids/${encodeURIComponent(code)}/history`),
  /** Validation report of a set of grids against their parent region (12-digit code). */
  validate: (features: GridCollection, parent: string) =>
    request<ValidationReport>('api/v1/validate', { method: 'POST', body: JSON.stringify({ features, parent }) }),
  proposals: () => request<{ proposals: ProposalSummary[] }>('api/v1/proposals'),
  proposal: (id: number) => request<Proposal>(`api/v1/proposals/${id}`),
  proposalDiff: (id: number) => request<DiffCollection>(`api/v1/proposals/${id}/diff`),
  act: (
    id: number,
    act: ProposalAct,
    body: { comment?: string; location?: PointGeometry; document_no?: string; effective_date?: string } = {},
  ) => request<Proposal>(`api/v1/proposals/${id}/${act}`, { method: 'POST', body: JSON.stringify(body) }),
  createProposal: (body: { region: string; title?: string; reason?: string; changes: Change[]; exceptions?: ExceptionRequest[] }) =>
    request<Proposal>('api/v1/proposals', { method: 'POST', body: JSON.stringify(body) }),
  /** Saves a draft (optimistic: `version` is the one edited; a stale version gets 409). */
  updateProposal: (
    id: number,
    body: { version: number; title?: string; reason?: string; changes?: Change[]; exceptions?: ExceptionRequest[] },
  ) => request<Proposal>(`api/v1/proposals/${id}`, { method: 'PUT', body: JSON.stringify(body) }),
  rebaseProposal: (id: number) => request<Proposal>(`api/v1/proposals/${id}/rebase`, { method: 'POST' }),
  comment: (id: number, body: { comment: string; location?: PointGeometry }) =>
    request<Proposal>(`api/v1/proposals/${id}/comments`, { method: 'POST', body: JSON.stringify(body) }),
  /** Which grid a point is in (crs: wgs84 | cgcs2000 | gcj02 | bd09). */
  lookupPoint: (lng: number, lat: number, crs: string) =>
    request<LookupResult>(`api/v1/lookup?lng=${encodeURIComponent(lng)}&lat=${encodeURIComponent(lat)}&crs=${encodeURIComponent(crs)}`),
  lookupAddress: (address: string) => request<LookupResult>(`api/v1/lookup?address=${encodeURIComponent(address)}`),
  uploadFiles,
  /** What the uploaded file holds, read with the wizard's choices (layer, encoding, CRS, field map). */
  importPreview: (upload: string, choices: ImportChoices) =>
    request<PreviewResponse>(`api/v1/uploads/${encodeURIComponent(upload)}/preview`, { method: 'POST', body: JSON.stringify(choices) }),
  importCommit: (upload: string, body: CommitRequest) =>
    request<CommitResponse>(`api/v1/uploads/${encodeURIComponent(upload)}/commit`, { method: 'POST', body: JSON.stringify(body) }),
  exportFile,
  /** Reference layers (roads, water…) that apply to a region, and one layer's features in a box. */
  referenceLayers: (region: string) => request<ReferenceLayerList>(`api/v1/reference?region=${encodeURIComponent(regionPrefix(region))}`),
  referenceFeatures: (id: number, bbox: BBox, zoom: number) =>
    request<ReferenceFeatureCollection>(
      `api/v1/reference/${id}/features?bbox=${bbox.map((n) => n.toFixed(6)).join(',')}&zoom=${Math.floor(zoom)}`,
    ),
  /** Proposed grids of a community (自动划分); with `create_draft` also saved as a draft proposal. */
  partition: (body: PartitionRequest) => request<PartitionResponse>('api/v1/partition', { method: 'POST', body: JSON.stringify(body) }),
  /** The server's local basemap file, if any (GRIDWORK_BASEMAP). */
  basemap: () => request<BasemapInfoResponse>('basemap'),
}

/** 12-digit code → the shortest prefix naming the same subtree (990101000000 → 990101). */
export function regionPrefix(code: string): string {
  if (!/^\d{12}$/.test(code)) return code
  if (code.endsWith('0000000000')) return code.slice(0, 2)
  if (code.endsWith('00000000')) return code.slice(0, 4)
  if (code.endsWith('000000')) return code.slice(0, 6)
  if (code.endsWith('000')) return code.slice(0, 9)
  return code
}

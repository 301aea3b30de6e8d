import { badRequest } from './errors.js'

/** True for 'YYYY-MM-DD' naming a real calendar date (2026-02-30 is not), years 0001–9999 (PostgreSQL has no year 0). */
export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || value.startsWith('0000')) return false
  const date = new Date(`${value}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value
}

/** 'YYYY-MM-DD' that is a real calendar date, or a 400 naming the value. */
export function parseDate(value: string): string {
  if (!isIsoDate(value)) throw badRequest('date_invalid', { value })
  return value
}

export type BBox = [number, number, number, number]

/** 'minLng,minLat,maxLng,maxLat' within lon/lat ranges, min < max, or a 400. */
export function parseBBox(value: string): BBox {
  const parts = value.split(',').map((part) => (part.trim() === '' ? Number.NaN : Number(part)))
  if (parts.length !== 4 || !parts.every(Number.isFinite)) throw badRequest('bbox_invalid')
  const [minLng, minLat, maxLng, maxLat] = parts as BBox
  const inRange = minLng >= -180 && maxLng <= 180 && minLat >= -90 && maxLat <= 90
  if (!inRange || minLng >= maxLng || minLat >= maxLat) throw badRequest('bbox_invalid')
  return [minLng, minLat, maxLng, maxLat]
}

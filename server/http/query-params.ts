import { badRequest } from './errors.js'

/** 'YYYY-MM-DD' that is a real calendar date, or a 400 naming the value. */
export function parseDate(value: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  const date = match ? new Date(`${value}T00:00:00Z`) : null
  if (!match || !date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw badRequest('date_invalid', { value })
  }
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

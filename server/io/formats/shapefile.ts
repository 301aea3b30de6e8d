import { AppError } from '../../http/errors.js'
import type { FormatReader, FormatWriter } from '../types.js'

// Placeholder until this format is implemented: refuses with a plain message.
const unavailable = () => Promise.reject(new AppError(415, 'io_format_unavailable', { format: 'shapefile' }))

export const readShapefile: FormatReader = unavailable
export const writeShapefile: FormatWriter = unavailable

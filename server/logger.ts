import pino from 'pino'
import type { LogFormat } from './config.js'

/** pino, pretty-printed when a person watches the terminal, JSON lines otherwise (log shippers); `format` (LOG_FORMAT) decides when given. */
export function createLogger(level: string, format?: LogFormat) {
  const pretty = format === 'pretty' || (format !== 'json' && process.stdout.isTTY)
  return pino({
    level,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
  })
}
export type Logger = ReturnType<typeof createLogger>

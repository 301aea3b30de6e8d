import pino from 'pino'

/** pino, pretty-printed when a person watches the terminal, JSON lines otherwise (log shippers). */
export function createLogger(level: string) {
  const pretty = process.env.LOG_FORMAT === 'pretty' || (process.env.LOG_FORMAT !== 'json' && process.stdout.isTTY)
  return pino({
    level,
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } }
      : {}),
  })
}
export type Logger = ReturnType<typeof createLogger>

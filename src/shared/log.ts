/**
 * @module log
 * Diagnostics go to stderr, always. stdout belongs to the protocol (JSON-RPC in
 * `briefd mcp`, model context in a SessionStart hook, results in the CLI).
 * Never pass a token, a credential or content to these functions.
 */

import { BriefdError } from './errors.js'
import type { Env } from './paths.js'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export interface Logger {
  debug(message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

export interface LoggerOptions {
  /** Prefix for every line, e.g. `briefd mcp`. */
  name: string
  level?: LogLevel
  /** Where lines go; defaults to process.stderr. */
  write?: (line: string) => void
}

const isLogLevel = (v: string | undefined): v is LogLevel =>
  v === 'debug' || v === 'info' || v === 'warn' || v === 'error'

/**
 * Lenient: unknown values fall back to `info`. Only for the logger that must exist before the
 * settings are checked, so it can report a bad BRIEFD_LOG_LEVEL itself.
 */
export function parseLogLevel(value: string | undefined): LogLevel {
  return isLogLevel(value) ? value : 'info'
}

/**
 * BRIEFD_LOG_LEVEL as every command checks it (serve, start, restart, session, mcp): unset or
 * empty is `info`; anything else unknown is ERR_CONFIG_INVALID, because a typo would
 * otherwise silently hide the diagnostics the user asked for. The value is cut short in the
 * message: it is a setting, not a secret, but the line must stay one line.
 */
export function logLevelSetting(env: Env): LogLevel {
  const value = env.BRIEFD_LOG_LEVEL
  if (value === undefined || value === '') return 'info'
  if (isLogLevel(value)) return value
  throw new BriefdError(
    'ERR_CONFIG_INVALID',
    `BRIEFD_LOG_LEVEL must be debug, info, warn or error (got ${JSON.stringify(value.slice(0, 40))})`,
  )
}

/** One line per message, newlines folded so a message can never forge a second log line. */
export function createLogger(options: LoggerOptions): Logger {
  const min = ORDER[options.level ?? 'info']
  const write = options.write ?? ((line: string) => void process.stderr.write(line))
  const emit = (level: LogLevel, message: string): void => {
    if (ORDER[level] < min) return
    const flat = message.replace(/[\r\n]+/g, ' ')
    write(`${options.name}: ${level === 'info' ? '' : `${level}: `}${flat}\n`)
  }
  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
  }
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
}

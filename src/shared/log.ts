/**
 * @module log
 * Diagnostics go to stderr, always. stdout belongs to the protocol (JSON-RPC in
 * `briefd mcp`, model context in a SessionStart hook, results in the CLI).
 * Never pass a token, a credential or content to these functions.
 */

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

/** Parses `BRIEFD_LOG_LEVEL`-style values; unknown values fall back to `info`. */
export function parseLogLevel(value: string | undefined): LogLevel {
  return value === 'debug' || value === 'info' || value === 'warn' || value === 'error'
    ? value
    : 'info'
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

/**
 * Sizes of the load tests. `npm test` runs a short version; `npm run soak` (BRIEFD_SOAK=1)
 * the full one from issue 5. Each size can be overridden with its SOAK_* variable.
 */
export const SOAK = process.env.BRIEFD_SOAK === '1'

function size(name: string, ci: number, soak: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return SOAK ? soak : ci
  const n = Number(raw)
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`${name} must be a positive integer (got ${JSON.stringify(raw)})`)
  return n
}

/** `briefd mcp` processes, each with its own SDK Client and session token. */
export const MCP_PROCESSES = size('SOAK_PROCESSES', 10, 50)
/** Concurrent call streams per process (processes × streams = concurrent callers). */
export const MCP_STREAMS = size('SOAK_STREAMS', 5, 1)
/** Tool calls per stream. */
export const MCP_CALLS = size('SOAK_CALLS', 40, 200)
/** Session issue → delivery → revoke cycles (soak: against a daemon process, in real time). */
export const SESSION_CYCLES = size('SOAK_SESSIONS', 1500, 100_000)
/** Cycles of the in-process heap measurement (soak only): enough to fill every bounded cache twice. */
export const HEAP_CYCLES = size('SOAK_HEAP_CYCLES', 40_000, 40_000)
/** Concurrent session workers. */
export const SESSION_WORKERS = size('SOAK_SESSION_WORKERS', 8, 16)
/** BRIEFD_MAX_SESSIONS for the session soak: live + revoked sessions the daemon keeps, until their tokens expire. */
export const SOAK_MAX_SESSIONS = size('SOAK_MAX_SESSIONS', 200, 40_000)

/** Median, 99th percentile and max of `xs`. */
export function percentiles(xs: readonly number[]): { p50: number; p99: number; max: number } {
  const s = [...xs].sort((a, b) => a - b)
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? NaN }
}

/** A report block for the console: a title and aligned `key: value` lines. */
export function report(title: string, rows: [string, string | number][]): string {
  const width = Math.max(...rows.map(([k]) => k.length))
  return [`\n=== ${title} ===`, ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`)].join('\n')
}

/**
 * @module daemon/headers
 * Fast request-header access. On Node, Hono's `c.req.header()` goes through node-server's
 * Headers emulation (name validation, raw-header scans) on every call; the daemon reads a
 * handful of headers per request, so it reads Node's already-parsed `incoming.headers`
 * instead. Node lowercases names, joins repeated headers with ", " and keeps only the first
 * of the singletons it de-duplicates (authorization, host, content-length...), so for those
 * we also count raw occurrences: a repeated credential must be refused, never half-read.
 */
import type { Context } from 'hono'
import type { DaemonEnv } from './context.js'

/** The value of a request header (lowercase name), or undefined. Repeats are joined with ", ". */
export function requestHeader(c: Context<DaemonEnv>, name: string): string | undefined {
  const incoming = c.env?.incoming
  if (!incoming) return c.req.header(name)
  const v = incoming.headers[name]
  if (v === undefined) return undefined
  if (Array.isArray(v)) return v.join(', ')
  if (!SINGLETONS.has(name)) return v
  // Node silently drops duplicates of these; recover them from the raw list.
  const raw = incoming.rawHeaders
  let seen = 0
  let joined = ''
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i] as string
    if (n.length === name.length && n.toLowerCase() === name) {
      joined = seen === 0 ? (raw[i + 1] as string) : `${joined}, ${raw[i + 1] as string}`
      seen++
    }
  }
  return seen > 1 ? joined : v
}

/** Headers Node de-duplicates by keeping the first; the ones we read must reveal repeats. */
const SINGLETONS = new Set(['authorization', 'host', 'content-length', 'if-none-match'])

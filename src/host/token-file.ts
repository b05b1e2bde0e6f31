/**
 * @module host/token-file
 * The per-host token file: written by `briefd session start` (the SessionStart hook), read
 * by `briefd mcp` and the client library, deleted by `briefd session end`. It lives in the
 * user-only runtime dir, is 0600, written atomically, and read with the safe-file checks
 * (no symlink, our uid, no group/other bits).
 */
import { BriefdError } from '../shared/errors.js'
import { readSecretFile, writeSecretFileAtomic } from '../shared/secure-fs.js'

/** The process a session belongs to: PID plus start time, so a reused PID never matches. */
export interface HostIdentity {
  pid: number
  /** Opaque, stable for the life of the process (Linux: /proc starttime ticks; macOS: lstart). */
  startTime: string
}

export interface TokenRecord {
  version: 1
  token: string
  session_id: string
  /** ISO 8601. */
  expires_at: string
  daemon_url: string
  /** The daemon's Unix socket; absent in files written before it existed, or for a TCP-only daemon. */
  daemon_socket?: string
  host: HostIdentity | null
  created_at: string
}

const MAX_TOKEN_FILE_BYTES = 16 * 1024

/** The token file record for a session the daemon just issued. */
export function sessionTokenRecord(
  session: { token: string; session_id: string; expires_at: string },
  daemonUrl: string,
  host: HostIdentity | null,
  now: Date = new Date(),
  daemonSocket?: string,
): TokenRecord {
  return {
    version: 1,
    token: session.token,
    session_id: session.session_id,
    expires_at: session.expires_at,
    daemon_url: daemonUrl,
    ...(daemonSocket !== undefined ? { daemon_socket: daemonSocket } : {}),
    host,
    created_at: now.toISOString(),
  }
}

export function writeTokenFile(path: string, record: TokenRecord): void {
  writeSecretFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`)
}

/** Reads and validates a token file. Throws ERR_FILE_NOT_FOUND, ERR_FILE_UNSAFE or ERR_FILE_INVALID. */
export function readTokenFile(path: string): TokenRecord {
  const raw = readSecretFile(path, {
    label: 'token file',
    maxBytes: MAX_TOKEN_FILE_BYTES,
  }).toString('utf8')
  const bad = (why: string): BriefdError =>
    new BriefdError('ERR_FILE_INVALID', `token file ${path} is invalid: ${why}`)
  let v: unknown
  try {
    v = JSON.parse(raw)
  } catch {
    throw bad('not JSON (truncated or corrupt)')
  }
  if (typeof v !== 'object' || v === null) throw bad('not an object')
  const r = v as Record<string, unknown>
  if (r.version !== 1) throw bad('unknown version')
  if (typeof r.token !== 'string' || r.token === '') throw bad('no token')
  if (typeof r.session_id !== 'string') throw bad('no session_id')
  if (typeof r.expires_at !== 'string' || Number.isNaN(Date.parse(r.expires_at)))
    throw bad('no expires_at')
  if (typeof r.daemon_url !== 'string') throw bad('no daemon_url')
  if (r.daemon_socket !== undefined && typeof r.daemon_socket !== 'string')
    throw bad('daemon_socket is not a string')
  let host: HostIdentity | null = null
  if (r.host !== null && r.host !== undefined) {
    const h = r.host as Record<string, unknown>
    if (typeof h !== 'object' || typeof h.pid !== 'number' || typeof h.startTime !== 'string')
      throw bad('malformed host')
    host = { pid: h.pid, startTime: h.startTime }
  }
  return {
    version: 1,
    token: r.token,
    session_id: r.session_id,
    expires_at: r.expires_at,
    daemon_url: r.daemon_url,
    ...(typeof r.daemon_socket === 'string' ? { daemon_socket: r.daemon_socket } : {}),
    host,
    created_at: typeof r.created_at === 'string' ? r.created_at : '',
  }
}

/** True when the record's token has expired (with a small margin for clock skew). */
export function isExpired(
  record: TokenRecord,
  now: number = Date.now(),
  marginMs = 5_000,
): boolean {
  return Date.parse(record.expires_at) <= now + marginMs
}

/**
 * @module client/session-api
 * Asking the daemon for a session token (with the bootstrap credential) and revoking one.
 * Used by `briefd session start|end`, `briefd token` and `briefd doctor`.
 */
import { BriefdError } from '../shared/errors.js'
import { daemonRequest, jsonBody } from './daemon-request.js'
import { ROUTES } from '../shared/contract/routes.js'

export interface IssuedSession {
  token: string
  session_id: string
  expires_at: string
}

export interface RequestSessionOptions {
  url: string
  /** The daemon's Unix socket, tried first (client/daemon-request). */
  socketPath?: string
  bootstrap: string
  ttlSeconds?: number
  timeoutMs: number
  signal?: AbortSignal
}

function rejected(status: number, body: string): BriefdError {
  let code = ''
  try {
    const v = JSON.parse(body) as { error?: unknown }
    if (typeof v.error === 'string') code = ` (${v.error.slice(0, 40)})`
  } catch {
    // not JSON; the status alone will do
  }
  return new BriefdError('ERR_DAEMON_REJECTED', `daemon answered ${status}${code}`, {
    details: { status },
  })
}

export async function requestSession(o: RequestSessionOptions): Promise<IssuedSession> {
  const res = await daemonRequest({
    method: 'POST',
    url: o.url,
    ...(o.socketPath !== undefined ? { socketPath: o.socketPath } : {}),
    path: ROUTES.sessions.path,
    bearer: o.bootstrap,
    body: JSON.stringify(o.ttlSeconds === undefined ? {} : { ttl_seconds: o.ttlSeconds }),
    timeoutMs: o.timeoutMs,
    ...(o.signal ? { signal: o.signal } : {}),
  })
  if (res.status !== 201) {
    if (res.status === 401) {
      throw new BriefdError(
        'ERR_DAEMON_REJECTED',
        'daemon rejected the bootstrap credential (does it belong to the daemon of this state dir?)',
        { details: { status: 401 } },
      )
    }
    throw rejected(res.status, res.body)
  }
  const v = jsonBody(res)
  if (
    typeof v.token !== 'string' ||
    typeof v.session_id !== 'string' ||
    typeof v.expires_at !== 'string'
  ) {
    throw new BriefdError(
      'ERR_DAEMON_RESPONSE_INVALID',
      'daemon answered 201 without token, session_id and expires_at',
    )
  }
  return { token: v.token, session_id: v.session_id, expires_at: v.expires_at }
}

export interface RevokeSessionOptions {
  url: string
  /** The daemon's Unix socket, tried first (client/daemon-request). */
  socketPath?: string
  token: string
  timeoutMs: number
  signal?: AbortSignal
}

/** Revokes a session; true if the daemon revoked it, false if it was already invalid. */
export async function revokeSession(o: RevokeSessionOptions): Promise<boolean> {
  const res = await daemonRequest({
    method: 'DELETE',
    url: o.url,
    ...(o.socketPath !== undefined ? { socketPath: o.socketPath } : {}),
    path: ROUTES.currentSession.path,
    bearer: o.token,
    timeoutMs: o.timeoutMs,
    ...(o.signal ? { signal: o.signal } : {}),
  })
  if (res.status === 204) return true
  if (res.status === 401) return false
  throw rejected(res.status, res.body)
}

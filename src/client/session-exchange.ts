/**
 * @module client/session-exchange
 * `POST /v1/sessions` at a hosted daemon with an OAuth access token or an API key: the daemon
 * verifies it and issues a short-lived briefd session token, which is all the MCP server and
 * the token file ever hold. A 401 means the credential is no good (sign in again); a 403
 * `insufficient_scope` names the scope the daemon wants, for the step-up hint.
 */
import { BriefdError } from '../shared/errors.js'
import type { SessionIssued } from '../shared/contract/bodies.js'
import { ROUTES } from '../shared/contract/routes.js'
import { daemonRequest, jsonBody } from './daemon-request.js'

export interface ExchangeOptions {
  /** The daemon's base URL (https origin, or a loopback http URL). */
  url: string
  credential: string
  timeoutMs: number
  signal?: AbortSignal
}

/** The `scope` parameter of a Bearer challenge, when it has one. */
export function challengeScope(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.join(', ') : header
  const m = value?.match(/scope="([^"]{0,512})"/)
  return m?.[1]
}

export async function exchangeForSession(o: ExchangeOptions): Promise<SessionIssued> {
  const res = await daemonRequest({
    method: 'POST',
    url: o.url,
    path: ROUTES.sessions.path,
    bearer: o.credential,
    body: '{}',
    timeoutMs: o.timeoutMs,
    ...(o.signal ? { signal: o.signal } : {}),
  })
  if (res.status === 401)
    throw new BriefdError(
      'ERR_DAEMON_REJECTED',
      `daemon at ${o.url} refused the credential (401)`,
      {
        details: { status: 401 },
      },
    )
  if (res.status === 403) {
    const scope = challengeScope(res.headers['www-authenticate'])
    throw new BriefdError(
      'ERR_SCOPE_INSUFFICIENT',
      `daemon at ${o.url} wants more scope${scope ? ` (${scope})` : ''}`,
      { details: { status: 403, ...(scope ? { scope } : {}) } },
    )
  }
  if (res.status !== 201)
    throw new BriefdError('ERR_DAEMON_REJECTED', `daemon at ${o.url} answered ${res.status}`, {
      details: { status: res.status },
    })
  const v = jsonBody(res)
  if (
    typeof v.token !== 'string' ||
    typeof v.session_id !== 'string' ||
    typeof v.expires_at !== 'string'
  )
    throw new BriefdError(
      'ERR_DAEMON_RESPONSE_INVALID',
      'daemon answered 201 without token, session_id and expires_at',
    )
  const scopes = Array.isArray(v.scopes)
    ? v.scopes.filter((s): s is string => typeof s === 'string')
    : undefined
  return {
    token: v.token,
    session_id: v.session_id,
    expires_at: v.expires_at,
    ...(scopes ? { scopes } : {}),
  }
}

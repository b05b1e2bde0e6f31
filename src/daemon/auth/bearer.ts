/**
 * @module daemon/auth/bearer
 * Extracts the bearer credential. Only `Authorization: Bearer <token>` is accepted (never a
 * query parameter or a cookie).
 * - No Authorization header, or one with another scheme (`Basic …`): the request carries no
 *   bearer credential at all, and RFC 6750 §3.1 says the answer is a plain `401` challenge
 *   without an error code. OAuth clients start discovery from exactly that challenge.
 * - Two credentials, or a Bearer value that is not a token: `400 invalid_request`, so an
 *   ambiguous request is never half-authenticated.
 * A request that did present a bearer credential is marked on the context: only such a
 * request may spend from the failed-credential bucket (daemon/error-handler).
 */
import type { Context } from 'hono'
import { BriefdError } from '../../shared/errors.js'
import type { DaemonEnv } from '../context.js'
import { requestHeader } from '../headers.js'

const BEARER_RE = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i
const BEARER_SCHEME_RE = /^\s*bearer(?:\s|$)/i

/** The bearer token, or undefined when the request presents no bearer credential. */
export function bearerToken(c: Context<DaemonEnv>): string | undefined {
  const value = requestHeader(c, 'authorization')
  if (value === undefined) return undefined
  // Repeated Authorization headers arrive joined with ", "; a single bearer value has no comma.
  if (value.includes(',')) {
    c.set('presented', true)
    throw new BriefdError('ERR_CREDENTIAL_MALFORMED', 'more than one credential')
  }
  if (!BEARER_SCHEME_RE.test(value)) return undefined
  c.set('presented', true)
  const m = BEARER_RE.exec(value)
  if (!m?.[1]) throw new BriefdError('ERR_CREDENTIAL_MALFORMED', 'the Bearer value is not a token')
  return m[1]
}

/**
 * @module daemon/auth/bearer
 * Extracts the bearer credential. Only `Authorization: Bearer <token>` is accepted (never a
 * query parameter or a cookie); two Authorization headers, another scheme or a malformed
 * value is a 400, so an ambiguous request is never half-authenticated.
 */
import type { Context } from 'hono'
import { BriefdError } from '../../shared/errors.js'
import type { DaemonEnv } from '../context.js'
import { requestHeader } from '../headers.js'

const BEARER_RE = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/

/** The bearer token, or undefined when the request carries no Authorization header. */
export function bearerToken(c: Context<DaemonEnv>): string | undefined {
  const value = requestHeader(c, 'authorization')
  if (value === undefined) return undefined
  // Repeated Authorization headers arrive joined with ", "; a single bearer value has no comma.
  if (value.includes(',')) {
    throw new BriefdError('ERR_CREDENTIAL_MALFORMED', 'more than one credential')
  }
  const m = BEARER_RE.exec(value)
  if (!m?.[1])
    throw new BriefdError('ERR_CREDENTIAL_MALFORMED', 'Authorization is not a Bearer credential')
  return m[1]
}

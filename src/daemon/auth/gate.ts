/**
 * @module daemon/auth/gate
 * The gate in front of everything that needs a credential. It fails closed: no valid,
 * unexpired, unrevoked credential → 401, and the handler never runs. A credential verified
 * before is recognised from memory, synchronously and without crypto; a new one costs a full
 * verification (HMAC, JWT signature or key digest), which is refused outright while failed
 * credentials are being rate limited, so a flood of forged ones can neither burn CPU nor guess
 * its way through. (The error handler charges failed credentials to their own bucket, other
 * denials to the anonymous one.)
 */
import type { Context } from 'hono'
import { BriefdError } from '../../shared/errors.js'
import type { Principal } from '../../shared/principal.js'
import type { DaemonEnv } from '../context.js'
import { CREDENTIAL_BUCKET, type RateLimitConfig, type RateLimiter } from '../rate-limit.js'
import type { Authenticator } from './authenticator.js'
import { bearerToken } from './bearer.js'

export interface AuthGateOptions {
  authenticator: Authenticator
  limiter: RateLimiter
  limits: RateLimitConfig
}

/** Resolves the request's principal (and sets `c.var.principal`), or throws. */
export type AuthGate = (c: Context<DaemonEnv>) => Principal | Promise<Principal>

export function createAuthGate(options: AuthGateOptions): AuthGate {
  const { authenticator, limiter, limits } = options
  const admit = (c: Context<DaemonEnv>, principal: Principal): Principal => {
    const wait = limiter.take(principal.rateKey, limits.session)
    if (wait > 0)
      throw new BriefdError('ERR_RATE_LIMITED', 'request rate exceeded for this credential', {
        details: { retryAfterSeconds: wait },
      })
    c.set('principal', principal)
    return principal
  }
  return function requireCredential(c) {
    const token = bearerToken(c)
    if (token === undefined) {
      throw new BriefdError('ERR_SESSION_MISSING', 'no bearer credential')
    }
    const known = authenticator.lookup(token)
    if (known) return admit(c, known)
    if (!limiter.available(CREDENTIAL_BUCKET + (c.get('peer') ?? ''), limits.anonymous)) {
      throw new BriefdError(
        'ERR_RATE_LIMITED',
        'new credentials are not verified while failures are rate limited',
        { details: { retryAfterSeconds: 1 } },
      )
    }
    const verified = authenticator.verify(token)
    return verified instanceof Promise ? verified.then((p) => admit(c, p)) : admit(c, verified)
  }
}

/**
 * @module daemon/auth/gate
 * The gate in front of every confidential document. It fails closed: no valid, unexpired,
 * unrevoked session token → 401, and the handler never runs. A token verified before is
 * recognised from memory, synchronously and without crypto; a new one costs a jose
 * verification, which is refused outright while failed credentials are being rate limited,
 * so a flood of forged tokens can neither burn CPU nor guess its way through. (The error
 * handler charges failed credentials to their own bucket, other denials to the anonymous one.)
 */
import type { Context } from 'hono'
import { BriefdError } from '../../shared/errors.js'
import type { SessionVerifier, VerifiedSession } from '../../tokens/verifier.js'
import type { DaemonEnv } from '../context.js'
import { CREDENTIAL_BUCKET, type RateLimitConfig, type RateLimiter } from '../rate-limit.js'
import { bearerToken } from './bearer.js'

export interface RequireSessionOptions {
  verifier: SessionVerifier
  limiter: RateLimiter
  limits: RateLimitConfig
}

/** Resolves the request's session (and sets `c.var.session`), or throws. */
export type SessionGate = (c: Context<DaemonEnv>) => VerifiedSession | Promise<VerifiedSession>

export function createSessionGate(options: RequireSessionOptions): SessionGate {
  const { verifier, limiter, limits } = options
  const admit = (c: Context<DaemonEnv>, session: VerifiedSession): VerifiedSession => {
    const wait = limiter.take(session.rateKey, limits.session)
    if (wait > 0)
      throw new BriefdError('ERR_RATE_LIMITED', 'session request rate exceeded', {
        details: { retryAfterSeconds: wait },
      })
    c.set('session', session)
    return session
  }
  return function requireSession(c) {
    const token = bearerToken(c)
    if (token === undefined) throw new BriefdError('ERR_SESSION_MISSING', 'no Authorization header')
    const known = verifier.lookup(token)
    if (known) return admit(c, known)
    if (!limiter.available(CREDENTIAL_BUCKET, limits.anonymous)) {
      throw new BriefdError(
        'ERR_RATE_LIMITED',
        'new tokens are not verified while failures are rate limited',
        { details: { retryAfterSeconds: 1 } },
      )
    }
    return verifier.verify(token).then((session) => admit(c, session))
  }
}

/**
 * @module daemon/error-handler
 * Turns every failure into its JSON error response, audits the denial, and logs the real
 * reason (error code and message, never a token or content) to the daemon's stderr. An
 * unexpected error becomes a bare 500: no stack trace ever reaches the client.
 */
import type { Context } from 'hono'
import { BriefdError } from '../shared/errors.js'
import type { Logger } from '../shared/log.js'
import { auditPrincipal, type AuditLog } from './audit.js'
import type { DaemonEnv } from './context.js'
import { toWireError, wireErrorBody, wireErrorHeaders, type ChallengeParams } from './error-map.js'
import { jsonResponse } from './responses.js'
import { CREDENTIAL_BUCKET, type RateLimitConfig, type RateLimiter } from './rate-limit.js'
import { routeLabel } from './routes/labels.js'

const CREDENTIAL_FAILURES: ReadonlySet<string> = new Set([
  'ERR_SESSION_INVALID',
  'ERR_SESSION_EXPIRED',
  'ERR_SESSION_REVOKED',
  'ERR_BOOTSTRAP_INVALID',
  'ERR_CREDENTIAL_MALFORMED',
  'ERR_ACCESS_TOKEN_INVALID',
  'ERR_APIKEY_INVALID',
  'ERR_APIKEY_REVOKED',
  'ERR_APIKEY_EXPIRED',
])

export interface ErrorHandlerOptions {
  audit: AuditLog
  logger: Logger
  limiter: RateLimiter
  limits: RateLimitConfig
  /** Public mode: the challenge parameters for a request path (the MCP endpoint has its own metadata). */
  challenge?: (path: string) => ChallengeParams
}

export function createErrorHandler(
  o: ErrorHandlerOptions,
): (err: unknown, c: Context<DaemonEnv>) => Response {
  return function handleError(err, c) {
    let error = err
    const principal = c.get('principal')
    const presented = c.get('presented') === true
    const route = routeLabel(c.req.method, c.req.path)
    let wire = toWireError(error)
    // Every denial of a caller without a valid credential spends from a bucket; once it is
    // empty the answer is 429, which also keeps a flood out of the audit log. A failed
    // credential spends from its own bucket, which alone decides whether new credentials are
    // verified (auth/gate). Only a request that presented a bearer credential can spend from
    // it: a web page cannot send an Authorization header cross-origin, so whatever else it
    // sends (a query string, a foreign Host, a Basic header) must never make the daemon
    // refuse a brand-new, valid session.
    if (wire.status >= 400 && wire.status < 500 && wire.status !== 429 && principal === undefined) {
      const bucket =
        presented && error instanceof BriefdError && CREDENTIAL_FAILURES.has(error.code)
          ? CREDENTIAL_BUCKET
          : 'anonymous'
      const wait = o.limiter.take(bucket + (c.get('peer') ?? ''), o.limits.anonymous)
      if (wait > 0) {
        error = new BriefdError('ERR_RATE_LIMITED', 'too many failed or anonymous requests', {
          cause: err,
          details: { retryAfterSeconds: wait },
        })
        wire = toWireError(error)
      }
    }
    if (wire.status === 500) {
      o.logger.error(
        `${route}: ${err instanceof BriefdError ? `${err.code}: ${err.message}` : err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error'}`,
      )
    } else {
      o.logger.debug(
        `${route} → ${wire.status}${error instanceof BriefdError ? ` ${error.code}: ${error.message}` : ''}`,
      )
    }
    const entry = {
      event: 'request.denied' as const,
      status: wire.status,
      route,
      ...(principal?.sessionId !== undefined ? { session_id: principal.sessionId } : {}),
      ...(principal ? { principal: auditPrincipal(principal) } : {}),
      reason: error instanceof BriefdError ? error.code : 'ERR_INTERNAL',
    }
    try {
      if (wire.status === 429) o.audit.recordRateLimited(entry)
      else o.audit.record(entry)
    } catch {
      // The denial stands even if it cannot be audited; the audit log reported its failure.
    }
    return jsonResponse(
      wire.status,
      wireErrorBody(wire),
      wireErrorHeaders(wire, error, o.challenge?.(c.req.path)),
    )
  }
}

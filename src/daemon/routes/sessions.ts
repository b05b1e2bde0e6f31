/**
 * @module daemon/routes/sessions
 * Session lifecycle. `POST /v1/sessions` takes the bootstrap credential and returns a fresh
 * session token; `GET /v1/sessions/current` describes the presented session (no content);
 * `DELETE /v1/sessions/current` revokes it, durably, before answering 204.
 */
import { randomUUID } from 'node:crypto'
import { Hono, type Context } from 'hono'
import { BriefdError } from '../../shared/errors.js'
import { MIN_SESSION_TTL_SECONDS } from '../../tokens/constants.js'
import type { Keyring } from '../../tokens/keyring.js'
import type { SessionLedger } from '../../tokens/ledger.js'
import { issueSessionToken, type SessionGrant } from '../../tokens/session-token.js'
import type { SessionInfo, SessionIssued } from '../../shared/contract/bodies.js'
import { auditPrincipal, type AuditLog } from '../audit.js'
import type { DaemonEnv } from '../context.js'
import { emptyResponse, jsonResponse } from '../responses.js'
import { parseJsonObject, readBodyText } from '../body.js'
import { requireKind } from '../auth/require-kind.js'
import { principalRoute, type RouteKit } from '../handlers.js'
import type { RateLimitConfig, RateLimiter } from '../rate-limit.js'
import type { Logger } from '../../shared/log.js'
import type { Principal } from '../../shared/principal.js'
import { ROUTES } from '../../shared/contract/routes.js'

export interface SessionRoutesOptions {
  keyring: Keyring
  ledger: SessionLedger
  audit: AuditLog
  limiter: RateLimiter
  limits: RateLimitConfig
  sessionTtlSeconds: number
  bodyLimitBytes: number
  kit: RouteKit
  /**
   * Public mode: sessions are obtained by exchanging a verified access token or API key (never
   * by passing it through); the session carries the same subject, tenant and scopes.
   */
  exchange: boolean
  logger: Logger
  now: () => number
}

/** Parses the optional `{ "ttl_seconds": n }` body. */
async function requestedTtl(
  c: Context<DaemonEnv>,
  maxTtl: number,
  limitBytes: number,
): Promise<number> {
  const text = await readBodyText(c, limitBytes)
  if (text.trim() === '') return maxTtl
  const ttl = parseJsonObject(text, 'session request').ttl_seconds
  if (ttl === undefined) return maxTtl
  if (typeof ttl !== 'number' || !Number.isSafeInteger(ttl) || ttl < MIN_SESSION_TTL_SECONDS) {
    throw new BriefdError(
      'ERR_REQUEST_INVALID',
      `ttl_seconds must be an integer ≥ ${MIN_SESSION_TTL_SECONDS}`,
    )
  }
  // Callers may ask for less than the configured lifetime, never more.
  return Math.min(ttl, maxTtl)
}

/** What an exchanged session carries of the credential it was exchanged for. */
function grantOf(p: Principal): SessionGrant {
  if (p.kind !== 'oauth' && p.kind !== 'apikey')
    throw new TypeError('not an exchangeable principal')
  return {
    kind: p.kind,
    subject: p.subject,
    scopes: [...(p.scopes ?? [])].sort(),
    ...(p.tenant !== undefined ? { tenant: p.tenant } : {}),
    ...(p.clientId !== undefined ? { clientId: p.clientId } : {}),
    ...(p.kind === 'apikey' ? { keyId: p.subject } : {}),
  }
}

/** The session a principal is; only a session token describes or revokes "the current session". */
function sessionOf(p: Principal): Principal & { sessionId: string } {
  requireKind(p, 'session')
  if (p.sessionId === undefined) throw new BriefdError('ERR_SESSION_INVALID', 'no session id')
  return { ...p, sessionId: p.sessionId }
}

export function sessionRoutes(o: SessionRoutesOptions): Hono<DaemonEnv> {
  const app = new Hono<DaemonEnv>()

  app.post(
    ROUTES.sessions.path,
    principalRoute(o.kit, async function issueSession(c, p) {
      if (o.exchange) requireKind(p, 'oauth', 'apikey')
      else requireKind(p, 'bootstrap')
      const wait = o.limiter.take(`issue:${p.rateKey}`, o.limits.bootstrap)
      if (wait > 0)
        throw new BriefdError('ERR_RATE_LIMITED', 'session issuance rate exceeded', {
          details: { retryAfterSeconds: wait },
        })
      const ttl = await requestedTtl(c, o.sessionTtlSeconds, o.bodyLimitBytes)
      try {
        o.keyring.refresh()
      } catch (err) {
        o.logger.error(
          `signing keys could not be reloaded; still signing with the loaded key (${err instanceof Error ? err.message : String(err)})`,
        )
      }
      const issuedAt = Math.floor(o.now() / 1000)
      // A session never outlives the API key it came from.
      const expiresAt = p.kind === 'apikey' ? Math.min(issuedAt + ttl, p.expiresAt) : issuedAt + ttl
      if (expiresAt <= issuedAt)
        throw new BriefdError('ERR_APIKEY_EXPIRED', 'the API key expires now')
      const sessionId = randomUUID()
      const grant = o.exchange ? grantOf(p) : undefined
      const token = await issueSessionToken(o.keyring.current(), {
        sessionId,
        issuedAt,
        expiresAt,
        ...(grant ? { grant } : {}),
      })
      o.ledger.recordIssued(sessionId, expiresAt)
      o.audit.record({
        event: 'session.issued',
        status: 201,
        session_id: sessionId,
        route: 'POST /v1/sessions',
        ...(grant ? { principal: auditPrincipal(p) } : {}),
      })
      const body: SessionIssued = {
        token,
        session_id: sessionId,
        expires_at: new Date(expiresAt * 1000).toISOString(),
        ...(grant ? { scopes: grant.scopes } : {}),
      }
      return jsonResponse(201, JSON.stringify(body))
    }),
  )

  app.get(
    ROUTES.currentSession.path,
    principalRoute(o.kit, function describeSession(_c, p) {
      const s = sessionOf(p)
      return jsonResponse(
        200,
        JSON.stringify({
          session_id: s.sessionId,
          expires_at: new Date(s.expiresAt * 1000).toISOString(),
          ...(s.scopes !== undefined
            ? {
                subject: s.subject,
                scopes: [...s.scopes].sort(),
                ...(s.tenant !== undefined ? { tenant: s.tenant } : {}),
              }
            : {}),
        } satisfies SessionInfo),
      )
    }),
  )

  app.delete(
    ROUTES.currentSession.path,
    principalRoute(o.kit, function revokeSession(_c, p) {
      const s = sessionOf(p)
      o.ledger.revoke(s.sessionId, s.expiresAt)
      o.audit.record({
        event: 'session.revoked',
        status: 204,
        session_id: s.sessionId,
        route: 'DELETE /v1/sessions/current',
      })
      return emptyResponse(204)
    }),
  )

  return app
}

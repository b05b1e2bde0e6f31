/**
 * @module daemon/app
 * Builds the daemon's Hono app from its parts. It never listens (see server.ts), so tests
 * can drive it with `app.request()` and the real server with real HTTP.
 *
 * @example
 * const app = createApp(deps)
 * const res = await app.request('/health', { headers: { host: '127.0.0.1:7866' } })
 */
import { Hono } from 'hono'
import { BriefdError } from '../shared/errors.js'
import type { Logger } from '../shared/log.js'
import type { ContentStore } from '../content/store.js'
import type { Keyring } from '../tokens/keyring.js'
import type { SessionLedger } from '../tokens/ledger.js'
import type { AuditLog } from './audit.js'
import type { DaemonEnv } from './context.js'
import { createErrorHandler } from './error-handler.js'
import { createRequestGuard } from './guard.js'
import { createAuthGate } from './auth/gate.js'
import type { Authenticator } from './auth/authenticator.js'
import { DEFAULT_DOCUMENT_POLICY, type DocumentPolicy } from './auth/authorize.js'
import type { RateLimitConfig, RateLimiter } from './rate-limit.js'
import { documentRoutes } from './routes/documents.js'
import { healthRoutes } from './routes/health.js'
import { proofRoutes } from './routes/proof.js'
import { allowedMethods } from './routes/labels.js'
import type { RouteKit } from './handlers.js'
import { sessionRoutes } from './routes/sessions.js'
import { statusRoutes } from './routes/status.js'

export interface AppDeps {
  store: ContentStore
  keyring: Keyring
  ledger: SessionLedger
  /** The credential seam: every kind of bearer credential the daemon accepts. */
  authenticator: Authenticator
  /** The scopes each document needs; every document needs `briefd:read` by default. */
  policy?: DocumentPolicy
  audit: AuditLog
  limiter: RateLimiter
  limits: RateLimitConfig
  /** The bootstrap credential itself, to prove we hold it (routes/proof). */
  bootstrap: string
  logger: Logger
  /** The listening port (known after listen()). */
  port: () => number
  allowedOrigins: readonly string[]
  /** The address the daemon is bound to (accepted in Host besides the loopback names). */
  boundHost?: string
  sessionTtlSeconds: number
  bodyLimitBytes: number
  now: () => number
}

export function createApp(deps: AppDeps): Hono<DaemonEnv> {
  const app = new Hono<DaemonEnv>()
  const kit: RouteKit = {
    guard: createRequestGuard({
      port: deps.port,
      allowedOrigins: deps.allowedOrigins,
      bodyLimitBytes: deps.bodyLimitBytes,
      ...(deps.boundHost ? { boundHost: deps.boundHost } : {}),
    }),
    gate: createAuthGate({
      authenticator: deps.authenticator,
      limiter: deps.limiter,
      limits: deps.limits,
    }),
  }

  app.route('/', healthRoutes(kit, deps.limiter, deps.limits))
  app.route('/', sessionRoutes({ ...deps, kit }))
  app.route(
    '/',
    documentRoutes({
      store: deps.store,
      audit: deps.audit,
      kit,
      policy: deps.policy ?? DEFAULT_DOCUMENT_POLICY,
    }),
  )
  app.route(
    '/',
    proofRoutes({
      keyring: deps.keyring,
      bootstrap: deps.bootstrap,
      limiter: deps.limiter,
      limits: deps.limits,
      bodyLimitBytes: deps.bodyLimitBytes,
      kit,
    }),
  )
  app.route(
    '/',
    statusRoutes({
      kit,
      contentDir: deps.store.dir,
      startedAt: deps.now(),
      liveSessions: () => deps.ledger.liveCount(),
      now: deps.now,
    }),
  )

  // Nothing matched this method and path: still guard it (a rebinding page learns nothing,
  // not even 404 vs 405), then 405 for a known path, 404 for anything else.
  app.notFound(function notFound(c) {
    kit.guard(c)
    const allow = allowedMethods(c.req.path)
    if (allow)
      throw new BriefdError('ERR_METHOD_NOT_ALLOWED', `allowed: ${allow}`, { details: { allow } })
    throw new BriefdError('ERR_NOT_FOUND', 'no such route')
  })
  app.onError(createErrorHandler(deps))
  return app
}

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
import { ROUTES } from '../shared/contract/routes.js'
import type { Logger } from '../shared/log.js'
import type { ContentStore } from '../content/store.js'
import type { Keyring } from '../tokens/keyring.js'
import type { SessionLedger } from '../tokens/ledger.js'
import type { AuditLog } from './audit.js'
import type { DaemonEnv } from './context.js'
import { createErrorHandler } from './error-handler.js'
import type { ChallengeParams } from './error-map.js'
import { resourceMetadataRoutes } from './routes/resource-metadata.js'
import { createRequestGuard } from './guard.js'
import { createAuthGate } from './auth/gate.js'
import type { Authenticator } from './auth/authenticator.js'
import { DEFAULT_DOCUMENT_POLICY, type DocumentPolicy } from './auth/authorize.js'
import type { RateLimitConfig, RateLimiter } from './rate-limit.js'
import { documentRoutes } from './routes/documents.js'
import { healthRoutes } from './routes/health.js'
import { proofRoutes } from './routes/proof.js'
import { allowedMethods } from './routes/labels.js'
import { matchRoute } from '../shared/contract/routes.js'
import { openRoute, type RouteKit } from './handlers.js'
import { sessionRoutes } from './routes/sessions.js'
import { statusRoutes } from './routes/status.js'
import { mcpRoutes } from './routes/mcp.js'
import type { McpEndpoint } from './mcp-endpoint.js'

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
  /** The manifest and SDK for `/mcp` (`briefd serve --tools`); without it `/mcp` is 404. */
  mcp?: McpEndpoint
  /** Public mode: OAuth resource server (metadata, exchange, challenges); absent in local mode. */
  remote?: {
    resource: string
    issuers: readonly string[]
    scopesSupported: () => readonly string[]
    challenge: (path: string) => ChallengeParams
    /** A TLS-terminating proxy in front: client addresses come from X-Forwarded-For. */
    behindTlsProxy: boolean
  }
  /** This app serves the daemon's Unix socket (see daemon/guard for the Host it accepts). */
  localSocket?: boolean
}

export function createApp(deps: AppDeps): Hono<DaemonEnv> {
  const app = new Hono<DaemonEnv>()
  const kit: RouteKit = {
    guard: createRequestGuard({
      port: deps.port,
      allowedOrigins: deps.allowedOrigins,
      bodyLimitBytes: deps.bodyLimitBytes,
      ...(deps.boundHost ? { boundHost: deps.boundHost } : {}),
      ...(deps.remote
        ? {
            resource: deps.remote.resource,
            peerFrom: deps.remote.behindTlsProxy ? ('forwarded' as const) : ('socket' as const),
          }
        : {}),
      ...(deps.localSocket ? { localSocket: true } : {}),
    }),
    gate: createAuthGate({
      authenticator: deps.authenticator,
      limiter: deps.limiter,
      limits: deps.limits,
    }),
  }

  app.route('/', healthRoutes(kit, deps.limiter, deps.limits))
  app.route('/', sessionRoutes({ ...deps, kit, exchange: deps.remote !== undefined }))
  app.route(
    '/',
    documentRoutes({
      store: deps.store,
      audit: deps.audit,
      kit,
      policy: deps.policy ?? DEFAULT_DOCUMENT_POLICY,
      logger: deps.logger,
    }),
  )
  if (deps.mcp)
    app.route(
      '/',
      mcpRoutes({
        endpoint: deps.mcp,
        store: deps.store,
        audit: deps.audit,
        kit,
        policy: deps.policy ?? DEFAULT_DOCUMENT_POLICY,
        bodyLimitBytes: deps.bodyLimitBytes,
        logger: deps.logger,
      }),
    )
  // Without --tools, /mcp is a route that does not exist (404), guarded like one.
  else
    app.post(
      ROUTES.mcp.path,
      openRoute(kit, function mcpDisabled() {
        throw new BriefdError('ERR_NOT_FOUND', 'no /mcp: the daemon was started without --tools')
      }),
    )
  const mode = deps.remote ? 'public' : 'local'
  // The proof of identity and the status report are loopback defences and local tools: a
  // public daemon's identity is its TLS certificate, and it has no bootstrap credential.
  if (mode === 'local') {
    app.route(
      '/',
      proofRoutes({
        keyring: deps.keyring,
        bootstrap: deps.bootstrap,
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
  }
  if (deps.remote && deps.remote.issuers.length > 0) {
    app.route(
      '/',
      resourceMetadataRoutes({
        kit,
        resource: deps.remote.resource,
        issuers: deps.remote.issuers,
        scopesSupported: deps.remote.scopesSupported,
      }),
    )
  }

  // Nothing matched this method and path: still guard it (a rebinding page learns nothing,
  // not even 404 vs 405), then 405 for a known path, 404 for anything else.
  app.notFound(function notFound(c) {
    kit.guard(c)
    const spec = matchRoute(c.req.path)
    const served =
      spec !== undefined && (spec.mode ?? mode) === mode && (spec !== ROUTES.mcp || deps.mcp)
    const allow = served ? allowedMethods(c.req.path) : undefined
    if (allow)
      throw new BriefdError('ERR_METHOD_NOT_ALLOWED', `allowed: ${allow}`, { details: { allow } })
    throw new BriefdError('ERR_NOT_FOUND', 'no such route')
  })
  app.onError(
    createErrorHandler({
      ...deps,
      ...(deps.remote ? { challenge: deps.remote.challenge } : {}),
    }),
  )
  return app
}

/**
 * @module daemon/server
 * Assembles the daemon from its config and starts listening. The only file that opens a
 * socket. It binds the configured loopback address explicitly (node's default is every
 * interface) and, as the local transport, a Unix socket in the 0700 state dir that other
 * users cannot reach. Both bound slow clients, header sizes and connection slots, and
 * `daemon.json` (0600) tells local clients the port and the socket.
 */
import { getRequestListener } from '@hono/node-server'
import { createServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { join } from 'node:path'
import { loadAccessPolicy, type AccessPolicy } from '../access/policy.js'
import { checkContent, describeFinding, type ManifestInputs } from '../content/check.js'
import { ContentStore } from '../content/store.js'
import { BriefdError, errnoCode } from '../shared/errors.js'
import type { Logger } from '../shared/log.js'
import { STATE_FILES } from '../shared/paths.js'
import { ensurePrivateDir, removeFileIfExists, writeSecretFileAtomic } from '../shared/secure-fs.js'
import { readDaemonInfo, type DaemonInfo } from '../shared/state-files.js'
import { loadOrCreateBootstrapCredential } from '../tokens/bootstrap.js'
import { Authenticator } from './auth/authenticator.js'
import { bootstrapVerifier } from './auth/bootstrap-verifier.js'
import { DEFAULT_READ_SCOPE } from './auth/authorize.js'
import { preparePublicMode } from './public-mode.js'
import { Keyring } from '../tokens/keyring.js'
import { SessionLedger } from '../tokens/ledger.js'
import { SessionVerifier } from '../tokens/verifier.js'
import { acquireInstanceLock } from '../control/instance-lock.js'
import { createApp } from './app.js'
import { loadMcpEndpoint, type McpEndpoint } from './mcp-endpoint.js'
import { startStateGuard } from './state-guard.js'
import { AuditLog } from './audit.js'
import { createClientErrorListener } from './parser-refusals.js'
import type { DaemonConfig } from './config.js'
import { toWireError, wireErrorBody } from './error-map.js'
import { jsonResponse } from './responses.js'
import { RateLimiter } from './rate-limit.js'
import { limitConnectionSlots } from './connection-slots.js'
import { clearSocketPath, listenOnSocket, removeOwnSocket, socketPathFor } from './local-socket.js'
import type { Hono } from 'hono'
import type { DaemonEnv } from './context.js'

/** Open connections per listener; past it, the oldest idle or unfinished one is dropped. */
const MAX_CONNECTIONS = 1024

export interface DaemonHandle {
  url: string
  host: string
  port: number
  /** The Unix socket the daemon also listens on, when it could (see daemon/local-socket). */
  socketPath?: string
  config: DaemonConfig
  /** The method and path of every route the app registered (checked against the contract). */
  routes(): { method: string; path: string }[]
  /** The content dir's access.json (scopes, roles, tenants), checked before anything opened. */
  access: AccessPolicy
  /** Live sessions (issued, not revoked, not expired). */
  liveSessions(): number
  /** Runs the state-dir check now (it also runs every 2 s); true if something was restored. */
  checkStateDir(): boolean
  /** Graceful stop: stop accepting, let in-flight requests finish, release files. */
  close(): Promise<void>
}

export interface StartDaemonOptions {
  logger: Logger
  now?: () => number
  /**
   * The tools manifest's inputs, to warn (at start and at every reload) about template
   * placeholders no tool fills. Loaded by the caller. (With `config.toolsFile` the daemon also
   * loads that manifest itself, for `/mcp`.)
   */
  manifest?: ManifestInputs
}

export function urlFor(host: string, port: number, tls = false): string {
  return `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: unknown): void => {
      const code = errnoCode(err)
      if (code === 'EADDRINUSE')
        reject(
          new BriefdError(
            'ERR_PORT_IN_USE',
            `port ${port} on ${host} is already in use (choose another with --port or BRIEFD_PORT)`,
            { cause: err },
          ),
        )
      else
        reject(
          new BriefdError(
            'ERR_LISTEN_FAILED',
            `cannot listen on ${host}:${port} (${code ?? String(err)})`,
            { cause: err },
          ),
        )
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

/**
 * One HTTP server for `app` (TCP or the Unix socket): slow or oversized clients are cut off,
 * and requests node-server cannot even turn into a Request are refused in the same JSON shape.
 */
function createHttpServer(
  app: Hono<DaemonEnv>,
  limiter: RateLimiter,
  config: DaemonConfig,
  audit: AuditLog,
  tls?: { cert: Buffer; key: Buffer },
): Server {
  // Requests node-server cannot even turn into a Request (a Host that does not survive URL
  // normalisation, a backslash path) never reach Hono: answer them here, in the same JSON
  // shape and with the same headers as every other refusal.
  const invalid = new BriefdError('ERR_REQUEST_INVALID', 'unparseable request')
  const refuseUnparseable = (status: number): void => {
    const wait = limiter.take('anonymous', config.rateLimits.anonymous)
    try {
      if (wait > 0)
        audit.recordRateLimited({
          event: 'request.denied',
          status: 429,
          route: 'OTHER (unparseable)',
          reason: 'ERR_RATE_LIMITED',
        })
      else
        audit.record({
          event: 'request.denied',
          status,
          route: 'OTHER (unparseable)',
          reason: 'ERR_REQUEST_INVALID',
        })
    } catch {
      // The refusal stands even if it cannot be audited.
    }
  }
  const listener = getRequestListener(app.fetch, {
    errorHandler: () => {
      refuseUnparseable(400)
      const wire = toWireError(invalid)
      return jsonResponse(wire.status, wireErrorBody(wire))
    },
  })
  const options = {
    // Slow or oversized clients are cut off instead of holding a connection (slowloris).
    maxHeaderSize: 8 * 1024,
    headersTimeout: 5_000,
    requestTimeout: 10_000,
    keepAliveTimeout: 5_000,
    // How often the two timeouts above are enforced (Node's default is every 30 s).
    connectionsCheckingInterval: 1_000,
    // A request without Host reaches the guard, which refuses it like any foreign Host
    // (JSON 403, audited) instead of Node's bare 400.
    requireHostHeader: false,
  }
  const server: Server = tls
    ? createHttpsServer({ ...options, cert: tls.cert, key: tls.key }, listener)
    : createServer(options, listener)
  server.on('clientError', createClientErrorListener(refuseUnparseable))
  return server
}

/** Starts the daemon; rejects with a BriefdError naming the path or port on any start-up problem. */
export async function startDaemon(
  config: DaemonConfig,
  options: StartDaemonOptions,
): Promise<DaemonHandle> {
  const { logger } = options
  const now = options.now ?? (() => Date.now())
  ensurePrivateDir(config.stateDir, { label: 'state dir' })
  // A bad access.json stops the start: serving under a looser policy than written is worse.
  const access = loadAccessPolicy(config.contentDir)
  // Public mode: discover the authorization servers and read the TLS files first, so a bad
  // --issuer or --tls-key is one line and nothing was opened.
  const remote = config.public
    ? await preparePublicMode(config.public, {
        stateDir: config.stateDir,
        logger,
        now,
        readScope: DEFAULT_READ_SCOPE,
        rolesToScopes: (claims) => access.scopesFromRoles(claims),
        tenantOf: (claims) => access.tenantOf(claims),
      })
    : undefined
  // Fail before touching anything else if this state dir already has a daemon.
  const lock = acquireInstanceLock(config.stateDir)
  // Anything opened so far is released if a later step fails.
  const opened: { close(): void }[] = [{ close: () => lock.release() }]
  const open = <T extends { close(): void }>(make: () => T): T => {
    try {
      const thing = make()
      opened.unshift(thing)
      return thing
    } catch (err) {
      for (const o of opened) o.close()
      throw err
    }
  }
  const { manifest } = options
  const store = open(
    () =>
      new ContentStore({
        dir: config.contentDir,
        logger,
        now,
        instructionsLimit: config.instructionsLimit,
        ...(manifest ? { manifest } : {}),
      }),
  )
  const ledger = open(
    () =>
      new SessionLedger({
        stateDir: config.stateDir,
        maxSessions: config.maxSessions,
        logger,
        now,
      }),
  )
  // Open connections, so the audit log knows when a delivery line has company to batch with.
  let connections = 0
  const audit = open(
    () =>
      new AuditLog({ stateDir: config.stateDir, logger, now, concurrent: () => connections > 1 }),
  )
  let keyring: Keyring
  let bootstrap: string
  try {
    keyring = new Keyring(config.stateDir)
    bootstrap = loadOrCreateBootstrapCredential(config.stateDir)
  } catch (err) {
    for (const o of opened) o.close()
    throw err
  }
  const verifier = new SessionVerifier({
    keyring,
    ledger,
    now,
    ...(remote ? { revocations: remote.revocations } : {}),
  })
  if (remote) opened.unshift({ close: () => void remote.close() })
  const limiter = new RateLimiter(now)

  for (const f of checkContent(config.contentDir, config.instructionsLimit, manifest).findings) {
    logger.warn(`content: ${describeFinding(f)}`)
  }

  // `/mcp` (with --tools): the manifest and the MCP SDK, loaded once; a bad manifest stops the start.
  let mcp: McpEndpoint | undefined
  try {
    if (config.toolsFile) mcp = await loadMcpEndpoint(config.toolsFile)
  } catch (err) {
    for (const o of opened) o.close()
    throw err
  }

  let port = config.port
  const appDeps = {
    ...(mcp ? { mcp } : {}),
    policy: access,
    store,
    keyring,
    ledger,
    audit,
    // Local: session tokens and the bootstrap credential. Public: session tokens, API keys
    // and access tokens; the bootstrap credential is never accepted there.
    authenticator: new Authenticator(
      remote ? [verifier, ...remote.verifiers] : [verifier, bootstrapVerifier(bootstrap)],
    ),
    ...(remote
      ? {
          remote: {
            resource: remote.config.resource,
            issuers: remote.config.issuers,
            scopesSupported: () => access.scopesSupported(),
            challenge: (path: string) => remote.challenge(path),
            behindTlsProxy: remote.config.behindTlsProxy,
          },
        }
      : {}),
    bootstrap,
    logger,
    now,
    limits: config.rateLimits,
    port: () => port,
    allowedOrigins: config.allowedOrigins,
    boundHost: config.host,
    sessionTtlSeconds: config.sessionTtlSeconds,
    bodyLimitBytes: config.bodyLimitBytes,
  }
  const app = createApp({ ...appDeps, limiter })
  // The Unix socket gets the same routes with rate-limit buckets of its own: only our uid
  // can reach it, and nothing sent over TCP (where any local user can) may spend them.
  const socketLimiter = new RateLimiter(now)
  const socketApp = createApp({ ...appDeps, limiter: socketLimiter, localSocket: true })
  const serve = (served: typeof app, servedLimiter: RateLimiter): Server => {
    const s = createHttpServer(served, servedLimiter, config, audit, remote?.tls)
    limitConnectionSlots(s, MAX_CONNECTIONS)
    s.on('connection', (socket: Socket) => {
      connections++
      socket.once('close', () => connections--)
    })
    return s
  }
  const server = serve(app, limiter)
  const release = (): void => {
    for (const o of opened) o.close()
  }
  try {
    port = await listen(server, config.port, config.host)
  } catch (err) {
    release()
    throw err
  }
  const url = urlFor(config.host, port, remote?.tls !== undefined)
  // The Unix socket is for this user's own clients on this machine: a public daemon has none.
  const socketPath = socketPathFor(config.stateDir)
  let socketServer: Server | undefined
  let socketIno: number | undefined
  if (!remote && clearSocketPath(socketPath, logger)) {
    socketServer = serve(socketApp, socketLimiter)
    socketIno = await listenOnSocket(socketServer, socketPath, logger)
    if (socketIno === undefined) socketServer = undefined
  }
  const infoPath = join(config.stateDir, STATE_FILES.daemon)
  const info: DaemonInfo = {
    pid: process.pid,
    url,
    host: config.host,
    port,
    started_at: new Date(now()).toISOString(),
    content_dir: config.contentDir,
    ...(socketIno !== undefined ? { socket: socketPath } : {}),
  }
  writeSecretFileAtomic(infoPath, `${JSON.stringify(info, null, 2)}\n`)
  audit.record({ event: 'daemon.started' })
  const pruneTimer = setInterval(() => ledger.prune(), 60_000)
  pruneTimer.unref()
  const guard = startStateGuard({
    stateDir: config.stateDir,
    keyring,
    bootstrap,
    ledger,
    audit,
    info,
    logger,
    restoreLock: () => lock.restore(),
  })

  let closing: Promise<void> | undefined
  return {
    url,
    host: config.host,
    port,
    ...(socketIno !== undefined ? { socketPath } : {}),
    config,
    routes: () => app.routes.map((r) => ({ method: r.method, path: r.path })),
    access,
    liveSessions: () => ledger.liveCount(),
    checkStateDir: () => guard.check(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(pruneTimer)
        guard.stop()
        let open = socketServer ? 2 : 1
        const closed = (): void => {
          if (--open === 0) resolve()
        }
        server.close(closed)
        server.closeIdleConnections()
        if (socketServer) {
          socketServer.close(closed)
          socketServer.closeIdleConnections()
          if (socketIno !== undefined) removeOwnSocket(socketPath, socketIno)
        }
      }).then(() => {
        try {
          audit.record({ event: 'daemon.stopped' })
        } catch {
          // Stopping anyway; the audit log already reported why it cannot be written.
        }
        try {
          if (readDaemonInfo(config.stateDir)?.pid === process.pid) removeFileIfExists(infoPath)
        } catch {
          // An unreadable daemon.json is not ours to remove.
        }
        release()
      })
      return closing
    },
  }
}

/**
 * The real daemon, in process, on an ephemeral loopback port with its own state dir.
 */
import { afterAll, afterEach, beforeAll } from 'vitest'
import { makeContent, type TestContent } from './content.js'
import { resolveDaemonConfig, type DaemonFlags } from '../../src/daemon/config.js'
import { startDaemon, type DaemonHandle } from '../../src/daemon/server.js'
import { createLogger, type Logger } from '../../src/shared/log.js'
import { readBootstrapCredential } from '../../src/shared/state-files.js'
import { requestSession, type IssuedSession } from '../../src/client/session-api.js'
import { tempDir } from './tmp.js'

export interface TestDaemon {
  handle: DaemonHandle
  url: string
  port: number
  stateDir: string
  contentDir: string
  /** Everything the daemon logged. */
  logs: string[]
  bootstrap(): string
  newSession(ttlSeconds?: number): Promise<IssuedSession>
  close(): Promise<void>
}

export interface TestDaemonOptions {
  contentDir: string
  stateDir?: string
  port?: number
  flags?: DaemonFlags
  env?: Record<string, string>
  now?: () => number
}

export async function startTestDaemon(o: TestDaemonOptions): Promise<TestDaemon> {
  const stateDir = o.stateDir ?? `${tempDir('briefd-state-')}/state`
  const config = resolveDaemonConfig(
    { port: String(o.port ?? 0), content: o.contentDir, stateDir, ...o.flags },
    { BRIEFD_LOG_LEVEL: 'debug', ...o.env },
  )
  const logs: string[] = []
  const logger: Logger = createLogger({
    name: 'briefd',
    level: 'debug',
    write: (l) => void logs.push(l),
  })
  const handle = await startDaemon(config, { logger, ...(o.now ? { now: o.now } : {}) })
  return {
    handle,
    url: handle.url,
    port: handle.port,
    stateDir,
    contentDir: o.contentDir,
    logs,
    bootstrap: () => readBootstrapCredential(stateDir),
    newSession: (ttlSeconds?: number) =>
      requestSession({
        url: handle.url,
        bootstrap: readBootstrapCredential(stateDir),
        timeoutMs: 5000,
        ...(ttlSeconds ? { ttlSeconds } : {}),
      }),
    close: () => handle.close(),
  }
}

/**
 * Daemons started through the returned function are closed after each test.
 * Call once at the top of a test file.
 */
export function daemonsClosedAfterEach(): (o: TestDaemonOptions) => Promise<TestDaemon> {
  const open: TestDaemon[] = []
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close()
  })
  return async (o) => {
    const d = await startTestDaemon(o)
    open.push(d)
    return d
  }
}

/**
 * One daemon on fresh test content for the whole test file, started before its first test and
 * closed after its last. Call once at the top of a test file; read the fields inside tests.
 */
export function daemonForThisFile(): {
  readonly content: TestContent
  readonly daemon: TestDaemon
} {
  const shared = {} as { content: TestContent; daemon: TestDaemon }
  beforeAll(async () => {
    shared.content = makeContent()
    shared.daemon = await startTestDaemon({ contentDir: shared.content.dir })
  })
  afterAll(async () => {
    await shared.daemon.close()
  })
  return shared
}

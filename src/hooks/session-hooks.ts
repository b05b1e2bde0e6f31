/**
 * @module hooks/session-hooks
 * What `briefd session start|end` do (the SessionStart / SessionEnd hooks). Start: get a
 * session token from the daemon with the bootstrap credential, write it atomically to the
 * host's token file, then revoke the token it replaced and sweep orphaned files. End: delete
 * the host's token file and revoke its token. Every step shares one deadline; nothing here
 * writes to stdout (SessionStart stdout becomes model context).
 *
 * Which files we may replace or delete: a host token file is `host-<pid>-<start>.json` in
 * the runtime dir, a 0700 dir we created and checked, under a name only briefd uses, so
 * whatever is there is ours, and a corrupt one is cleaned up. An explicit token file
 * (BRIEFD_TOKEN_FILE, --token-file) is any path the environment names, by mistake or by
 * someone who sets the variable (`BRIEFD_TOKEN_FILE=~/.ssh/id_ed25519`): it is replaced or
 * deleted only when it is absent or parses as a briefd token file; anything else there is
 * left untouched and reported.
 */
import { basename, resolve } from 'node:path'
import { BriefdError, errnoCode, isBriefdError } from '../shared/errors.js'
import type { Logger } from '../shared/log.js'
import { defaultStateDir, type Env } from '../shared/paths.js'
import { removeFileIfExists } from '../shared/secure-fs.js'
import { readBootstrapCredential, type DaemonInfo } from '../shared/state-files.js'
import { locateDaemon } from '../client/daemon-locate.js'
import type { Deadline } from './deadline.js'
import { explicitTokenFile, hostTokenPath } from '../host/discovery.js'
import { findHostProcess, isHostAlive } from '../host/host-process.js'
import { defaultProcessReader, type ProcessReader } from '../host/process-table.js'
import { checkRuntimeDir, ensureRuntimeDir, resolveRuntimeDir } from '../host/runtime-dir.js'
import { requestSession, revokeSession } from '../client/session-api.js'
import {
  isExpired,
  readTokenFile,
  sessionTokenRecord,
  writeTokenFile,
  type HostIdentity,
  type TokenRecord,
} from '../host/token-file.js'
import { sweepTokenFiles, type SweepResult } from './token-sweep.js'
import { daemonBase, mintRemoteSession } from '../signin/session.js'
import type { IssuedSession } from '../client/session-api.js'

export interface HostSessionOptions {
  deadline: Deadline
  logger: Logger
  env?: Env
  /** State dir of the daemon; default `BRIEFD_STATE_DIR` or the XDG default. */
  stateDir?: string
  /** Token file to use instead of discovery (like `BRIEFD_TOKEN_FILE`, which it overrides). */
  tokenFile?: string
  /** The host, when the caller already knows it (tests); default: discovered. */
  host?: HostIdentity
  reader?: ProcessReader
  now?: () => number
  /**
   * Starts the daemon when none is running (`session start --content`); without it, no
   * daemon means ERR_DAEMON_NOT_RUNNING. Must respect the deadline.
   */
  startDaemon?: (stateDir: string, deadline: Deadline) => Promise<DaemonInfo>
  /** A hosted daemon (`--remote`, BRIEFD_REMOTE): sign-in and exchange instead of the local daemon. */
  remote?: URL
}

/**
 * SessionEnd reasons after which the same host process carries on (and a SessionStart
 * follows at once, which replaces the token). Revoking here would cut off the host's
 * still-running MCP server, so the token is kept.
 */
export const HOST_CONTINUES_REASONS: ReadonlySet<string> = new Set(['clear', 'resume'])

interface Target {
  path: string
  source: 'env' | 'host'
  /** The setting that named an explicit token file (for messages). */
  setting?: '--token-file' | 'BRIEFD_TOKEN_FILE'
  host: HostIdentity | null
  /** The runtime dir (host mode only). */
  dir?: string
}

/** The token file to use; in host mode the runtime dir is created (start) or only located (end). */
function resolveTarget(o: HostSessionOptions, reader: ProcessReader, create: boolean): Target {
  const env = o.env ?? process.env
  const explicit = o.tokenFile !== undefined ? resolve(o.tokenFile) : explicitTokenFile(env)
  if (explicit !== undefined)
    return {
      path: explicit,
      source: 'env',
      setting: o.tokenFile !== undefined ? '--token-file' : 'BRIEFD_TOKEN_FILE',
      host: o.host ?? null,
    }
  const host = o.host ?? findHostProcess({ reader })
  if (!host) {
    throw new BriefdError(
      'ERR_HOST_UNKNOWN',
      'cannot tell which host process this session belongs to (no host above the launchers); set BRIEFD_TOKEN_FILE',
    )
  }
  const path = hostTokenPath(resolveRuntimeDir(env), host) // a malformed host throws before anything is created
  const dir = create ? ensureRuntimeDir(env) : resolveRuntimeDir(env)
  return { path, source: 'host', host, dir }
}

export interface StartResult {
  path: string
  source: 'env' | 'host'
  sessionId: string
  expiresAt: string
  /** The token this one replaced was revoked (SessionStart after /clear, compact, resume). */
  previousRevoked: boolean
  swept: SweepResult | undefined
}

/** `session start`: a fresh token in the host's token file. Throws BriefdError on failure. */
export async function startHostSession(o: HostSessionOptions): Promise<StartResult> {
  const { deadline, logger } = o
  const now = o.now ?? Date.now
  const reader = o.reader ?? defaultProcessReader()
  const target = resolveTarget(o, reader, true)
  // Checked before anything else happens: a file we may not replace gets no daemon started
  // and no token issued for it.
  const previous = target.source === 'host' ? readQuietly(target.path) : readReplaceable(target)
  const { session, daemon } = o.remote ? await remoteSession(o.remote, o) : await localSession(o)
  const viaSocket = daemon.socket !== undefined ? { socketPath: daemon.socket } : {}
  const record = sessionTokenRecord(
    session,
    daemon.url,
    target.host,
    new Date(now()),
    daemon.socket,
  )
  try {
    // rename(2) swaps the file in one step: the host's running MCP server reads either the
    // old token or the new one, never a missing or partial file.
    writeTokenFile(target.path, record)
  } catch (err) {
    // Nobody will ever use this token: take it back rather than leave it live until expiry.
    void revokeSession({
      url: daemon.url,
      ...viaSocket,
      token: session.token,
      timeoutMs: deadline.remainingMs(),
      signal: deadline.signal,
    }).catch(() => false)
    throw new BriefdError(
      'ERR_FILE_WRITE_FAILED',
      `token file ${target.path} cannot be written (${errnoCode(err) ?? String(err)})`,
      { cause: err },
    )
  }

  // Best effort from here on: the new token is in place, so a timeout is not a failure.
  const revoke = (r: TokenRecord): Promise<boolean> =>
    revokeSession({
      url: daemon.url,
      ...viaSocket,
      token: r.token,
      timeoutMs: deadline.remainingMs(),
      signal: deadline.signal,
    })
  const replaced =
    previous !== undefined && previous.token !== record.token && !isExpired(previous, now())
  const [previousRevoked, swept] = await Promise.all([
    replaced
      ? revoke(previous).catch((err: unknown) => logNotRevoked(logger, err))
      : Promise.resolve(false),
    target.dir === undefined
      ? Promise.resolve(undefined)
      : sweepTokenFiles({
          dir: target.dir,
          keep: basename(target.path),
          isAlive: (h) => isHostAlive(h, reader),
          revoke,
          now: now(),
          logger,
        }),
  ])
  logger.debug(
    `session ${record.session_id} written to ${target.path} (expires ${record.expires_at})`,
  )
  return {
    path: target.path,
    source: target.source,
    sessionId: record.session_id,
    expiresAt: record.expires_at,
    previousRevoked,
    swept,
  }
}

export interface EndOptions extends HostSessionOptions {
  /** SessionEnd `reason` from the hook input, when there is one. */
  reason?: string
}

export interface EndResult {
  path: string | undefined
  /** kept: the host carries on (see HOST_CONTINUES_REASONS); none: no token file; removed: deleted. */
  action: 'kept' | 'none' | 'removed'
  revoked: boolean
}

/** `session end`: delete the host's token file and revoke its token. Throws BriefdError on failure. */
export async function endHostSession(o: EndOptions): Promise<EndResult> {
  const { deadline } = o
  const now = o.now ?? Date.now
  if (o.reason !== undefined && HOST_CONTINUES_REASONS.has(o.reason)) {
    o.logger.debug(
      `SessionEnd reason ${o.reason}: the host carries on, its token is kept for the SessionStart that follows`,
    )
    return { path: undefined, action: 'kept', revoked: false }
  }
  const target = resolveTarget(o, o.reader ?? defaultProcessReader(), false)
  // No runtime dir yet: no start ever ran for this user, so there is nothing to end.
  if (target.dir !== undefined && !checkRuntimeDir(target.dir))
    return { path: target.path, action: 'none', revoked: false }
  let record: TokenRecord
  try {
    record = readTokenFile(target.path)
  } catch (err) {
    if (isBriefdError(err, 'ERR_FILE_NOT_FOUND'))
      return { path: target.path, action: 'none', revoked: false }
    // A corrupt file holds no usable token; an unsafe one (symlink, foreign) is not ours to
    // touch, and neither is an explicit path that does not hold a briefd token (module doc).
    if (isBriefdError(err, 'ERR_FILE_INVALID')) {
      if (target.source === 'env') throw notOurs(target, err, 'not deleted')
      removeFileIfExists(target.path)
      return { path: target.path, action: 'removed', revoked: false }
    }
    throw err
  }
  // Delete first: even if the daemon never answers, the file is gone when the host exits.
  removeFileIfExists(target.path)
  if (isExpired(record, now())) return { path: target.path, action: 'removed', revoked: false }
  try {
    // The URL comes from our own state dir (or the configured remote), not from the token
    // file: the daemon may have moved, and whoever now holds the old port must not receive it.
    const daemon: { url: string; socket?: string } = o.remote
      ? { url: daemonBase(o.remote) }
      : locateDaemon(o.stateDir ?? defaultStateDir(o.env ?? process.env))
    deadline.check('revoking the session token')
    const revoked = await revokeSession({
      url: daemon.url,
      ...(daemon.socket !== undefined ? { socketPath: daemon.socket } : {}),
      token: record.token,
      timeoutMs: deadline.remainingMs(),
      signal: deadline.signal,
    }).catch((err: unknown) => {
      throw explainTimeout(err, daemon.url, deadline)
    })
    return { path: target.path, action: 'removed', revoked }
  } catch (err) {
    if (err instanceof BriefdError) {
      throw new BriefdError(
        err.code,
        `token file removed, but the token was not revoked (it expires ${record.expires_at}): ${err.message}`,
        { cause: err },
      )
    }
    throw err
  }
}

interface Issued {
  session: IssuedSession
  daemon: { url: string; socket?: string }
}

/** Local mode: the daemon of the state dir (started if allowed), with the bootstrap credential. */
async function localSession(o: HostSessionOptions): Promise<Issued> {
  const { deadline } = o
  const stateDir = o.stateDir ?? defaultStateDir(o.env ?? process.env)
  const daemon = await locateOrStartDaemon(stateDir, o)
  const bootstrap = readBootstrapCredential(stateDir)
  deadline.check('asking the daemon for a session token')
  const session = await requestSession({
    url: daemon.url,
    ...(daemon.socket !== undefined ? { socketPath: daemon.socket } : {}),
    bootstrap,
    timeoutMs: deadline.remainingMs(),
    signal: deadline.signal,
  }).catch((err: unknown) => {
    throw explainTimeout(err, daemon.url, deadline)
  })
  return { session, daemon }
}

/**
 * Remote mode: an access token from the stored sign-in (refreshed as needed) or the API key,
 * exchanged at the hosted daemon for a short-lived session token. Only that session token is
 * ever written to the token file; the access and refresh tokens stay in the credential store.
 */
async function remoteSession(remote: URL, o: HostSessionOptions): Promise<Issued> {
  o.deadline.check('signing in to the hosted daemon')
  const session = await mintRemoteSession(remote, {
    ...(o.env ? { env: o.env } : {}),
    timeoutMs: o.deadline.remainingMs(),
    signal: o.deadline.signal,
  }).catch((err: unknown) => {
    if (isBriefdError(err, 'ERR_DAEMON_TIMEOUT', 'ERR_DEADLINE_EXCEEDED'))
      throw new BriefdError(
        'ERR_DAEMON_TIMEOUT',
        `${remote.origin} or its authorization server did not answer within ${o.deadline.budgetMs} ms (check: briefd doctor --remote ${remote.origin})`,
        { cause: err },
      )
    if (isBriefdError(err, 'ERR_AUTH_SERVER_UNAVAILABLE', 'ERR_DAEMON_UNREACHABLE'))
      throw new BriefdError(
        err.code,
        `${err.message} (generic content for now; check: briefd doctor --remote ${remote.origin})`,
        { cause: err },
      )
    throw err
  })
  return { session, daemon: { url: daemonBase(remote) } }
}

async function locateOrStartDaemon(stateDir: string, o: HostSessionOptions): Promise<DaemonInfo> {
  try {
    return locateDaemon(stateDir)
  } catch (err) {
    if (!o.startDaemon || !isBriefdError(err, 'ERR_DAEMON_NOT_RUNNING')) throw err
  }
  o.deadline.check('starting the daemon')
  return o.startDaemon(stateDir, o.deadline)
}

/** A timeout or a cancel on our own deadline says the same thing to the user: the daemon is stuck. */
function explainTimeout(err: unknown, url: string, deadline: Deadline): unknown {
  if (!isBriefdError(err, 'ERR_DAEMON_TIMEOUT')) return err
  return new BriefdError(
    'ERR_DAEMON_TIMEOUT',
    `daemon at ${url} did not answer within ${deadline.budgetMs} ms (is it hung? restart it with: briefd restart)`,
    { cause: err },
  )
}

/**
 * The token an explicit token file holds, or undefined when there is no file yet. Throws when
 * something else is there (not a briefd token file, a symlink, a file others can read): start
 * must not replace it.
 */
function readReplaceable(target: Target): TokenRecord | undefined {
  try {
    return readTokenFile(target.path)
  } catch (err) {
    if (isBriefdError(err, 'ERR_FILE_NOT_FOUND')) return undefined
    if (err instanceof BriefdError) throw notOurs(target, err, 'not replaced')
    throw err
  }
}

/** The one-line refusal for an explicit path that is not a briefd token file; never quotes its content. */
function notOurs(
  target: Target,
  err: BriefdError,
  what: 'not deleted' | 'not replaced',
): BriefdError {
  return new BriefdError(
    err.code,
    `${err.message}; ${what}: ${target.setting ?? 'BRIEFD_TOKEN_FILE'} must name a briefd token file or a path where no file exists`,
    { cause: err },
  )
}

function readQuietly(path: string): TokenRecord | undefined {
  try {
    return readTokenFile(path)
  } catch {
    return undefined // no previous token (or none we could use): nothing to revoke
  }
}

function logNotRevoked(logger: Logger, err: unknown): false {
  logger.debug(
    `the replaced token was not revoked (it expires on its own): ${err instanceof Error ? err.message : String(err)}`,
  )
  return false
}

/**
 * @module cli/commands/session
 * `briefd session start|end`, built to be Claude Code's SessionStart and SessionEnd hooks:
 * nothing on stdout (SessionStart stdout becomes model context), a hard time budget counted
 * from process start, and on any failure exit 0 with one warning line on stderr, so a hook
 * never blocks or breaks the user's session. The MCP server falls back to generic content.
 */
import { resolve } from 'node:path'
import { createDeadline, type Deadline } from '../../hooks/deadline.js'
import {
  endHostSession,
  startHostSession,
  type HostSessionOptions,
} from '../../hooks/session-hooks.js'
import { BriefdError } from '../../shared/errors.js'
import { createLogger, logLevelSetting, parseLogLevel, type Logger } from '../../shared/log.js'
import { parseIntSetting } from '../../shared/settings.js'
import { readHookInput, type HookInput } from '../hook-input.js'
import { str } from '../options.js'
import { remoteSetting } from '../../signin/remote-setting.js'

/** SessionStart should feel instant; ~2 s is the most a user should ever wait on it. */
export const START_DEADLINE_MS = 2000
/**
 * Against a hosted daemon a start may need a refresh at the authorization server and the
 * exchange over the network: two round trips on a cold connection, each with TLS.
 */
export const REMOTE_START_DEADLINE_MS = 5000
/** Claude Code gives all SessionEnd hooks 1.5 s together; leave room for the others. */
export const END_DEADLINE_MS = 1000
/** Kept back from the budget: the grace below plus exiting (flushing stderr, closing handles). */
const EXIT_RESERVE_MS = 150
/** After the deadline, aborted requests get this long to unwind before we give up on them. */
const ABORT_GRACE_MS = 100
/** Left for the token request after starting a daemon (a warm daemon answers in ~5 ms). */
const TOKEN_REQUEST_RESERVE_MS = 250
/** Claude Code writes the hook input at once; a pipe that stays silent longer is not a hook. */
const STDIN_BUDGET_MS = 250

type Kind = 'start' | 'end'

export async function sessionStartCommand(opts: Record<string, unknown>): Promise<void> {
  await runSessionHook('start', opts)
}

export async function sessionEndCommand(opts: Record<string, unknown>): Promise<void> {
  await runSessionHook('end', opts)
}

async function runSessionHook(kind: Kind, opts: Record<string, unknown>): Promise<void> {
  // Bad flags are our own hook configuration's fault: fail loudly (non-zero), before any work.
  const deadlineRaw = str(opts, 'deadline')
  const remote = remoteSetting(str(opts, 'remote'))
  const totalMs =
    deadlineRaw === undefined
      ? kind === 'start'
        ? remote
          ? REMOTE_START_DEADLINE_MS
          : START_DEADLINE_MS
        : END_DEADLINE_MS
      : parseIntSetting({ name: '--deadline', value: deadlineRaw }, 100, 60_000)
  // Lenient here, so a bad BRIEFD_LOG_LEVEL can still be reported (checked just below).
  const logger = createLogger({
    name: `briefd session ${kind}`,
    level: parseLogLevel(process.env.BRIEFD_LOG_LEVEL),
  })
  // performance.now() counts from process start, so the budget covers Node's own start-up too.
  const deadline = createDeadline(totalMs - performance.now() - EXIT_RESERVE_MS)
  try {
    // Refused like every other command refuses it, but as a hook: one warning, exit 0.
    logLevelSetting(process.env)
    const input = await readHookInput(process.stdin, {
      timeoutMs: Math.min(STDIN_BUDGET_MS, deadline.remainingMs() / 4),
    })
    const options: HostSessionOptions = { deadline, logger, ...(remote ? { remote } : {}) }
    const stateDir = str(opts, 'stateDir')
    const tokenFile = str(opts, 'tokenFile')
    if (stateDir !== undefined) options.stateDir = stateDir
    if (tokenFile !== undefined) options.tokenFile = tokenFile
    const content = str(opts, 'content')
    if (kind === 'start')
      options.startDaemon = daemonStarter(content === undefined ? undefined : resolve(content))
    await withinDeadline(run(kind, options, input, logger), deadline)
  } catch (err) {
    // One line, exit 0: a failed hook must not stop the session (Claude Code shows a
    // non-zero hook as an error, and the MCP server falls back to generic content anyway).
    logger.warn(describe(err))
  } finally {
    deadline.dispose()
  }
}

async function run(
  kind: Kind,
  options: HostSessionOptions,
  input: HookInput,
  logger: Logger,
): Promise<void> {
  if (kind === 'start') {
    const r = await startHostSession(options)
    logger.debug(
      `source ${input.source ?? 'unknown'}: token file ${r.path} (${r.source}); replaced token revoked: ${r.previousRevoked}; swept ${r.swept?.removed.length ?? 0}`,
    )
  } else {
    const r = await endHostSession(
      input.reason === undefined ? options : { ...options, reason: input.reason },
    )
    logger.debug(
      `reason ${input.reason ?? 'unknown'}: ${r.action}${r.path ? ` ${r.path}` : ''}; revoked: ${r.revoked}`,
    )
  }
}

/**
 * Starts the daemon in the background, leaving time for the token request. Its content dir
 * is `--content`, else BRIEFD_CONTENT_DIR, else the one remembered from the last explicit
 * `briefd start`; with none of them there is nothing sensible to serve (the hook's working
 * directory is the user's project), so the hook reports that instead of guessing.
 */
function daemonStarter(
  contentDir: string | undefined,
): NonNullable<HostSessionOptions['startDaemon']> {
  return async function startDaemonForHook(stateDir, deadline) {
    const [{ launchDaemon }, { readLaunchSettings, resolveLaunchSettings, serveArgsFor }] =
      await Promise.all([
        import('../../control/launch.js'),
        import('../../control/launch-settings.js'),
      ])
    if (
      contentDir === undefined &&
      !process.env.BRIEFD_CONTENT_DIR &&
      readLaunchSettings(stateDir).content === undefined
    ) {
      throw new BriefdError(
        'ERR_DAEMON_NOT_RUNNING',
        `no daemon is running for state dir ${stateDir}, and no content dir is known to start one (run: briefd start --content <dir>)`,
      )
    }
    const settings = resolveLaunchSettings(
      stateDir,
      contentDir === undefined ? {} : { content: contentDir },
    )
    const r = await launchDaemon({
      stateDir,
      serveArgs: serveArgsFor(settings),
      timeoutMs: Math.max(0, deadline.remainingMs() - TOKEN_REQUEST_RESERVE_MS),
    })
    if (!r.info)
      throw new BriefdError(
        'ERR_DAEMON_NOT_RUNNING',
        `the daemon of state dir ${stateDir} started but wrote no daemon.json`,
      )
    return r.info
  }
}

/**
 * Settles with `work`, or rejects shortly after the deadline. Requests abort on the deadline's
 * signal, so `work` normally settles itself (a token already written stays a success); the
 * grace timer only catches a step that ignores the signal.
 */
function withinDeadline<T>(work: Promise<T>, deadline: Deadline): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let grace: NodeJS.Timeout | undefined
    const onAbort = (): void => {
      grace = setTimeout(
        () =>
          reject(
            new BriefdError(
              'ERR_DEADLINE_EXCEEDED',
              'did not finish within its time budget (is the daemon hung?)',
            ),
          ),
        ABORT_GRACE_MS,
      )
    }
    if (deadline.signal.aborted) onAbort()
    else deadline.signal.addEventListener('abort', onAbort, { once: true })
    void work.then(resolve, reject).finally(() => {
      clearTimeout(grace)
      deadline.signal.removeEventListener('abort', onAbort)
    })
  })
}

function describe(err: unknown): string {
  if (err instanceof BriefdError) return err.message
  return `unexpected error: ${err instanceof Error ? err.message : String(err)}`
}

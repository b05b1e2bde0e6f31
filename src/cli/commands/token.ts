/**
 * @module cli/commands/token
 * `briefd token`: prints a fresh session token to stdout, for curl and scripts. The token
 * is the command's result, so it is the only thing on stdout; nothing else is printed.
 */
import { requestSession } from '../../client/session-api.js'
import { BriefdError } from '../../shared/errors.js'
import { defaultStateDir } from '../../shared/paths.js'
import { parseDurationSetting } from '../../shared/settings.js'
import { readBootstrapCredential, readDaemonInfo } from '../../shared/state-files.js'
import { MAX_SESSION_TTL_SECONDS, MIN_SESSION_TTL_SECONDS } from '../../tokens/constants.js'
import { str } from '../options.js'

export async function tokenCommand(opts: Record<string, unknown>): Promise<void> {
  const stateDir = str(opts, 'stateDir') ?? defaultStateDir()
  const ttlRaw = str(opts, 'ttl')
  const ttlSeconds =
    ttlRaw === undefined
      ? undefined
      : parseDurationSetting(
          { name: '--ttl', value: ttlRaw },
          MIN_SESSION_TTL_SECONDS,
          MAX_SESSION_TTL_SECONDS,
        )
  const info = readDaemonInfo(stateDir)
  if (!info)
    throw new BriefdError(
      'ERR_DAEMON_NOT_RUNNING',
      `no daemon is running for state dir ${stateDir} (start one with: briefd start --content <dir>)`,
    )
  const session = await requestSession({
    url: info.url,
    ...(info.socket !== undefined ? { socketPath: info.socket } : {}),
    bootstrap: readBootstrapCredential(stateDir),
    timeoutMs: 2000,
    ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
  })
  process.stdout.write(`${session.token}\n`)
}

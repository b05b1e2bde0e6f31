/**
 * @module client/daemon-locate
 * Where the daemon of a state dir listens, from its `daemon.json` (0600, in our own state
 * dir). A `daemon.json` whose process is gone is ignored: its port may now belong to anyone,
 * and a bearer token must never be sent to whoever squats it.
 */
import { BriefdError } from '../shared/errors.js'
import { isProcessAlive } from '../shared/process-info.js'
import { readDaemonInfo, type DaemonInfo } from '../shared/state-files.js'

/** The running daemon of `stateDir`; throws ERR_DAEMON_NOT_RUNNING when there is none. */
export function locateDaemon(stateDir: string): DaemonInfo {
  const info = readDaemonInfo(stateDir)
  if (!info)
    throw new BriefdError(
      'ERR_DAEMON_NOT_RUNNING',
      `no daemon is running for state dir ${stateDir} (start one with: briefd start --content <dir>)`,
    )
  if (!isProcessAlive(info.pid)) {
    throw new BriefdError(
      'ERR_DAEMON_NOT_RUNNING',
      `the daemon of state dir ${stateDir} (pid ${info.pid}) is no longer running (start one with: briefd start --content <dir>)`,
    )
  }
  return info
}

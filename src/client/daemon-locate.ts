/**
 * @module client/daemon-locate
 * Where the daemon of a state dir listens, from its `daemon.json` (0600, in our own state
 * dir). A `daemon.json` whose process is gone is ignored: its port may now belong to anyone,
 * and a bearer token must never be sent to whoever squats it.
 */
import { BriefdError, errnoCode } from '../shared/errors.js'
import { readDaemonInfo, type DaemonInfo } from '../shared/state-files.js'

/** True while a process with this pid exists and is ours to signal. */
export function isPidRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: the pid now belongs to another user, so it is not our daemon any more.
    return errnoCode(err) !== 'ESRCH' && errnoCode(err) !== 'EPERM'
  }
}

/** The running daemon of `stateDir`; throws ERR_DAEMON_NOT_RUNNING when there is none. */
export function locateDaemon(stateDir: string): DaemonInfo {
  const info = readDaemonInfo(stateDir)
  if (!info) throw new BriefdError('ERR_DAEMON_NOT_RUNNING', `no daemon is running for state dir ${stateDir} (start one with: briefd start --content <dir>)`)
  if (!isPidRunning(info.pid)) {
    throw new BriefdError('ERR_DAEMON_NOT_RUNNING', `the daemon of state dir ${stateDir} (pid ${info.pid}) is no longer running (start one with: briefd start --content <dir>)`)
  }
  return info
}

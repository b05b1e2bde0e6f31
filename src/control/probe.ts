/**
 * @module control/probe
 * Finds the daemon of a state dir and checks that it answers. `daemon.json` says where it
 * listens; a process that is gone or a port that does not answer /health in time means it
 * is not running (for our purposes).
 */
import { daemonRequest } from '../client/daemon-request.js'
import { readDaemonInfo, type DaemonInfo } from '../shared/state-files.js'
import { isProcessAlive } from '../shared/process-info.js'
import { ROUTES } from '../shared/contract/routes.js'

export interface DaemonProbe {
  info: DaemonInfo | undefined
  /** The recorded process exists. */
  alive: boolean
  /** It answered GET /health with 200 in time. */
  healthy: boolean
}

export async function probeDaemon(stateDir: string, timeoutMs = 500): Promise<DaemonProbe> {
  let info: DaemonInfo | undefined
  try {
    info = readDaemonInfo(stateDir)
  } catch {
    info = undefined
  }
  if (!info) return { info, alive: false, healthy: false }
  const alive = isProcessAlive(info.pid)
  if (!alive) return { info, alive, healthy: false }
  try {
    const res = await daemonRequest({
      method: 'GET',
      url: info.url,
      ...(info.socket !== undefined ? { socketPath: info.socket } : {}),
      path: ROUTES.health.path,
      timeoutMs,
    })
    return { info, alive, healthy: res.status === 200 }
  } catch {
    return { info, alive, healthy: false }
  }
}

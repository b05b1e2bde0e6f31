/**
 * @module cli/commands/daemon
 * `briefd start | stop | status | restart`: the daemon in the background.
 * start: idempotent (a healthy daemon → exit 0 at once), detached, race-safe.
 * stop: graceful (SIGTERM; in-flight requests finish). status: exit 0 running, 3 not running.
 */
import { resolve } from 'node:path'
import { daemonRequest, jsonBody } from '../../client/daemon-request.js'
import { launchDaemon } from '../../control/launch.js'
import {
  resolveLaunchSettings,
  serveArgsFor,
  writeLaunchSettings,
  type LaunchSettings,
} from '../../control/launch-settings.js'
import { isBriefdDaemon, isProcessAlive } from '../../shared/process-info.js'
import { probeDaemon } from '../../control/probe.js'
import { readLockPid } from '../../control/instance-lock.js'
import { BriefdError } from '../../shared/errors.js'
import { logLevelSetting } from '../../shared/log.js'
import { defaultStateDir } from '../../shared/paths.js'
import { ensurePrivateDir } from '../../shared/secure-fs.js'
import { readBootstrapCredential } from '../../shared/state-files.js'
import { str, strs } from '../options.js'
import { ROUTES } from '../../shared/contract/routes.js'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function stateDirOf(opts: Record<string, unknown>): string {
  return resolve(str(opts, 'stateDir') ?? defaultStateDir())
}

function flagsOf(opts: Record<string, unknown>): LaunchSettings {
  const f: LaunchSettings = {}
  for (const k of ['content', 'host', 'port', 'sessionTtl'] as const) {
    const v = str(opts, k)
    if (v !== undefined) f[k] = v
  }
  const origins = strs(opts, 'allowOrigin')
  if (origins?.length) f.allowOrigin = origins
  return f
}

export async function startCommand(opts: Record<string, unknown>): Promise<void> {
  // The daemon inherits BRIEFD_LOG_LEVEL and would refuse it: say so here, not via its log.
  logLevelSetting(process.env)
  const stateDir = stateDirOf(opts)
  const flags = flagsOf(opts)
  const settings = resolveLaunchSettings(stateDir, flags)
  const r = await launchDaemon({ stateDir, serveArgs: serveArgsFor(settings), timeoutMs: 5000 })
  // Remember explicit choices, so hooks can start the same daemon without flags.
  if (Object.keys(flags).length) writeLaunchSettings(stateDir, settings)
  process.stdout.write(
    `briefd: daemon ${r.started ? 'started' : 'already running'} on ${r.info?.url ?? '?'} (pid ${r.info?.pid ?? '?'})\n`,
  )
}

/** Stops the daemon of a state dir; true if one was running. */
export async function stopDaemon(stateDir: string, timeoutMs = 10_000): Promise<boolean> {
  const probe = await probeDaemon(stateDir, 300)
  const pid = probe.alive ? probe.info?.pid : readLockPid(stateDir)
  // Only ever signal a process that is really a briefd daemon: the PID may have been reused.
  if (pid === undefined || !isBriefdDaemon(pid)) return false
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + timeoutMs
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) {
      throw new BriefdError(
        'ERR_DAEMON_STOP_FAILED',
        `daemon (pid ${pid}) did not stop within ${timeoutMs} ms (force it with: kill -9 ${pid})`,
      )
    }
    await sleep(50)
  }
  return true
}

export async function stopCommand(opts: Record<string, unknown>): Promise<void> {
  const stateDir = stateDirOf(opts)
  const stopped = await stopDaemon(stateDir)
  process.stdout.write(
    stopped ? 'briefd: daemon stopped\n' : `briefd: no daemon running for state dir ${stateDir}\n`,
  )
}

export async function restartCommand(opts: Record<string, unknown>): Promise<void> {
  // Checked before stopping: a bad setting must not leave the user with no daemon at all.
  logLevelSetting(process.env)
  await stopDaemon(stateDirOf(opts))
  await startCommand(opts)
}

function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400)
  const h = Math.floor((seconds % 86400) / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  return d ? `${d}d ${h}h ${m}m` : h ? `${h}h ${m}m` : m ? `${m}m ${seconds % 60}s` : `${seconds}s`
}

export async function statusCommand(opts: Record<string, unknown>): Promise<void> {
  const stateDir = stateDirOf(opts)
  let safety = 'safe (0700, yours)'
  try {
    ensurePrivateDir(stateDir, { label: 'state dir', create: false })
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    safety = message.endsWith('does not exist')
      ? 'not created yet (the daemon creates it on first start)'
      : `UNSAFE: ${message}`
  }
  const probe = await probeDaemon(stateDir, 1000)
  const rows: [string, string][] = [['state dir', `${stateDir} — ${safety}`]]
  if (!probe.healthy || !probe.info) {
    rows.unshift(['status', probe.alive ? `not answering (pid ${probe.info?.pid})` : 'not running'])
    process.stdout.write(rows.map(([k, v]) => `${k.padEnd(13)} ${v}`).join('\n') + '\n')
    process.exitCode = 3
    return
  }
  rows.unshift(['status', 'running'], ['pid', String(probe.info.pid)], ['address', probe.info.url])
  if (probe.info.socket !== undefined) rows.splice(3, 0, ['socket', probe.info.socket])
  try {
    const res = await daemonRequest({
      method: 'GET',
      url: probe.info.url,
      ...(probe.info.socket !== undefined ? { socketPath: probe.info.socket } : {}),
      path: ROUTES.status.path,
      bearer: readBootstrapCredential(stateDir),
      timeoutMs: 1000,
    })
    const s = jsonBody(res)
    if (res.status === 200) {
      rows.push(
        ['uptime', duration(Number(s.uptime_seconds) || 0)],
        ['content dir', String(s.content_dir)],
        ['live sessions', String(s.live_sessions)],
        ['version', String(s.version)],
      )
    } else {
      rows.push(['details', `unavailable (daemon answered ${res.status})`])
    }
  } catch (err) {
    rows.push(['details', `unavailable (${err instanceof Error ? err.message : String(err)})`])
  }
  process.stdout.write(rows.map(([k, v]) => `${k.padEnd(13)} ${v}`).join('\n') + '\n')
}

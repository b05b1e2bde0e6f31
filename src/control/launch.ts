/**
 * @module control/launch
 * Starts the daemon in the background: a detached `briefd serve` whose output goes to a
 * size-capped log file in the state dir, so it outlives the shell or hook that started it.
 * Idempotent and race-safe: a healthy daemon means success at once; two launches racing on
 * one state dir leave one daemon (the instance lock decides), and both report it.
 */
import { spawn } from 'node:child_process'
import { closeSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { BriefdError } from '../shared/errors.js'
import { STATE_FILES } from '../shared/paths.js'
import { ensurePrivateDir, openPrivateAppend } from '../shared/secure-fs.js'
import { selfEntry } from '../shared/self-entry.js'
import { probeDaemon, type DaemonProbe } from './probe.js'

export interface LaunchOptions {
  stateDir: string
  /** Extra `briefd serve` arguments (content dir, port, …). */
  serveArgs: string[]
  /** How long to wait for the daemon to answer /health. */
  timeoutMs: number
  env?: NodeJS.ProcessEnv
}

export interface LaunchResult extends DaemonProbe {
  /** False when a healthy daemon was already running. */
  started: boolean
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** The last non-empty line of the daemon log (its start-up error, if it failed). */
function lastLogLine(logPath: string): string | undefined {
  try {
    const lines = readFileSync(logPath, 'utf8').trim().split('\n')
    return lines[lines.length - 1]?.replace(/^\S+Z /, '')
  } catch {
    return undefined
  }
}

export async function launchDaemon(o: LaunchOptions): Promise<LaunchResult> {
  const deadline = Date.now() + o.timeoutMs
  const first = await probeDaemon(o.stateDir, Math.min(500, o.timeoutMs))
  if (first.healthy) return { ...first, started: false }
  ensurePrivateDir(o.stateDir, { label: 'state dir' })
  const logPath = join(o.stateDir, STATE_FILES.log)
  const logFd = openPrivateAppend(logPath, 'daemon log')
  let exited: number | null | undefined
  let childPid: number | undefined
  try {
    const child = spawn(
      process.execPath,
      [selfEntry(), 'serve', '--state-dir', o.stateDir, '--log-file', logPath, ...o.serveArgs],
      {
        detached: true,
        // Fatal output Node itself prints (before our logger exists) lands in the log too.
        stdio: ['ignore', 'ignore', logFd],
        env: o.env ?? process.env,
      },
    )
    childPid = child.pid
    child.once('exit', (code) => {
      exited = code
    })
    child.unref()
  } finally {
    closeSync(logFd)
  }
  while (Date.now() < deadline) {
    await sleep(50)
    const p = await probeDaemon(o.stateDir, Math.max(50, Math.min(500, deadline - Date.now())))
    if (p.healthy) return { ...p, started: p.info?.pid === childPid }
    if (exited !== undefined) {
      // Ours exited: fine if it lost the race to another daemon that is (about to be) healthy.
      const other = await probeDaemon(o.stateDir, 300)
      if (other.healthy) return { ...other, started: false }
      if (
        exited !== null &&
        exited !== 0 &&
        !(lastLogLine(logPath) ?? '').includes('already running')
      ) {
        throw new BriefdError(
          'ERR_DAEMON_START_FAILED',
          `daemon did not start: ${lastLogLine(logPath) ?? `exit code ${exited}`} (log: ${logPath})`,
        )
      }
    }
  }
  throw new BriefdError(
    'ERR_DAEMON_START_FAILED',
    `daemon did not answer within ${o.timeoutMs} ms (log: ${logPath})`,
  )
}

/**
 * @module shared/process-info
 * Is a process alive and ours, and is it a briefd daemon? Used to tell a live daemon from a
 * stale lock or daemon.json left by a crash (the PID may since have been reused).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { errnoCode } from '../shared/errors.js'

/**
 * True while a process with this pid exists and is ours to signal. Our daemon always runs as
 * us, so a pid that now belongs to another user (EPERM) is not it: treating it as alive would
 * send bearer tokens to whoever took over the port, or block a restart forever.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return errnoCode(err) !== 'ESRCH' && errnoCode(err) !== 'EPERM'
  }
}

/** The command line of a process, or undefined if it cannot be read. */
export function processCommandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()
  } catch {
    // No /proc (macOS): ask ps.
  }
  try {
    return (
      execFileSync('ps', ['-o', 'command=', '-p', String(pid)], {
        encoding: 'utf8',
        timeout: 1000,
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim() || undefined
    )
  } catch {
    return undefined
  }
}

/** A live process whose command line shows it is `briefd serve` (not a recycled PID). */
export function isBriefdDaemon(pid: number): boolean {
  if (!isProcessAlive(pid)) return false
  const cmd = processCommandLine(pid)
  // Unreadable command line: assume it is ours rather than risk two daemons.
  return cmd === undefined || (/briefd/.test(cmd) && /\bserve\b/.test(cmd))
}

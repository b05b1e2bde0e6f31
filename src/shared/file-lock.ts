/**
 * @module shared/file-lock
 * A short exclusive lock between processes, for a read-modify-write of one state file (the
 * keyring, when two `briefd key rotate` run at once: without it the second write drops the
 * key the first one added, and every token that key signed stops verifying).
 *
 * The lock is a 0600 file holding the owner's pid, created with O_CREAT|O_EXCL|O_NOFOLLOW
 * (so a planted file or symlink at the path is never followed or reused). A holder that
 * crashed leaves it behind: it is taken over once it is older than STALE_MS *and* its pid is
 * gone (a slow but live holder is never robbed). Taking over goes through a second exclusive
 * file, the breaker, and re-judges the lock while holding it: without that, two waiters that
 * both judged the same stale lock could each delete it, the second deleting the fresh lock
 * the first had just created, and both would hold the lock.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, constants, fchmodSync, lstatSync, openSync, writeSync } from 'node:fs'
import { BriefdError, errnoCode } from './errors.js'
import { isProcessAlive } from './process-info.js'
import { readSecretFile, removeFileIfExists } from './secure-fs.js'

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants

/** How long to wait for a held lock before giving up (a holder needs milliseconds). */
export const LOCK_TIMEOUT_MS = 3000
/** A lock older than this whose pid is gone was left by a crash. */
export const LOCK_STALE_MS = 2000
const POLL_MS = 10

export interface FileLockOptions {
  /** Human label used in errors, e.g. `signing key file`. */
  label: string
  timeoutMs?: number
  staleMs?: number
}

/** Creates `path` exclusively with our pid in it; false when something is already there. */
function tryCreate(path: string, body: string): boolean {
  let fd: number
  try {
    fd = openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false
    throw new BriefdError(
      'ERR_FILE_WRITE_FAILED',
      `lock file ${path} cannot be created (${errnoCode(err) ?? String(err)})`,
      { cause: err },
    )
  }
  try {
    fchmodSync(fd, 0o600)
    writeSync(fd, body)
  } finally {
    closeSync(fd)
  }
  return true
}

interface Holder {
  /** undefined: unreadable or not yet written. */
  pid: number | undefined
  ageMs: number
}

/** Who holds the lock at `path`; undefined when there is no lock. */
function holderOf(path: string, now: number): Holder | undefined {
  let mtimeMs: number
  try {
    mtimeMs = lstatSync(path).mtimeMs
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined
    throw new BriefdError(
      'ERR_FILE_UNSAFE',
      `lock file ${path} cannot be read (${errnoCode(err) ?? String(err)})`,
      { cause: err },
    )
  }
  let pid: number | undefined
  try {
    const v = JSON.parse(
      readSecretFile(path, { label: 'lock file', maxBytes: 1024 }).toString('utf8'),
    ) as { pid?: unknown }
    pid = typeof v.pid === 'number' ? v.pid : undefined
  } catch {
    // Empty (its owner died between create and write), gone meanwhile, or not ours: no pid.
    pid = undefined
  }
  return { pid, ageMs: now - mtimeMs }
}

const isStale = (h: Holder, staleMs: number): boolean =>
  h.ageMs > staleMs && (h.pid === undefined || !isProcessAlive(h.pid))

/**
 * Deletes the lock at `path` if it is (still) stale; true when it did. Only one process at a time gets here (the
 * breaker is exclusive), and a live lock is never stale, so what we judged is what we delete.
 * A breaker whose owner died mid-break (a window of microseconds) is itself cleared when stale.
 */
function breakIfStale(path: string, staleMs: number): boolean {
  const breaker = `${path}.break`
  if (!tryCreate(breaker, `${JSON.stringify({ pid: process.pid })}\n`)) {
    const b = holderOf(breaker, Date.now())
    if (b && isStale(b, staleMs)) removeFileIfExists(breaker)
    return false
  }
  try {
    const h = holderOf(path, Date.now())
    return h !== undefined && isStale(h, staleMs) && removeFileIfExists(path)
  } finally {
    removeFileIfExists(breaker)
  }
}

/**
 * Runs `work` while holding the exclusive lock file `path`; always releases it. Throws
 * ERR_FILE_LOCKED after `timeoutMs` when another live process keeps holding it.
 */
export async function withFileLock<T>(
  path: string,
  work: () => T | Promise<T>,
  options: FileLockOptions,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? LOCK_TIMEOUT_MS
  const staleMs = options.staleMs ?? LOCK_STALE_MS
  // The nonce tells our lock from one that replaced it, so release never deletes another's.
  const body = `${JSON.stringify({ pid: process.pid, nonce: randomBytes(8).toString('hex'), created_at: new Date().toISOString() })}\n`
  const giveUpAt = Date.now() + timeoutMs
  for (;;) {
    if (tryCreate(path, body)) break
    const h = holderOf(path, Date.now())
    if (h === undefined) continue // released between our create and our look: try again at once
    if (isStale(h, staleMs) && breakIfStale(path, staleMs)) continue
    if (Date.now() >= giveUpAt) {
      const who = h.pid === undefined ? 'another process' : `pid ${h.pid}`
      throw new BriefdError(
        'ERR_FILE_LOCKED',
        `${options.label} is locked by ${who} (lock file ${path}); try again, or delete the lock file if no briefd command is running`,
      )
    }
    await new Promise((resolve) =>
      setTimeout(resolve, POLL_MS + Math.floor(Math.random() * POLL_MS)),
    )
  }
  try {
    return await work()
  } finally {
    release(path, body)
  }
}

function release(path: string, body: string): void {
  try {
    if (readSecretFile(path, { label: 'lock file', maxBytes: 1024 }).toString('utf8') === body)
      removeFileIfExists(path)
  } catch {
    // Already gone, or no longer ours: nothing of ours to remove.
  }
}

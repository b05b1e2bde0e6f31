/**
 * @module control/instance-lock
 * One daemon per state dir. The lock is a 0600 file created with O_EXCL semantics
 * (link(2)), holding the owner's pid; a lock whose pid is gone (or is no longer a briefd
 * daemon) is stale and is replaced. Two daemons started at once on a fresh state dir cannot
 * both win the exclusive create.
 */
import { join } from 'node:path'
import { BriefdError, isBriefdError } from '../shared/errors.js'
import { STATE_FILES } from '../shared/paths.js'
import {
  createSecretFileExclusive,
  readSecretFile,
  removeFileIfExists,
} from '../shared/secure-fs.js'
import { isBriefdDaemon } from '../shared/process-info.js'

export interface InstanceLock {
  path: string
  /** Removes the lock if it is still ours. */
  release(): void
  /** Puts the lock back if it was deleted (the state dir was removed under us). */
  restore(): void
}

/** The pid recorded in a state dir's lock, or undefined. */
export function readLockPid(stateDir: string): number | undefined {
  try {
    const v = JSON.parse(
      readSecretFile(join(stateDir, STATE_FILES.lock), {
        label: 'daemon lock',
        maxBytes: 4096,
      }).toString('utf8'),
    ) as { pid?: unknown }
    return typeof v.pid === 'number' ? v.pid : undefined
  } catch {
    return undefined
  }
}

export function acquireInstanceLock(stateDir: string): InstanceLock {
  const path = join(stateDir, STATE_FILES.lock)
  const body = `${JSON.stringify({ pid: process.pid, started_at: new Date().toISOString() })}\n`
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createSecretFileExclusive(path, body)) {
      return {
        path,
        release() {
          if (readLockPid(stateDir) === process.pid) removeFileIfExists(path)
        },
        restore() {
          createSecretFileExclusive(path, body)
        },
      }
    }
    let holder: number | undefined
    try {
      holder = readLockPid(stateDir)
    } catch (err) {
      if (!isBriefdError(err)) throw err
    }
    if (holder !== undefined && holder !== process.pid && isBriefdDaemon(holder)) {
      throw new BriefdError(
        'ERR_DAEMON_RUNNING',
        `a daemon (pid ${holder}) is already running for state dir ${stateDir} (stop it with: briefd stop)`,
      )
    }
    // Stale: its owner is gone. Remove it and try the exclusive create again.
    removeFileIfExists(path)
  }
  throw new BriefdError(
    'ERR_DAEMON_RUNNING',
    `cannot take the daemon lock ${path}; another daemon is starting for state dir ${stateDir}`,
  )
}

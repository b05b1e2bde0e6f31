/**
 * @module daemon/state-guard
 * Keeps the state dir whole while the daemon runs. If someone deletes it (or a file in it),
 * the daemon notices within a couple of seconds and writes back what it holds in memory:
 * the instance lock (so no second daemon starts on this state dir), the signing keys (so
 * running sessions stay valid), the bootstrap credential (so hooks can
 * still get tokens), the session ledger (so revocations survive the next restart), the audit
 * log (a new file) and daemon.json (so clients can find the daemon).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../shared/log.js'
import { STATE_FILES } from '../shared/paths.js'
import {
  createSecretFileExclusive,
  ensurePrivateDir,
  writeSecretFileAtomic,
} from '../shared/secure-fs.js'
import { bootstrapPath, type DaemonInfo } from '../shared/state-files.js'
import type { Keyring } from '../tokens/keyring.js'
import type { SessionLedger } from '../tokens/ledger.js'
import type { AuditLog } from './audit.js'

export interface StateGuardOptions {
  stateDir: string
  keyring: Keyring
  bootstrap: string
  ledger: SessionLedger
  audit: AuditLog
  info: DaemonInfo
  /** Puts the instance lock back (so no second daemon starts on this state dir). */
  restoreLock: () => void
  logger: Logger
  intervalMs?: number
}

export interface StateGuard {
  /** Checks now; true if anything had to be restored. */
  check(): boolean
  stop(): void
}

const WATCHED = [
  STATE_FILES.keyring,
  STATE_FILES.bootstrap,
  STATE_FILES.ledger,
  STATE_FILES.audit,
  STATE_FILES.daemon,
  STATE_FILES.lock,
] as const

export function startStateGuard(o: StateGuardOptions): StateGuard {
  const check = (): boolean => {
    const missing = WATCHED.filter((f) => !existsSync(join(o.stateDir, f)))
    if (missing.length === 0) return false
    o.logger.warn(
      `state dir ${o.stateDir}: ${missing.join(', ')} went missing; restoring from memory`,
    )
    ensurePrivateDir(o.stateDir, { label: 'state dir' })
    o.restoreLock()
    o.keyring.restoreFile()
    createSecretFileExclusive(bootstrapPath(o.stateDir), `${o.bootstrap}\n`)
    o.ledger.restoreIfRemoved()
    o.audit.reopenIfRemoved()
    if (!existsSync(join(o.stateDir, STATE_FILES.daemon)))
      writeSecretFileAtomic(
        join(o.stateDir, STATE_FILES.daemon),
        `${JSON.stringify(o.info, null, 2)}\n`,
      )
    return true
  }
  const timer = setInterval(() => {
    try {
      check()
    } catch (err) {
      o.logger.error(
        `state dir ${o.stateDir} cannot be restored (${err instanceof Error ? err.message : String(err)}); will retry`,
      )
    }
  }, o.intervalMs ?? 2000)
  timer.unref()
  return { check, stop: () => clearInterval(timer) }
}

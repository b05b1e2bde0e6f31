/**
 * @module tokens/ledger
 * The daemon's durable record of sessions: which were issued and which were revoked, as an
 * append-only JSON-lines file (0600) in the state dir. Revocations must survive a restart,
 * so a revocation is fsynced before the 204 goes out. Entries leave when the token they
 * describe would have expired anyway, which bounds both memory and file size.
 */
import { closeSync, fdatasyncSync, fstatSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { BriefdError, isBriefdError } from '../shared/errors.js'
import type { Logger } from '../shared/log.js'
import { STATE_FILES } from '../shared/paths.js'
import {
  ensurePrivateDir,
  openPrivateAppend,
  readSecretFile,
  writeSecretFileAtomic,
} from '../shared/secure-fs.js'
import { SESSION_ID_RE } from './constants.js'

interface LedgerLine {
  op: 'issue' | 'revoke'
  sid: string
  /** Expiry of the token, seconds since the epoch. */
  exp: number
}

const MAX_LEDGER_BYTES = 64 * 1024 * 1024

export interface SessionLedgerOptions {
  stateDir: string
  /** Most sessions (live or revoked, not yet expired) the daemon will track. */
  maxSessions: number
  logger: Logger
  now?: () => number
}

/** Issued and revoked sessions, kept until their tokens expire. */
export class SessionLedger {
  readonly #path: string
  readonly #stateDir: string
  readonly #max: number
  readonly #logger: Logger
  readonly #now: () => number
  /** session id → expiry (s) */
  readonly #issued = new Map<string, number>()
  readonly #revoked = new Map<string, number>()
  #fd = -1
  #lines = 0

  constructor(options: SessionLedgerOptions) {
    this.#stateDir = options.stateDir
    this.#path = join(options.stateDir, STATE_FILES.ledger)
    this.#max = options.maxSessions
    this.#logger = options.logger
    this.#now = options.now ?? (() => Date.now())
    this.#replay()
    this.#compact()
  }

  #nowSeconds(): number {
    return Math.floor(this.#now() / 1000)
  }

  #replay(): void {
    let raw: string
    try {
      raw = readSecretFile(this.#path, {
        label: 'session ledger',
        maxBytes: MAX_LEDGER_BYTES,
      }).toString('utf8')
    } catch (err) {
      if (isBriefdError(err, 'ERR_FILE_NOT_FOUND')) return
      throw err
    }
    const now = this.#nowSeconds()
    let skipped = 0
    for (const text of raw.split('\n')) {
      if (text === '') continue
      const line = parseLine(text)
      if (!line) {
        skipped++
        continue
      }
      if (line.exp <= now) continue
      if (line.op === 'issue') {
        if (!this.#revoked.has(line.sid)) this.#issued.set(line.sid, line.exp)
      } else {
        this.#issued.delete(line.sid)
        this.#revoked.set(line.sid, line.exp)
      }
    }
    // A torn last line (crash mid-write) is expected; anything more is worth a warning.
    if (skipped > 0)
      this.#logger.warn(`session ledger ${this.#path}: skipped ${skipped} unreadable line(s)`)
  }

  /** Rewrites the file with only the live entries, then reopens it for appending. */
  #compact(): void {
    const out: string[] = []
    for (const [sid, exp] of this.#issued) out.push(JSON.stringify({ op: 'issue', sid, exp }))
    for (const [sid, exp] of this.#revoked) out.push(JSON.stringify({ op: 'revoke', sid, exp }))
    ensurePrivateDir(this.#stateDir, { label: 'state dir' })
    writeSecretFileAtomic(this.#path, out.length ? `${out.join('\n')}\n` : '')
    if (this.#fd >= 0) closeSync(this.#fd)
    this.#fd = openPrivateAppend(this.#path, 'session ledger')
    this.#lines = out.length
  }

  #append(line: LedgerLine, durable: boolean): void {
    // If the state dir was removed under us, our fd points at an unlinked file and the
    // entry would be lost on restart: recreate the dir and rewrite the full ledger.
    if (fstatSync(this.#fd).nlink === 0) {
      this.#logger.warn(`session ledger ${this.#path} was removed; recreating it`)
      this.#compact()
    }
    writeSync(this.#fd, `${JSON.stringify(line)}\n`)
    if (durable) fdatasyncSync(this.#fd)
    this.#lines++
    if (this.#lines > 2 * (this.#issued.size + this.#revoked.size) + 1024) this.#compact()
  }

  /** Rewrites the ledger from memory if its file was removed (the state dir was deleted). */
  restoreIfRemoved(): boolean {
    if (this.#fd >= 0 && fstatSync(this.#fd).nlink > 0) return false
    this.#compact()
    return true
  }

  /** Drops entries whose tokens have expired. */
  prune(): void {
    const now = this.#nowSeconds()
    for (const [sid, exp] of this.#issued) if (exp <= now) this.#issued.delete(sid)
    for (const [sid, exp] of this.#revoked) if (exp <= now) this.#revoked.delete(sid)
  }

  /** Records a new session; refuses when the bounded store is full. */
  recordIssued(sessionId: string, expiresAt: number): void {
    if (this.#issued.size + this.#revoked.size >= this.#max) this.prune()
    if (this.#issued.size + this.#revoked.size >= this.#max) {
      throw new BriefdError(
        'ERR_SESSION_LIMIT',
        `too many live sessions (limit ${this.#max}); revoke some or wait for them to expire`,
      )
    }
    this.#issued.set(sessionId, expiresAt)
    this.#append({ op: 'issue', sid: sessionId, exp: expiresAt }, false)
  }

  /** Revokes a session durably; idempotent. */
  revoke(sessionId: string, expiresAt: number): void {
    if (this.#revoked.has(sessionId)) return
    this.#issued.delete(sessionId)
    this.#revoked.set(sessionId, expiresAt)
    this.#append({ op: 'revoke', sid: sessionId, exp: expiresAt }, true)
  }

  isRevoked(sessionId: string): boolean {
    return this.#revoked.has(sessionId)
  }

  /** Sessions issued, not revoked, not expired. */
  liveCount(): number {
    this.prune()
    return this.#issued.size
  }

  /** Entries held in memory (live + revoked), for tests and status. */
  get size(): number {
    return this.#issued.size + this.#revoked.size
  }

  close(): void {
    if (this.#fd >= 0) closeSync(this.#fd)
    this.#fd = -1
  }
}

function parseLine(text: string): LedgerLine | undefined {
  try {
    const v: unknown = JSON.parse(text)
    if (typeof v !== 'object' || v === null) return undefined
    const { op, sid, exp } = v as Record<string, unknown>
    if ((op !== 'issue' && op !== 'revoke') || typeof sid !== 'string' || !SESSION_ID_RE.test(sid))
      return undefined
    if (typeof exp !== 'number' || !Number.isSafeInteger(exp)) return undefined
    return { op, sid, exp }
  } catch {
    return undefined
  }
}

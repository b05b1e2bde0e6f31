/**
 * @module apikeys/verifier
 * The daemon's view of the API keys: turns a presented key into a Principal, and tells the
 * session verifier whether the key a session was exchanged from is still live.
 *
 * Freshness: the key file is stat'ed at most once a second, on use, and re-read when it
 * changed, so a key created or revoked by `briefd apikey` in another process is honoured
 * within about a second of the next request (the promise is 3 s).
 *
 * Failing closed: if the file cannot be read (unsafe mode or owner, a symlink, broken JSON,
 * the state dir gone), EVERY API key is refused until it can be read again, including the
 * ones already loaded. The unreadable file may hold a revocation, and honouring a revoked key
 * is worse than refusing a good one for the minutes it takes to fix a file. One log line says
 * so when it starts, and one when it ends. A missing file means no key was ever created (or
 * all were deleted): nothing is accepted.
 *
 * Last used: kept in memory and written at most every `lastUsedFlushMs` (and on close), under
 * the key file's lock with a fresh read, so a flush never undoes a concurrent create or revoke.
 */
import { lstatSync, type Stats } from 'node:fs'
import type { Principal } from '../shared/principal.js'
import { constantTimeEqual } from '../shared/constant-time.js'
import { BriefdError, errnoCode } from '../shared/errors.js'
import { silentLogger, type Logger } from '../shared/log.js'
import { apiKeyId } from './format.js'
import { apiKeysPath, hashApiKey, readApiKeyFile, recordLastUsed } from './store.js'

/**
 * `expiresAt` of a key without expiry: 9999-12-31T23:59:59Z, in seconds. Far enough never to
 * matter, and still a valid Date, so `new Date(expiresAt * 1000).toISOString()` works and
 * `Math.min(sessionExpiry, expiresAt)` picks the session's own expiry.
 */
export const NO_EXPIRY_SECONDS = 253402300799

export const RELOAD_CHECK_MS = 1000
/** How often an unknown key id may trigger a look at the key file (each is one lstat pair). */
const UNKNOWN_ID_CHECK_MS = 50
export const LAST_USED_FLUSH_MS = 60_000

export interface ApiKeyVerifierOptions {
  stateDir: string
  logger?: Logger
  /** Milliseconds since the epoch; injectable so tests move time without sleeping. */
  now?: () => number
  /** At most one stat of the key file per this many ms. */
  reloadCheckMs?: number
  /** At most one last-used write per this many ms. */
  lastUsedFlushMs?: number
}

interface LoadedKey {
  hash: Buffer
  revoked: boolean
  expiresAtMs: number | undefined
  /** Built once per load, shared by every request with this key. */
  principal: Principal
}

/** Compared against when the id is unknown, so that case costs what a wrong secret costs. */
const NO_HASH = Buffer.alloc(32)

const invalid = (): BriefdError => new BriefdError('ERR_APIKEY_INVALID', 'the API key is not valid')

function loadKeys(stateDir: string): Map<string, LoadedKey> {
  const keys = new Map<string, LoadedKey>()
  for (const r of readApiKeyFile(stateDir).keys) {
    const expiresAtMs = r.expires_at === null ? undefined : Date.parse(r.expires_at)
    const principal: Principal = Object.freeze({
      kind: 'apikey' as const,
      subject: r.id,
      ...(r.tenant === null ? {} : { tenant: r.tenant }),
      scopes: new Set(r.scopes) as ReadonlySet<string>,
      expiresAt: expiresAtMs === undefined ? NO_EXPIRY_SECONDS : Math.floor(expiresAtMs / 1000),
      rateKey: `apikey:${r.id}`,
    })
    keys.set(r.id, {
      hash: Buffer.from(r.sha256, 'base64url'),
      revoked: r.revoked_at !== null,
      expiresAtMs,
      principal,
    })
  }
  return keys
}

export class ApiKeyVerifier {
  readonly #stateDir: string
  readonly #path: string
  readonly #log: Logger
  readonly #now: () => number
  readonly #reloadCheckMs: number
  readonly #flushMs: number
  #keys = new Map<string, LoadedKey>()
  #stamp = ''
  #checkedAt = Number.NEGATIVE_INFINITY
  /** Why the key file cannot be read; while set, every key is refused. */
  #unavailable: string | undefined
  #pending = new Map<string, number>()
  #timer: NodeJS.Timeout | undefined
  #closed = false

  /** Loads the key file; an unreadable one throws, so a daemon refuses to start on it. */
  constructor(options: ApiKeyVerifierOptions) {
    this.#stateDir = options.stateDir
    this.#path = apiKeysPath(options.stateDir)
    this.#log = options.logger ?? silentLogger
    this.#now = options.now ?? Date.now
    this.#reloadCheckMs = options.reloadCheckMs ?? RELOAD_CHECK_MS
    this.#flushMs = options.lastUsedFlushMs ?? LAST_USED_FLUSH_MS
    const stamp = this.#statStamp()
    this.#keys = loadKeys(this.#stateDir)
    this.#stamp = stamp
    this.#checkedAt = this.#now()
  }

  /**
   * What the file and its dir look like: a rename gives a new inode, an edit a new size or
   * mtime, a chmod or chown a new ctime; the dir's owner and mode count too, since an unsafe
   * dir makes the file unsafe to trust.
   */
  #statStamp(): string {
    const stamp = (path: string, fields: (st: Stats) => string): string => {
      try {
        return fields(lstatSync(path))
      } catch (err) {
        return `missing:${errnoCode(err) ?? ''}`
      }
    }
    return `${stamp(this.#stateDir, (st) => `${st.ino}:${st.uid}:${st.mode}`)}|${stamp(
      this.#path,
      (st) => `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`,
    )}`
  }

  /**
   * Re-reads the key file if it changed; at most one stat per `reloadCheckMs`. While the file
   * is unreadable it is retried at that pace, since fixing a directory's mode need not touch
   * the file.
   */
  refresh(now: number = this.#now(), force = false): void {
    if (now - this.#checkedAt < (force ? UNKNOWN_ID_CHECK_MS : this.#reloadCheckMs)) return
    this.#checkedAt = now
    // Stat before reading: a change landing after the read shows up at the next check.
    const stamp = this.#statStamp()
    if (stamp === this.#stamp && this.#unavailable === undefined) return
    try {
      this.#keys = loadKeys(this.#stateDir)
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err)
      if (reason !== this.#unavailable)
        this.#log.warn(`refusing every API key until the API key file can be read: ${reason}`)
      this.#unavailable = reason
      return
    }
    if (this.#unavailable !== undefined)
      this.#log.info(`API key file ${this.#path} is readable again; accepting API keys`)
    this.#unavailable = undefined
    this.#stamp = stamp
  }

  /**
   * The principal of a presented key. Throws ERR_APIKEY_INVALID (malformed, bad checksum,
   * unknown id or wrong secret, indistinguishably), ERR_APIKEY_REVOKED or ERR_APIKEY_EXPIRED
   * (only once the secret matched), or ERR_APIKEY_UNAVAILABLE while the key file is unreadable.
   */
  verify(bearer: string): Principal {
    const id = apiKeyId(bearer)
    if (id === undefined) throw invalid()
    const now = this.#now()
    this.refresh(now)
    if (this.#unavailable !== undefined)
      throw new BriefdError(
        'ERR_APIKEY_UNAVAILABLE',
        `API keys are refused until the API key file can be read: ${this.#unavailable}`,
      )
    // A key created a moment ago (`briefd apikey create`, then at once a request) should not
    // wait for the next periodic check: an unknown id looks again, at most every 50 ms.
    if (!this.#keys.has(id)) this.refresh(now, true)
    const key = this.#keys.get(id)
    // Constant time: a byte-by-byte compare would let a caller find a valid hash prefix.
    const match = constantTimeEqual(hashApiKey(bearer), key?.hash ?? NO_HASH)
    if (key === undefined || !match) throw invalid()
    if (key.revoked) throw new BriefdError('ERR_APIKEY_REVOKED', `API key ${id} is revoked`)
    if (key.expiresAtMs !== undefined && now >= key.expiresAtMs)
      throw new BriefdError('ERR_APIKEY_EXPIRED', `API key ${id} has expired`)
    this.#noteUse(id, now)
    return key.principal
  }

  /**
   * True while the key with this id may be used: known, not revoked, not expired, and the key
   * file readable. The session verifier asks this on every request of a session exchanged
   * from a key, so revoking the key ends its sessions too.
   */
  isLive(id: string): boolean {
    const now = this.#now()
    this.refresh(now)
    if (this.#unavailable !== undefined) return false
    const key = this.#keys.get(id)
    return (
      key !== undefined && !key.revoked && (key.expiresAtMs === undefined || now < key.expiresAtMs)
    )
  }

  /**
   * True unless the key is known and not revoked: a key deleted from the file, or any key
   * while the file is unreadable, counts as revoked. (Expiry is not revocation: see isLive.)
   */
  isRevoked(id: string): boolean {
    this.refresh()
    if (this.#unavailable !== undefined) return true
    const key = this.#keys.get(id)
    return key === undefined || key.revoked
  }

  /** How many keys are loaded (revoked ones included). */
  get size(): number {
    return this.#keys.size
  }

  #noteUse(id: string, now: number): void {
    this.#pending.set(id, now)
    this.#arm()
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#closed) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      void this.flush()
    }, this.#flushMs)
    // Pending last-used times never keep the process alive; close() writes them.
    this.#timer.unref()
  }

  /** Writes pending last-used times now. A failure is logged and the times kept for later. */
  async flush(): Promise<void> {
    if (this.#pending.size === 0) return
    const batch = this.#pending
    this.#pending = new Map()
    try {
      await recordLastUsed(this.#stateDir, batch)
    } catch (err) {
      this.#log.warn(
        `could not record when API keys were last used: ${err instanceof Error ? err.message : String(err)}`,
      )
      for (const [id, at] of batch) {
        if ((this.#pending.get(id) ?? 0) < at) this.#pending.set(id, at)
      }
      this.#arm()
    }
  }

  /** Stops the flush timer and writes what is pending. */
  async close(): Promise<void> {
    this.#closed = true
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    await this.flush()
  }
}

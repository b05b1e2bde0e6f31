/**
 * @module tokens/keyring
 * The HMAC signing keys, stored as one 0600 JSON file in the state dir. New tokens are signed
 * with the newest key; retired keys keep verifying until every token they signed has expired
 * (MAX_SESSION_TTL_SECONDS after retirement), then `briefd key rotate` drops them.
 */
import { randomBytes } from 'node:crypto'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { BriefdError, errnoCode } from '../shared/errors.js'
import { withFileLock } from '../shared/file-lock.js'
import { STATE_FILES } from '../shared/paths.js'
import {
  createSecretFileExclusive,
  readSecretFile,
  writeSecretFileAtomic,
} from '../shared/secure-fs.js'
import { MAX_SESSION_TTL_SECONDS } from './constants.js'

export interface StoredKey {
  kid: string
  /** 256 random bits, base64url. */
  secret: string
  created_at: string
  retired_at: string | null
}

export interface KeyringFile {
  version: 1
  keys: StoredKey[]
}

export interface SigningKey {
  kid: string
  key: Uint8Array
}

const MAX_KEYRING_BYTES = 64 * 1024
const KID_RE = /^k-[0-9a-f]{16}$/

function newKey(now: Date): StoredKey {
  return {
    kid: `k-${randomBytes(8).toString('hex')}`,
    secret: randomBytes(32).toString('base64url'),
    created_at: now.toISOString(),
    retired_at: null,
  }
}

function parseKeyring(path: string, raw: Buffer): KeyringFile {
  const bad = (why: string): BriefdError =>
    new BriefdError('ERR_FILE_INVALID', `signing key file ${path} is invalid: ${why}`)
  let doc: unknown
  try {
    doc = JSON.parse(raw.toString('utf8'))
  } catch (err) {
    throw new BriefdError('ERR_FILE_INVALID', `signing key file ${path} is not valid JSON`, {
      cause: err,
    })
  }
  if (typeof doc !== 'object' || doc === null || (doc as { version?: unknown }).version !== 1)
    throw bad('expected version 1')
  const keys = (doc as { keys?: unknown }).keys
  if (!Array.isArray(keys) || keys.length === 0) throw bad('no keys')
  const out: StoredKey[] = []
  for (const k of keys as unknown[]) {
    if (typeof k !== 'object' || k === null) throw bad('a key entry is not an object')
    const { kid, secret, created_at, retired_at } = k as Record<string, unknown>
    if (typeof kid !== 'string' || !KID_RE.test(kid)) throw bad('a key has a malformed kid')
    if (typeof secret !== 'string' || Buffer.from(secret, 'base64url').length !== 32)
      throw bad(`key ${kid} is not 256 bits`)
    if (typeof created_at !== 'string') throw bad(`key ${kid} lacks created_at`)
    if (retired_at !== null && typeof retired_at !== 'string')
      throw bad(`key ${kid} has a malformed retired_at`)
    out.push({ kid, secret, created_at, retired_at })
  }
  if (out.filter((k) => k.retired_at === null).length !== 1)
    throw bad('exactly one key must be current')
  return { version: 1, keys: out }
}

/** Reads the keyring, creating it with one fresh key on first start (race-safe). */
export function loadOrCreateKeyringFile(stateDir: string, now: Date = new Date()): KeyringFile {
  const path = join(stateDir, STATE_FILES.keyring)
  try {
    return parseKeyring(
      path,
      readSecretFile(path, { label: 'signing key file', maxBytes: MAX_KEYRING_BYTES }),
    )
  } catch (err) {
    if (!(err instanceof BriefdError && err.code === 'ERR_FILE_NOT_FOUND')) throw err
  }
  const fresh: KeyringFile = { version: 1, keys: [newKey(now)] }
  createSecretFileExclusive(path, `${JSON.stringify(fresh, null, 2)}\n`)
  // Whoever won the race, the file on disk is now the truth.
  return parseKeyring(
    path,
    readSecretFile(path, { label: 'signing key file', maxBytes: MAX_KEYRING_BYTES }),
  )
}

export interface RotateResult {
  newKid: string
  retiredKid: string
  droppedKids: string[]
}

/**
 * Starts signing with a new key. The old current key is retired but kept, so tokens it
 * signed stay valid until they expire; keys retired longer than the maximum token lifetime
 * can no longer have valid tokens and are dropped.
 *
 * The read-modify-write runs under the keyring lock: two rotations at once would otherwise
 * both read the same keyring and the later rename would drop the key the other one added,
 * invalidating every token it signed. This is the only code that replaces the file; the
 * daemon only reads it, and creates it (first start, or restoring a deleted state dir) with
 * an exclusive create that never replaces an existing file, so it needs no lock.
 */
export async function rotateKeyring(
  stateDir: string,
  now: () => Date = () => new Date(),
): Promise<RotateResult> {
  const path = join(stateDir, STATE_FILES.keyring)
  return withFileLock(
    join(stateDir, STATE_FILES.keyringLock),
    () => rotateLocked(stateDir, path, now()),
    { label: `signing key file ${path}` },
  )
}

function rotateLocked(stateDir: string, path: string, now: Date): RotateResult {
  const ring = loadOrCreateKeyringFile(stateDir, now)
  const current = ring.keys.find((k) => k.retired_at === null)
  if (!current)
    throw new BriefdError('ERR_FILE_INVALID', `signing key file ${path} has no current key`)
  current.retired_at = now.toISOString()
  const cutoff = now.getTime() - MAX_SESSION_TTL_SECONDS * 1000
  const kept = ring.keys.filter((k) => k.retired_at === null || Date.parse(k.retired_at) > cutoff)
  const dropped = ring.keys.filter((k) => !kept.includes(k)).map((k) => k.kid)
  const fresh = newKey(now)
  writeSecretFileAtomic(
    path,
    `${JSON.stringify({ version: 1, keys: [fresh, ...kept] }, null, 2)}\n`,
  )
  return { newKid: fresh.kid, retiredKid: current.kid, droppedKids: dropped }
}

/**
 * The daemon's live view of the keyring. It re-reads the file when it changes on disk (after
 * `briefd key rotate`), checked when a token is issued and when a token names an unknown kid.
 */
export class Keyring {
  readonly #path: string
  readonly #stateDir: string
  #current!: SigningKey
  #byKid = new Map<string, SigningKey>()
  #stamp = ''
  /** The file as last loaded, to restore it if the state dir is removed under us. */
  #file!: KeyringFile

  constructor(stateDir: string) {
    this.#stateDir = stateDir
    this.#path = join(stateDir, STATE_FILES.keyring)
    this.#load(loadOrCreateKeyringFile(stateDir))
  }

  #load(ring: KeyringFile): void {
    const byKid = new Map<string, SigningKey>()
    let current: SigningKey | undefined
    for (const k of ring.keys) {
      const key: SigningKey = {
        kid: k.kid,
        key: new Uint8Array(Buffer.from(k.secret, 'base64url')),
      }
      byKid.set(k.kid, key)
      if (k.retired_at === null) current = key
    }
    if (!current)
      throw new BriefdError('ERR_FILE_INVALID', `signing key file ${this.#path} has no current key`)
    this.#byKid = byKid
    this.#current = current
    this.#file = ring
    this.#stamp = this.#statStamp()
  }

  #statStamp(): string {
    try {
      const st = statSync(this.#path)
      return `${st.ino}:${st.size}:${st.mtimeMs}`
    } catch (err) {
      return `missing:${errnoCode(err) ?? ''}`
    }
  }

  /**
   * Reloads if the file changed. A broken file throws and the keys we have stay loaded. A
   * missing file is restored from memory rather than replaced by a fresh key, which would
   * invalidate every session the moment someone deleted the state dir.
   */
  refresh(): boolean {
    const stamp = this.#statStamp()
    if (stamp === this.#stamp) return false
    if (stamp.startsWith('missing:')) {
      this.restoreFile()
      return false
    }
    this.#load(loadOrCreateKeyringFile(this.#stateDir))
    return true
  }

  /** Writes the keys we hold back to disk if the file is gone (never overwrites one). */
  restoreFile(): void {
    createSecretFileExclusive(this.#path, `${JSON.stringify(this.#file, null, 2)}\n`)
    this.#stamp = this.#statStamp()
  }

  current(): SigningKey {
    return this.#current
  }

  get(kid: string): SigningKey | undefined {
    return this.#byKid.get(kid)
  }

  get size(): number {
    return this.#byKid.size
  }
}

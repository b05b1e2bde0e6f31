/**
 * @module apikeys/store
 * The API keys of a state dir: one 0600 JSON file, `apikeys.json`, holding a hash of each
 * key and never the key itself, so a copy of the file (a backup, a support bundle) lets no
 * one in. SHA-256 suffices: the keys carry 256 random bits, so there is nothing to brute
 * force and no need for a slow password hash, which would cost every request.
 *
 * Revoked keys stay in the file, marked, so revocation survives restarts and `list` still
 * shows them. Every change (create, revoke, the daemon's last-used flush) is a
 * read-modify-write under `apikeys.lock`: without it, two `briefd apikey create` at once would
 * each write back the file they read and one key would vanish, or a daemon's flush would
 * write back a file read before a revocation and undo it.
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { BriefdError } from '../shared/errors.js'
import { withFileLock } from '../shared/file-lock.js'
import { ensurePrivateDir, readSecretFile, writeSecretFileAtomic } from '../shared/secure-fs.js'
import { TEMPLATE_NAME_RE } from '../shared/template-name.js'
import { checkKeyName, checkTenant, parseScopes, SCOPE_RE } from './fields.js'
import { API_KEY_ID_RE, generateApiKey } from './format.js'

export const API_KEYS_FILE = 'apikeys.json'
export const API_KEYS_LOCK = 'apikeys.lock'
/** Room for thousands of keys; a bigger file is refused rather than read into memory. */
export const MAX_API_KEYS_BYTES = 4 * 1024 * 1024
const HASH_RE = /^[A-Za-z0-9_-]{43}$/

/** One stored key, as in the file. Times are ISO 8601 strings; `null` means none. */
export interface ApiKeyRecord {
  id: string
  name: string
  scopes: string[]
  tenant: string | null
  created_at: string
  expires_at: string | null
  last_used_at: string | null
  revoked_at: string | null
  /** SHA-256 of the whole key, base64url. */
  sha256: string
}

export interface ApiKeyFile {
  version: 1
  keys: ApiKeyRecord[]
}

export const apiKeysPath = (stateDir: string): string => join(stateDir, API_KEYS_FILE)

/** SHA-256 of the whole key string (stored base64url); hashing all of it binds the id too. */
export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest()
}

const isIsoTime = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v))
const isOptionalIsoTime = (v: unknown): v is string | null => v === null || isIsoTime(v)

function parseRecord(v: unknown, bad: (why: string) => BriefdError): ApiKeyRecord {
  if (typeof v !== 'object' || v === null) throw bad('a key entry is not an object')
  const r = v as Record<string, unknown>
  const id = r.id
  if (typeof id !== 'string' || !API_KEY_ID_RE.test(id)) throw bad('a key has a malformed id')
  const field = (name: string): BriefdError => bad(`key ${id} has a malformed ${name}`)
  if (typeof r.name !== 'string') throw field('name')
  if (
    !Array.isArray(r.scopes) ||
    !r.scopes.every((s): s is string => typeof s === 'string' && SCOPE_RE.test(s))
  )
    throw field('scopes')
  if (r.tenant !== null && (typeof r.tenant !== 'string' || !TEMPLATE_NAME_RE.test(r.tenant)))
    throw field('tenant')
  if (!isIsoTime(r.created_at)) throw field('created_at')
  if (!isOptionalIsoTime(r.expires_at)) throw field('expires_at')
  if (!isOptionalIsoTime(r.last_used_at)) throw field('last_used_at')
  if (!isOptionalIsoTime(r.revoked_at)) throw field('revoked_at')
  if (typeof r.sha256 !== 'string' || !HASH_RE.test(r.sha256)) throw field('sha256')
  return {
    id,
    name: r.name,
    scopes: r.scopes,
    tenant: r.tenant,
    created_at: r.created_at,
    expires_at: r.expires_at,
    last_used_at: r.last_used_at,
    revoked_at: r.revoked_at,
    sha256: r.sha256,
  }
}

/** Parses the key file; every problem names the file and, where it can, the key. */
export function parseApiKeyFile(path: string, raw: Buffer): ApiKeyFile {
  const bad = (why: string): BriefdError =>
    new BriefdError('ERR_FILE_INVALID', `API key file ${path} is invalid: ${why}`)
  let doc: unknown
  try {
    doc = JSON.parse(raw.toString('utf8'))
  } catch (err) {
    throw new BriefdError('ERR_FILE_INVALID', `API key file ${path} is not valid JSON`, {
      cause: err,
    })
  }
  if (typeof doc !== 'object' || doc === null || (doc as { version?: unknown }).version !== 1)
    throw bad('expected version 1')
  const keys = (doc as { keys?: unknown }).keys
  if (!Array.isArray(keys)) throw bad('keys is not a list')
  const out = keys.map((k: unknown) => parseRecord(k, bad))
  const ids = new Set<string>()
  for (const k of out) {
    if (ids.has(k.id)) throw bad(`key ${k.id} appears twice`)
    ids.add(k.id)
  }
  return { version: 1, keys: out }
}

/**
 * Reads the key file of `stateDir` with the safe-file checks (our 0700 dir, our 0600 regular
 * file, no symlink). A missing file is an empty one: no key was ever created.
 */
export function readApiKeyFile(stateDir: string): ApiKeyFile {
  ensurePrivateDir(stateDir, { label: 'state dir', create: false })
  const path = apiKeysPath(stateDir)
  let raw: Buffer
  try {
    raw = readSecretFile(path, { label: 'API key file', maxBytes: MAX_API_KEYS_BYTES })
  } catch (err) {
    if (err instanceof BriefdError && err.code === 'ERR_FILE_NOT_FOUND')
      return { version: 1, keys: [] }
    throw err
  }
  return parseApiKeyFile(path, raw)
}

/**
 * Runs `change` on the key file under its lock and writes the result back; returns what
 * `change` returned. `change` returns `write: false` when there is nothing to write.
 */
export async function updateApiKeyFile<T>(
  stateDir: string,
  change: (file: ApiKeyFile) => { result: T; write: boolean },
): Promise<T> {
  const path = apiKeysPath(stateDir)
  return withFileLock(
    join(stateDir, API_KEYS_LOCK),
    () => {
      const file = readApiKeyFile(stateDir)
      const { result, write } = change(file)
      if (write) writeSecretFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`)
      return result
    },
    { label: `API key file ${path}` },
  )
}

export interface CreateApiKeyOptions {
  name: string
  scopes: readonly string[]
  tenant?: string
  /** Lifetime from now; none means the key lives until revoked. */
  ttlSeconds?: number
  now?: Date
}

export interface CreatedApiKey {
  /** The key itself: show it once, never store or log it. */
  key: string
  record: ApiKeyRecord
}

/** Creates a key, stores its hash, and returns the key (the only time it exists in full). */
export async function createApiKey(
  stateDir: string,
  options: CreateApiKeyOptions,
): Promise<CreatedApiKey> {
  const name = checkKeyName(options.name)
  const scopes = parseScopes(options.scopes)
  const tenant = options.tenant === undefined ? null : checkTenant(options.tenant)
  const now = options.now ?? new Date()
  ensurePrivateDir(stateDir, { label: 'state dir' })
  return updateApiKeyFile(stateDir, (file) => {
    let made = generateApiKey()
    // 64 random bits make a clash all but impossible; never let one shadow an existing key.
    while (file.keys.some((k) => k.id === made.id)) made = generateApiKey()
    const record: ApiKeyRecord = {
      id: made.id,
      name,
      scopes,
      tenant,
      created_at: now.toISOString(),
      expires_at:
        options.ttlSeconds === undefined
          ? null
          : new Date(now.getTime() + options.ttlSeconds * 1000).toISOString(),
      last_used_at: null,
      revoked_at: null,
      sha256: hashApiKey(made.key).toString('base64url'),
    }
    file.keys.push(record)
    return { result: { key: made.key, record }, write: true }
  })
}

export interface RevokeResult {
  record: ApiKeyRecord
  /** True when the key had been revoked before (the file is left as it was). */
  alreadyRevoked: boolean
}

/** Marks a key revoked; throws ERR_APIKEY_NOT_FOUND for an id the file does not hold. */
export async function revokeApiKey(
  stateDir: string,
  id: string,
  now: Date = new Date(),
): Promise<RevokeResult> {
  const path = apiKeysPath(stateDir)
  const notFound = (): BriefdError =>
    new BriefdError('ERR_APIKEY_NOT_FOUND', `no API key with id ${id} in ${path}`)
  if (!API_KEY_ID_RE.test(id))
    throw new BriefdError(
      'ERR_APIKEY_NOT_FOUND',
      `${JSON.stringify(id.slice(0, 40))} is not an API key id (16 hex characters, as \`briefd apikey list\` shows)`,
    )
  ensurePrivateDir(stateDir, { label: 'state dir', create: false })
  return updateApiKeyFile<RevokeResult>(stateDir, (file) => {
    const record = file.keys.find((k) => k.id === id)
    if (!record) throw notFound()
    if (record.revoked_at !== null)
      return { result: { record, alreadyRevoked: true }, write: false }
    record.revoked_at = now.toISOString()
    return { result: { record, alreadyRevoked: false }, write: true }
  })
}

/**
 * Writes last-used times (ms since the epoch, by id) into the file, keeping the later of the
 * stored and the given time. Ids no longer in the file are skipped; nothing else changes, and
 * the file is left untouched when no time moved (or when there is no file: the daemon never
 * creates it).
 */
export async function recordLastUsed(
  stateDir: string,
  used: ReadonlyMap<string, number>,
): Promise<void> {
  await updateApiKeyFile(stateDir, (file) => {
    let changed = false
    for (const k of file.keys) {
      const at = used.get(k.id)
      if (at === undefined) continue
      if (k.last_used_at !== null && Date.parse(k.last_used_at) >= at) continue
      k.last_used_at = new Date(at).toISOString()
      changed = true
    }
    return { result: undefined, write: changed }
  })
}

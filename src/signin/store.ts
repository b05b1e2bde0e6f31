/**
 * @module signin/store
 * The credential store: one user-only file per hosted daemon (keyed by its resource URL),
 * holding the refresh token, the cached access token, the briefd session token `briefd
 * headers` reuses, and what discovery found, so later commands need no discovery round trips.
 * The directory is 0700 and ours, each file 0600 and ours, written atomically (temp file +
 * rename) and never opened through a symlink: shared/secure-fs does all of that and refuses
 * a file with an open mode or another owner. An update (refresh-token rotation) runs under a
 * lock file, so two processes refreshing at once cannot both spend the same refresh token
 * (an authorization server that detects the reuse revokes the whole sign-in).
 */
import { createHash } from 'node:crypto'
import { homedir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { BriefdError, errnoCode, isBriefdError } from '../shared/errors.js'
import { withFileLock } from '../shared/file-lock.js'
import type { Env } from '../shared/paths.js'
import {
  ensurePrivateDir,
  readSecretFile,
  removeFileIfExists,
  writeSecretFileAtomic,
} from '../shared/secure-fs.js'
import type { AuthServerMetadata } from './discovery.js'

const MAX_CREDENTIAL_BYTES = 64 * 1024

/** How the user signed in. */
export type SigninKind = 'user' | 'client_credentials' | 'api_key'

export interface CachedSession {
  token: string
  session_id: string
  expires_at: string
  scopes?: string[]
}

export interface StoredSignin {
  version: 1
  kind: SigninKind
  /** The daemon's URL as the user gave it. */
  remote: string
  /** The resource the daemon's metadata names (RFC 8707 `resource`). */
  resource: string
  scopes: string[]
  auth_server?: AuthServerMetadata
  client_id?: string
  /** Client credentials: the secret stays in the user's own file; only its path is kept. */
  client_secret_file?: string
  /** API key sign-in: the path of the key file (read, and checked, at each use). */
  api_key_file?: string
  refresh_token?: string
  access_token?: string
  /** Epoch ms. */
  access_expires_at?: number
  subject?: string
  tenant?: string
  session?: CachedSession
  updated_at: string
}

/** `BRIEFD_CONFIG_DIR`, else `$XDG_CONFIG_HOME/briefd`, else `~/.config/briefd`; then `credentials`. */
export function credentialsDir(env: Env = process.env): string {
  const explicit = env.BRIEFD_CONFIG_DIR
  if (explicit !== undefined && explicit !== '') return join(explicit, 'credentials')
  const xdg = env.XDG_CONFIG_HOME
  const base =
    xdg !== undefined && xdg !== '' && isAbsolute(xdg)
      ? xdg
      : join(env.HOME || homedir(), '.config')
  return join(base, 'briefd', 'credentials')
}

/** The canonical key of a remote: its URL without one trailing slash. */
export function remoteKey(remote: URL | string): string {
  const href = typeof remote === 'string' ? remote : remote.href
  return href.endsWith('/') ? href.slice(0, -1) : href
}

export function credentialPath(remote: URL | string, env: Env = process.env): string {
  const digest = createHash('sha256').update(remoteKey(remote)).digest('hex').slice(0, 32)
  return join(credentialsDir(env), `${digest}.json`)
}

function invalid(path: string, why: string): BriefdError {
  return new BriefdError('ERR_FILE_INVALID', `credential file ${path} is invalid: ${why}`)
}

/** The stored sign-in for a remote, or undefined when there is none. Refuses unsafe files. */
export function readSignin(remote: URL | string, env: Env = process.env): StoredSignin | undefined {
  const dir = credentialsDir(env)
  try {
    ensurePrivateDir(dir, { label: 'credentials dir', create: false })
  } catch (err) {
    if (isBriefdError(err, 'ERR_DIR_UNSAFE') && errnoCode(err.cause) === 'ENOENT') return undefined
    throw err
  }
  const path = credentialPath(remote, env)
  let raw: string
  try {
    raw = readSecretFile(path, {
      label: 'credential file',
      maxBytes: MAX_CREDENTIAL_BYTES,
    }).toString('utf8')
  } catch (err) {
    if (isBriefdError(err, 'ERR_FILE_NOT_FOUND')) return undefined
    throw err
  }
  let v: unknown
  try {
    v = JSON.parse(raw)
  } catch {
    throw invalid(path, 'not JSON')
  }
  if (typeof v !== 'object' || v === null) throw invalid(path, 'not an object')
  const s = v as Partial<StoredSignin>
  if (s.version !== 1 || typeof s.resource !== 'string' || typeof s.remote !== 'string')
    throw invalid(path, 'missing version, remote or resource')
  if (remoteKey(s.remote) !== remoteKey(remote)) throw invalid(path, 'it belongs to another remote')
  if (!Array.isArray(s.scopes)) throw invalid(path, 'scopes is not a list')
  return s as StoredSignin
}

/** Like readSignin, but a missing sign-in is an error naming the fix. */
export function requireSignin(remote: URL | string, env: Env = process.env): StoredSignin {
  let found: StoredSignin | undefined
  try {
    found = readSignin(remote, env)
  } catch (err) {
    if (isBriefdError(err, 'ERR_DIR_UNSAFE') && /does not exist/.test(err.message))
      found = undefined
    else throw err
  }
  if (!found)
    throw new BriefdError(
      'ERR_SIGNIN_REQUIRED',
      `not signed in to ${remoteKey(remote)} (run: briefd login ${remoteKey(remote)})`,
    )
  return found
}

export function writeSignin(signin: StoredSignin, env: Env = process.env): string {
  const dir = credentialsDir(env)
  ensurePrivateDir(dir, { label: 'credentials dir' })
  const path = credentialPath(signin.remote, env)
  const record: StoredSignin = { ...signin, updated_at: new Date().toISOString() }
  writeSecretFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`)
  return path
}

/** Deletes the stored sign-in; false when there was none. */
export function deleteSignin(remote: URL | string, env: Env = process.env): boolean {
  return removeFileIfExists(credentialPath(remote, env))
}

/**
 * Read-modify-write of one remote's sign-in under its lock file: `update` sees the freshest
 * record (another process may have rotated the refresh token meanwhile) and returns what to
 * store, or undefined to leave it as it is.
 */
export async function updateSignin<T>(
  remote: URL | string,
  update: (current: StoredSignin) => Promise<{ store?: StoredSignin; result: T }>,
  env: Env = process.env,
  timeoutMs?: number,
): Promise<T> {
  const dir = credentialsDir(env)
  ensurePrivateDir(dir, { label: 'credentials dir' })
  const lock = `${credentialPath(remote, env)}.lock`
  return withFileLock(
    lock,
    async () => {
      const current = requireSignin(remote, env)
      const { store, result } = await update(current)
      if (store) writeSignin(store, env)
      return result
    },
    { label: 'credential file', ...(timeoutMs === undefined ? {} : { timeoutMs }) },
  )
}

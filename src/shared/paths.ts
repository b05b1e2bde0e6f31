/**
 * @module paths
 * Where briefd keeps its files. The state dir (daemon: keys, bootstrap credential, session
 * ledger, audit log) persists; the runtime dir (token files) is per-login and per-user.
 */
import { homedir, tmpdir } from 'node:os'
import { isAbsolute, join } from 'node:path'

export type Env = Readonly<Record<string, string | undefined>>

/** File names inside the state dir. */
export const STATE_FILES = {
  keyring: 'signing-keys.json',
  /** Held by `briefd key rotate` while it rewrites the keyring (shared/file-lock.ts). */
  keyringLock: 'signing-keys.lock',
  bootstrap: 'bootstrap.token',
  ledger: 'sessions.jsonl',
  audit: 'audit.log',
  daemon: 'daemon.json',
  /** The daemon's Unix socket: the local transport, reachable only through the 0700 state dir. */
  socket: 'daemon.sock',
  lock: 'daemon.lock',
  log: 'daemon.log',
  /** `briefd sessions revoke --subject`: subject → sessions issued up to then are revoked. */
  revokedSubjects: 'revoked-subjects.json',
  revokedSubjectsLock: 'revoked-subjects.lock',
} as const

/** XDG says relative paths in XDG_* variables are invalid and must be ignored. */
function xdg(env: Env, name: string): string | undefined {
  const v = env[name]
  return v !== undefined && v !== '' && isAbsolute(v) ? v : undefined
}

/** `BRIEFD_STATE_DIR`, else `$XDG_STATE_HOME/briefd`, else `~/.local/state/briefd`. */
export function defaultStateDir(env: Env = process.env): string {
  const explicit = env.BRIEFD_STATE_DIR
  if (explicit !== undefined && explicit !== '') return explicit
  const base = xdg(env, 'XDG_STATE_HOME') ?? join(env.HOME || homedir(), '.local', 'state')
  return join(base, 'briefd')
}

/** `BRIEFD_RUNTIME_DIR`, else `$XDG_RUNTIME_DIR/briefd`, else `<tmpdir>/briefd-<uid>`. */
export function defaultRuntimeDir(env: Env = process.env): string {
  const explicit = env.BRIEFD_RUNTIME_DIR
  if (explicit !== undefined && explicit !== '') return explicit
  const runtime = xdg(env, 'XDG_RUNTIME_DIR')
  if (runtime !== undefined) return join(runtime, 'briefd')
  const uid = typeof process.geteuid === 'function' ? process.geteuid() : 0
  return join(tmpdir(), `briefd-${uid}`)
}

/**
 * @module shared/state-files
 * Reading the two state-dir files that local clients (hooks, `briefd token`, doctor) need:
 * `daemon.json` (where the daemon listens) and the bootstrap credential. Both are 0600 and
 * read with the safe-file checks; the credential never appears in an error.
 */
import { join } from 'node:path'
import { BriefdError } from './errors.js'
import { STATE_FILES } from './paths.js'
import { readSecretFile } from './secure-fs.js'

/** What `daemon.json` says about a running daemon. */
export interface DaemonInfo {
  pid: number
  url: string
  host: string
  port: number
  started_at: string
  content_dir: string
  /** The daemon's Unix socket (absent: an older daemon, or one serving TCP only). */
  socket?: string
}

export const BOOTSTRAP_RE = /^briefd_bs_[A-Za-z0-9_-]{43}$/

/** Path of the bootstrap credential in a state dir. */
export function bootstrapPath(stateDir: string): string {
  return join(stateDir, STATE_FILES.bootstrap)
}

/** Reads the bootstrap credential; never includes it in an error. */
export function readBootstrapCredential(stateDir: string): string {
  const path = bootstrapPath(stateDir)
  const value = readSecretFile(path, { label: 'bootstrap credential', maxBytes: 256 })
    .toString('utf8')
    .trim()
  if (!BOOTSTRAP_RE.test(value)) {
    throw new BriefdError(
      'ERR_FILE_INVALID',
      `bootstrap credential ${path} is malformed (delete it and restart the daemon to make a new one)`,
    )
  }
  return value
}

/** Reads `daemon.json`; undefined when there is none. Throws for an unsafe file. */
export function readDaemonInfo(stateDir: string): DaemonInfo | undefined {
  const path = join(stateDir, STATE_FILES.daemon)
  let raw: string
  try {
    raw = readSecretFile(path, { label: 'daemon info', maxBytes: 64 * 1024 }).toString('utf8')
  } catch (err) {
    if (err instanceof BriefdError && err.code === 'ERR_FILE_NOT_FOUND') return undefined
    throw err
  }
  let v: unknown
  try {
    v = JSON.parse(raw)
  } catch {
    return undefined
  }
  if (typeof v !== 'object' || v === null) return undefined
  const i = v as Record<string, unknown>
  if (
    typeof i.pid !== 'number' ||
    typeof i.url !== 'string' ||
    typeof i.port !== 'number' ||
    typeof i.host !== 'string'
  )
    return undefined
  return {
    pid: i.pid,
    url: i.url,
    host: i.host,
    port: i.port,
    started_at: typeof i.started_at === 'string' ? i.started_at : '',
    content_dir: typeof i.content_dir === 'string' ? i.content_dir : '',
    ...(typeof i.socket === 'string' ? { socket: i.socket } : {}),
  }
}

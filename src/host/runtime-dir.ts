/**
 * @module host/runtime-dir
 * The per-user runtime dir that holds token files: `BRIEFD_RUNTIME_DIR`, else
 * `$XDG_RUNTIME_DIR/briefd`, else `<os tmpdir>/briefd-<uid>`. Threat: in a shared /tmp
 * another user can pre-create `briefd-<uid>` (or a symlink by that name) to read or swap our
 * tokens, so the dir must be a real directory, owned by us, mode 0700, or it is refused.
 */
import { lstatSync } from 'node:fs'
import { resolve } from 'node:path'
import { errnoCode } from '../shared/errors.js'
import { defaultRuntimeDir, type Env } from '../shared/paths.js'
import { ensurePrivateDir } from '../shared/secure-fs.js'

const LABEL = 'runtime dir'

/** Where the runtime dir is (absolute); creates and checks nothing. */
export function resolveRuntimeDir(env: Env = process.env): string {
  return resolve(defaultRuntimeDir(env))
}

/** Creates the runtime dir if needed and checks it; returns its path. Throws ERR_DIR_UNSAFE. */
export function ensureRuntimeDir(env: Env = process.env): string {
  const dir = resolveRuntimeDir(env)
  ensurePrivateDir(dir, { label: LABEL })
  return dir
}

/**
 * Checks an existing runtime dir without creating anything. Returns false when it does not
 * exist (yet: the SessionStart hook may not have run); throws ERR_DIR_UNSAFE when it exists
 * but is not ours alone.
 */
export function checkRuntimeDir(dir: string): boolean {
  try {
    lstatSync(dir)
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false
    // anything else (EACCES, ENOTDIR, …) is reported by the full check below
  }
  ensurePrivateDir(dir, { label: LABEL, create: false })
  return true
}

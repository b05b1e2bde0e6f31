/**
 * @module plugin/output
 * Writes a plugin's files into the output dir without following a symlink planted there:
 * the dir itself and every dir below it must be real directories (lstat), and each file is
 * written to a fresh temp file (O_EXCL|O_NOFOLLOW) then renamed over its name, which
 * replaces a symlink standing there instead of writing through it. A non-empty dir is
 * written into only when it is a previous build, or with --force.
 */
import {
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
} from 'node:fs'
import { join } from 'node:path'
import { BriefdError, errnoCode } from '../shared/errors.js'
import { writeFileAtomic } from '../shared/secure-fs.js'
import { RUNTIME_HEADER, RUNTIME_PATH, type PluginFile } from './layout.js'

const { O_NOFOLLOW, O_RDONLY } = constants

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path)
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined
    throw err
  }
}

/** True when `dir` holds a runtime file this command wrote (its first line says so). */
function isPreviousBuild(dir: string): boolean {
  const path = join(dir, ...RUNTIME_PATH.split('/'))
  let fd: number
  try {
    fd = openSync(path, O_RDONLY | O_NOFOLLOW)
  } catch {
    return false
  }
  try {
    const buf = Buffer.alloc(RUNTIME_HEADER.length)
    return readSync(fd, buf, 0, buf.length, 0) === buf.length && buf.toString() === RUNTIME_HEADER
  } finally {
    closeSync(fd)
  }
}

/** Makes sure `out` is a real directory we may write into; creates it (and its parents) if missing. */
export function prepareOutDir(out: string, force: boolean): void {
  const st = lstatOrUndefined(out)
  if (st === undefined) {
    mkdirSync(out, { recursive: true, mode: 0o755 })
    if (!lstatSync(out).isDirectory())
      throw new BriefdError('ERR_PLUGIN_UNSAFE', `--out ${out} changed while it was created`)
    return
  }
  if (st.isSymbolicLink())
    throw new BriefdError(
      'ERR_PLUGIN_UNSAFE',
      `--out ${out} is a symbolic link; give the real directory`,
    )
  if (!st.isDirectory())
    throw new BriefdError('ERR_PLUGIN_UNSAFE', `--out ${out} exists and is not a directory`)
  if (readdirSync(out).length > 0 && !isPreviousBuild(out) && !force)
    throw new BriefdError(
      'ERR_PLUGIN_UNSAFE',
      `--out ${out} is not empty and is not a previous plugin build; choose an empty dir, or add --force to write into it`,
    )
}

function ensureRealDir(path: string): void {
  const st = lstatOrUndefined(path)
  if (st === undefined) {
    mkdirSync(path, { mode: 0o755 })
    return
  }
  if (!st.isDirectory() || st.isSymbolicLink())
    throw new BriefdError(
      'ERR_PLUGIN_UNSAFE',
      `${path} is not a real directory (a symbolic link or a file); remove it and build again`,
    )
}

function writeFile(path: string, data: string | Uint8Array, mode: number): void {
  const st = lstatOrUndefined(path)
  if (st?.isDirectory())
    throw new BriefdError('ERR_PLUGIN_UNSAFE', `${path} is a directory; remove it and build again`)
  writeFileAtomic(path, data, mode)
}

/** Writes `files` below `out` (already prepared). */
export function writePluginFiles(out: string, files: readonly PluginFile[]): void {
  for (const f of files) {
    const parts = f.path.split('/')
    let dir = out
    for (const part of parts.slice(0, -1)) {
      dir = join(dir, part)
      ensureRealDir(dir)
    }
    writeFile(join(dir, parts[parts.length - 1] ?? ''), f.data, f.mode)
  }
}

/**
 * @module content/files
 * Reads one file of the content dir, refusing anything that resolves outside it (a symlink
 * pointing elsewhere would otherwise turn the daemon into a file server for the whole disk).
 */
import { readFileSync, realpathSync, statSync } from 'node:fs'
import { join, sep } from 'node:path'
import { BriefdError, errnoCode } from '../shared/errors.js'

export interface ContentFile {
  text: string
  /** Identity of the bytes read: changes whenever the file is replaced or edited. */
  stamp: string
  /** Last modification (ms since the epoch, wall clock). */
  mtimeMs: number
}

/** Largest content file served; content is prose, not media. */
export const MAX_CONTENT_FILE_BYTES = 1024 * 1024

function stampOf(st: { ino: number; size: number; mtimeMs: number; ctimeMs: number }): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`
}

/** Cheap identity check: the stamp a file would have now, or `missing`. */
export function statContentFile(root: string, rel: string): string {
  try {
    return stampOf(statSync(join(root, rel)))
  } catch {
    return 'missing'
  }
}

/**
 * Reads `rel` under `root`; undefined when it does not exist. A file that changes while it
 * is read (an editor writing in place) is read again, so a half-written file is not served
 * as if it were complete.
 */
export function readContentFile(root: string, rel: string): ContentFile | undefined {
  let realRoot: string
  let real: string
  try {
    realRoot = realpathSync(root)
    real = realpathSync(join(root, rel))
  } catch (err) {
    const code = errnoCode(err)
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw new BriefdError('ERR_CONTENT_UNSAFE', `content file ${join(root, rel)} cannot be resolved (${code ?? String(err)})`, { cause: err })
  }
  if (!real.startsWith(realRoot + sep)) {
    throw new BriefdError('ERR_CONTENT_UNSAFE', `content file ${join(root, rel)} resolves outside the content dir; refusing to serve it`)
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    let before
    try {
      before = statSync(real)
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined
      throw err
    }
    if (!before.isFile()) return undefined
    if (before.size > MAX_CONTENT_FILE_BYTES) {
      throw new BriefdError('ERR_CONTENT_TOO_LARGE', `content file ${join(root, rel)} is ${before.size} bytes; at most ${MAX_CONTENT_FILE_BYTES} are served`)
    }
    let bytes: Buffer
    try {
      bytes = readFileSync(real)
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined
      throw err
    }
    let after
    try {
      after = statSync(real)
    } catch {
      continue
    }
    if (stampOf(before) === stampOf(after) && bytes.length === after.size) {
      return { text: bytes.toString('utf8'), stamp: stampOf(after), mtimeMs: after.mtimeMs }
    }
  }
  throw new BriefdError('ERR_CONTENT_UNSAFE', `content file ${join(root, rel)} kept changing while being read; try again`)
}

/**
 * @module content/files
 * Reads one file of the content dir, refusing anything that resolves outside it (a symlink
 * pointing elsewhere would otherwise turn the daemon into a file server for the whole disk).
 *
 * The path is opened once (O_NOFOLLOW|O_NONBLOCK) and every check after that runs on the open
 * fd, so they describe the bytes read. Checking the path and then reading it by name left a
 * window in which a FIFO renamed over the file made the blocking open hang the daemon's only
 * thread (every request, /health included), and a file could grow past the size cap.
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readSync,
  realpathSync,
  statSync,
} from 'node:fs'
import { join, sep } from 'node:path'
import { BriefdError, errnoCode } from '../shared/errors.js'

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = constants

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

/** The outcome of one attempt that saw the file change under it: resolve and read again. */
const CHANGED = Symbol('changed')

/**
 * Reads `rel` under `root`; undefined when it does not exist or is not a regular file (a
 * FIFO, socket, device or directory reads as missing). A file that changes while it is read
 * (an editor writing in place) is read again, so a half-written file is not served as if it
 * were complete.
 */
export function readContentFile(root: string, rel: string): ContentFile | undefined {
  const path = join(root, rel)
  for (let attempt = 0; attempt < 3; attempt++) {
    const real = resolveInside(root, path)
    if (real === undefined) return undefined
    const result = readOnce(path, real)
    if (result !== CHANGED) return result
  }
  throw new BriefdError(
    'ERR_CONTENT_UNSAFE',
    `content file ${path} kept changing while being read; try again`,
  )
}

/** The real path of `path` if it lies inside `root`; undefined when it does not exist. */
function resolveInside(root: string, path: string): string | undefined {
  let realRoot: string
  let real: string
  try {
    realRoot = realpathSync(root)
    real = realpathSync(path)
  } catch (err) {
    const code = errnoCode(err)
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw new BriefdError(
      'ERR_CONTENT_UNSAFE',
      `content file ${path} cannot be resolved (${code ?? String(err)})`,
      { cause: err },
    )
  }
  if (!real.startsWith(realRoot + sep)) {
    throw new BriefdError(
      'ERR_CONTENT_UNSAFE',
      `content file ${path} resolves outside the content dir; refusing to serve it`,
    )
  }
  return real
}

/** One open-fstat-read-fstat pass over `real` (`path` is the name used in messages). */
function readOnce(path: string, real: string): ContentFile | undefined | typeof CHANGED {
  let fd: number
  try {
    // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer
    // (fstat then rejects it). O_NOFOLLOW: `real` had no symlinks when it was resolved.
    fd = openSync(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
  } catch (err) {
    const code = errnoCode(err)
    // Removed since it was resolved: the same as never having been there.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    // A socket (open(2) refuses those with ENXIO): not a regular file.
    if (code === 'ENXIO') return undefined
    // Replaced by a symlink since it was resolved: resolve again, so containment is checked
    // for wherever it points now.
    if (code === 'ELOOP' || code === 'EMLINK') return CHANGED
    throw new BriefdError(
      'ERR_CONTENT_UNSAFE',
      `content file ${path} cannot be opened (${code ?? String(err)})`,
      { cause: err },
    )
  }
  try {
    const before = fstatSync(fd)
    if (!before.isFile()) return undefined
    assertWithinCap(path, before.size)
    const bytes = readCapped(fd, before.size, path)
    const after = fstatSync(fd)
    if (stampOf(before) === stampOf(after) && bytes.length === after.size) {
      return { text: bytes.toString('utf8'), stamp: stampOf(after), mtimeMs: after.mtimeMs }
    }
    return CHANGED
  } finally {
    closeSync(fd)
  }
}

function assertWithinCap(path: string, size: number): void {
  if (size > MAX_CONTENT_FILE_BYTES) {
    throw new BriefdError(
      'ERR_CONTENT_TOO_LARGE',
      `content file ${path} is ${size} bytes; at most ${MAX_CONTENT_FILE_BYTES} are served`,
    )
  }
}

/**
 * Reads an open file from the start to its end, but never more than the cap + 1 bytes: the
 * size fstat reported may be stale by the time we read (the file can grow), so the cap is
 * enforced on the bytes actually read, not on the size.
 */
function readCapped(fd: number, expected: number, path: string): Buffer {
  const limit = MAX_CONTENT_FILE_BYTES + 1
  // One byte past the expected size, so growth shows up without a second pass.
  let buf = Buffer.alloc(Math.min(expected + 1, limit))
  let off = 0
  for (;;) {
    if (off === buf.length) {
      if (buf.length === limit) break
      const bigger = Buffer.alloc(Math.min(buf.length * 2, limit))
      buf.copy(bigger, 0, 0, off)
      buf = bigger
    }
    const n = readSync(fd, buf, off, buf.length - off, off)
    if (n === 0) break
    off += n
  }
  if (off > MAX_CONTENT_FILE_BYTES) {
    throw new BriefdError(
      'ERR_CONTENT_TOO_LARGE',
      `content file ${path} grew past ${MAX_CONTENT_FILE_BYTES} bytes while being read; at most ${MAX_CONTENT_FILE_BYTES} are served`,
    )
  }
  return buf.subarray(0, off)
}

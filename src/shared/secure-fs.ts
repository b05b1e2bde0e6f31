/**
 * @module secure-fs
 * The only code that creates or reads files holding secrets (signing keys, the bootstrap
 * credential, session tokens, the audit log). Threat: another local user who pre-creates a
 * directory in /tmp, plants a symlink, or reads a world-readable file. Defences: 0700 dirs we
 * own, 0600 files created with O_EXCL|O_NOFOLLOW (no symlink is ever followed at the last
 * path component), atomic temp-file + rename, and ownership/mode checks on the open fd.
 */
import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { BriefdError, errnoCode } from './errors.js'

const { O_WRONLY, O_RDONLY, O_CREAT, O_EXCL, O_APPEND, O_NOFOLLOW, O_NONBLOCK } = constants

/** The effective uid; briefd supports POSIX hosts only (Linux, macOS). */
export function currentUid(): number {
  if (typeof process.geteuid !== 'function') {
    throw new BriefdError('ERR_CONFIG_INVALID', 'briefd needs a POSIX host (Linux or macOS)')
  }
  return process.geteuid()
}

const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`

export interface PrivateDirOptions {
  /** Human label used in errors, e.g. `state dir`. */
  label: string
  /** Create the directory (and its parents) when missing. Default true. */
  create?: boolean
}

/**
 * Makes sure `path` is a directory owned by us with mode 0700, creating it if allowed.
 * Refuses (never repairs) a symlink, a non-directory, a dir owned by someone else, or one
 * that group/others can access: another user may have pre-created it to read our secrets.
 */
export function ensurePrivateDir(path: string, options: PrivateDirOptions): void {
  const { label, create = true } = options
  let created = false
  if (create) {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
      mkdirSync(path, { mode: 0o700 })
      created = true
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') {
        throw new BriefdError(
          'ERR_DIR_UNSAFE',
          `${label} ${path} cannot be created (${errnoCode(err) ?? String(err)})`,
          { cause: err },
        )
      }
    }
  }
  let st
  try {
    st = lstatSync(path)
  } catch (err) {
    const code = errnoCode(err)
    throw new BriefdError(
      'ERR_DIR_UNSAFE',
      `${label} ${path} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`}`,
      { cause: err },
    )
  }
  if (st.isSymbolicLink()) {
    throw new BriefdError('ERR_DIR_UNSAFE', `${label} ${path} is a symlink; refusing to use it`)
  }
  if (!st.isDirectory()) {
    throw new BriefdError('ERR_DIR_UNSAFE', `${label} ${path} is not a directory`)
  }
  const uid = currentUid()
  if (st.uid !== uid) {
    throw new BriefdError(
      'ERR_DIR_UNSAFE',
      `${label} ${path} is owned by uid ${st.uid}, not by you (uid ${uid}); refusing to use it`,
    )
  }
  if (created) {
    // umask may have removed our own bits; it can never add group/other bits.
    if ((st.mode & 0o777) !== 0o700) chmodSync(path, 0o700)
  } else if ((st.mode & 0o077) !== 0) {
    throw new BriefdError(
      'ERR_DIR_UNSAFE',
      `${label} ${path} has mode ${octal(st.mode)}; expected 0700 (fix: chmod 700 ${path})`,
    )
  }
}

/**
 * Writes `data` to `path` atomically with mode 0600: a fresh temp file in the same directory
 * (O_CREAT|O_EXCL|O_NOFOLLOW, so a planted file or symlink makes it fail), fchmod (umask can't
 * widen it, `umask 000` can't either), fsync, then rename(2), which replaces `path` in one step
 * and never follows a symlink standing at `path`.
 */
export function writeSecretFileAtomic(path: string, data: string | Uint8Array): void {
  writeFileAtomic(path, data, 0o600)
}

/**
 * The same atomic, symlink-refusing write with another mode (a plugin's files are 0644 or
 * 0755: they hold no secret, but a build must not write through a planted link either).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode: number): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const fd = openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode)
  try {
    fchmodSync(fd, mode)
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    let off = 0
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off)
    fsyncSync(fd)
  } catch (err) {
    closeSync(fd)
    removeFileIfExists(tmp)
    throw err
  }
  closeSync(fd)
  try {
    renameSync(tmp, path)
  } catch (err) {
    removeFileIfExists(tmp)
    throw err
  }
}

/**
 * Creates `path` with `data` (0600) only if nothing exists there yet; returns false if it
 * did. link(2) is atomic and fails on an existing name (file or symlink), so two processes
 * racing to create the same key file end up agreeing on one of them.
 */
export function createSecretFileExclusive(path: string, data: string | Uint8Array): boolean {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.new`)
  writeSecretFileAtomic(tmp, data)
  try {
    linkSync(tmp, path)
    return true
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false
    throw err
  } finally {
    removeFileIfExists(tmp)
  }
}

export interface ReadSecretOptions {
  /** Human label used in errors, e.g. `token file`. */
  label: string
  /** Refuse files larger than this. */
  maxBytes: number
}

/**
 * Reads a secret file, refusing a symlink (O_NOFOLLOW), a FIFO or device (O_NONBLOCK keeps a
 * planted FIFO from hanging us; fstat then rejects it), a file owned by someone else, or one
 * group/others can read. Checks run on the open fd, so they describe the bytes we read.
 */
export function readSecretFile(path: string, options: ReadSecretOptions): Buffer {
  const { label, maxBytes } = options
  let fd: number
  try {
    fd = openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
  } catch (err) {
    const code = errnoCode(err)
    if (code === 'ENOENT')
      throw new BriefdError('ERR_FILE_NOT_FOUND', `${label} ${path} does not exist`, { cause: err })
    if (code === 'ELOOP' || code === 'EMLINK')
      throw new BriefdError(
        'ERR_FILE_UNSAFE',
        `${label} ${path} is a symlink; refusing to read it`,
        { cause: err },
      )
    throw new BriefdError(
      'ERR_FILE_UNSAFE',
      `${label} ${path} cannot be opened (${code ?? String(err)})`,
      { cause: err },
    )
  }
  try {
    const st = fstatSync(fd)
    if (!st.isFile())
      throw new BriefdError('ERR_FILE_UNSAFE', `${label} ${path} is not a regular file`)
    const uid = currentUid()
    if (st.uid !== uid) {
      throw new BriefdError(
        'ERR_FILE_UNSAFE',
        `${label} ${path} is owned by uid ${st.uid}, not by you (uid ${uid}); refusing to read it`,
      )
    }
    if ((st.mode & 0o077) !== 0) {
      throw new BriefdError(
        'ERR_FILE_UNSAFE',
        `${label} ${path} has mode ${octal(st.mode)}; expected 0600 (fix: chmod 600 ${path})`,
      )
    }
    if (st.size > maxBytes) {
      throw new BriefdError(
        'ERR_FILE_INVALID',
        `${label} ${path} is ${st.size} bytes; at most ${maxBytes} expected`,
      )
    }
    return readFully(fd, st.size)
  } finally {
    closeSync(fd)
  }
}

/** Reads up to `size` bytes from the start of an open file (fewer if it shrank meanwhile). */
export function readFully(fd: number, size: number): Buffer {
  const buf = Buffer.alloc(size)
  let off = 0
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, off)
    if (n === 0) break
    off += n
  }
  return off === buf.length ? buf : buf.subarray(0, off)
}

/**
 * Opens (creating if needed) an append-only 0600 file such as the audit log. Refuses a
 * symlink or a file owned by someone else; tightens the mode of our own file.
 */
export function openPrivateAppend(path: string, label: string): number {
  let fd: number
  try {
    fd = openSync(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0o600)
  } catch (err) {
    const code = errnoCode(err)
    if (code === 'ELOOP' || code === 'EMLINK')
      throw new BriefdError(
        'ERR_FILE_UNSAFE',
        `${label} ${path} is a symlink; refusing to write it`,
        { cause: err },
      )
    throw new BriefdError(
      'ERR_FILE_UNSAFE',
      `${label} ${path} cannot be opened for writing (${code ?? String(err)})`,
      { cause: err },
    )
  }
  try {
    const st = fstatSync(fd)
    if (!st.isFile())
      throw new BriefdError('ERR_FILE_UNSAFE', `${label} ${path} is not a regular file`)
    if (st.uid !== currentUid())
      throw new BriefdError(
        'ERR_FILE_UNSAFE',
        `${label} ${path} is owned by uid ${st.uid}; refusing to write it`,
      )
    if ((st.mode & 0o777) !== 0o600) fchmodSync(fd, 0o600)
    return fd
  } catch (err) {
    closeSync(fd)
    throw err
  }
}

/** Deletes a file; a missing file is not an error (it is the state we wanted). */
export function removeFileIfExists(path: string): boolean {
  try {
    unlinkSync(path)
    return true
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false
    throw err
  }
}

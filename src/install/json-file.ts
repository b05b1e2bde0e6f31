/**
 * @module install/json-file
 * Reading and writing the host's JSON config files (Claude Code settings, .mcp.json). They
 * are the user's files, not ours: a parse error stops us with the file named and the file
 * untouched; writes are atomic (temp + rename in the same dir) and keep the file's mode;
 * a symlinked config (a dotfiles repo) is written through to its target, not replaced.
 *
 * These files hold hooks, i.e. commands Claude Code runs as the user: whoever can write them,
 * or replace them in their directory, runs code as the user. So what we create is never
 * group/other-writable, whatever the umask (`umask 000` would otherwise give a 0777 dir and
 * a 0666 file), and a file we rewrite loses any group/other write bit it had.
 */
import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { BriefdError, errnoCode } from '../shared/errors.js'

export type JsonObject = { [key: string]: JsonValue }
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The bytes of a file, or null if it does not exist. */
export function readBytes(path: string): Buffer | null {
  try {
    return readFileSync(path)
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null
    throw new BriefdError(
      'ERR_INSTALL_FAILED',
      `cannot read ${path} (${errnoCode(err) ?? String(err)})`,
      { cause: err },
    )
  }
}

/** Parses a config file's bytes as a JSON object; an absent or empty file is `{}`. */
export function parseConfig(path: string, bytes: Buffer | null): JsonObject {
  if (bytes === null || bytes.toString('utf8').trim() === '') return {}
  let v: unknown
  try {
    v = JSON.parse(bytes.toString('utf8'))
  } catch (err) {
    throw new BriefdError(
      'ERR_INSTALL_FAILED',
      `${path} is not valid JSON; fix or remove it first (nothing was changed)`,
      { cause: err },
    )
  }
  if (!isObject(v))
    throw new BriefdError(
      'ERR_INSTALL_FAILED',
      `${path} does not hold a JSON object; nothing was changed`,
    )
  return v
}

/** Where writes to `path` must go: the target of a symlink, else the path itself. */
export function writeTarget(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}

export function serialize(obj: JsonObject): string {
  return `${JSON.stringify(obj, null, 2)}\n`
}

/**
 * Directories we create (`.claude/`, parents of a config): 0755, the usual mode of `.claude/`
 * in a checkout, readable by the tools and people that read the project's config (nothing
 * in it is secret), writable by the owner only. umask can narrow it, never widen it.
 */
const DIR_MODE = 0o755
/** A config file we create: 0644 for the same reasons (umask can only narrow it). */
const FILE_MODE = 0o644
const GROUP_OTHER_WRITE = 0o022

/**
 * Atomically replaces `path` (through a symlink) with `bytes`, keeping its mode minus any
 * group/other write bit (module doc).
 */
export function writeBytesAtomic(path: string, bytes: string | Buffer): void {
  const target = writeTarget(path)
  mkdirSync(dirname(target), { recursive: true, mode: DIR_MODE })
  let mode: number | undefined
  try {
    mode = statSync(target).mode & 0o777 & ~GROUP_OTHER_WRITE
  } catch {
    mode = undefined
  }
  const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`)
  // 'wx' creates (O_EXCL): a file or symlink planted at the temp name makes this fail.
  writeFileSync(tmp, bytes, { flag: 'wx', mode: mode ?? FILE_MODE })
  if (mode !== undefined) chmodSync(tmp, mode)
  renameSync(tmp, target)
}

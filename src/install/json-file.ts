/**
 * @module install/json-file
 * Reading and writing the host's JSON config files (Claude Code settings, .mcp.json). They
 * are the user's files, not ours: a parse error stops us with the file named and the file
 * untouched; writes are atomic (temp + rename in the same dir) and keep the file's mode;
 * a symlinked config (a dotfiles repo) is written through to its target, not replaced.
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs'
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
    throw new BriefdError('ERR_INSTALL_FAILED', `cannot read ${path} (${errnoCode(err) ?? String(err)})`, { cause: err })
  }
}

/** Parses a config file's bytes as a JSON object; an absent or empty file is `{}`. */
export function parseConfig(path: string, bytes: Buffer | null): JsonObject {
  if (bytes === null || bytes.toString('utf8').trim() === '') return {}
  let v: unknown
  try {
    v = JSON.parse(bytes.toString('utf8'))
  } catch (err) {
    throw new BriefdError('ERR_INSTALL_FAILED', `${path} is not valid JSON; fix or remove it first (nothing was changed)`, { cause: err })
  }
  if (!isObject(v)) throw new BriefdError('ERR_INSTALL_FAILED', `${path} does not hold a JSON object; nothing was changed`)
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

/** Atomically replaces `path` (through a symlink) with `bytes`, keeping its mode. */
export function writeBytesAtomic(path: string, bytes: string | Buffer): void {
  const target = writeTarget(path)
  mkdirSync(dirname(target), { recursive: true })
  let mode: number | undefined
  try {
    mode = statSync(target).mode & 0o777
  } catch {
    mode = undefined
  }
  const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`)
  writeFileSync(tmp, bytes, { flag: 'wx', mode: mode ?? 0o644 })
  if (mode !== undefined) chmodSync(tmp, mode)
  renameSync(tmp, target)
}

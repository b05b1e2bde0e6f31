/**
 * @module access/read
 * Reads `access.json` from the content dir, the way the content store reads its files, and
 * hands the JSON to access/parse. Kept apart from the policy object so that `briefd content
 * check` can validate the file without the daemon's credential types.
 */
import { lstatSync } from 'node:fs'
import { join } from 'node:path'
import { readContentFile } from '../content/files.js'
import { errnoCode } from '../shared/errors.js'
import { describeJsonSyntaxError } from '../shared/json-syntax.js'
import {
  DEFAULT_POLICY_CONFIG,
  parseAccessPolicy,
  policyError,
  type AccessPolicyConfig,
} from './parse.js'

/** The policy file, relative to the content dir. */
export const ACCESS_FILE = 'access.json'

/**
 * Reads and validates `access.json` in `dir` (as the content store reads its files: no
 * symlink out of the dir, a size cap, a FIFO never waited on). No file is the default policy.
 * Throws ERR_ACCESS_POLICY_INVALID naming the file and field, or the content store's own
 * errors (ERR_CONTENT_UNSAFE, ERR_CONTENT_TOO_LARGE), which name the file too.
 */
export function readAccessPolicyConfig(dir: string): AccessPolicyConfig {
  const file = join(dir, ACCESS_FILE)
  const read = readContentFile(dir, ACCESS_FILE)
  if (read === undefined) {
    // Missing, or there but not a regular file: only the first means "no policy". Serving a
    // FIFO or directory named access.json as the default policy would loosen what was meant.
    try {
      lstatSync(file)
    } catch (err) {
      const code = errnoCode(err)
      if (code === 'ENOENT' || code === 'ENOTDIR') return DEFAULT_POLICY_CONFIG
    }
    throw policyError(file, 'is not a regular file')
  }
  // A byte-order mark (some Windows editors write one) is not JSON, but means no harm.
  const text = read.text.startsWith('\ufeff') ? read.text.slice(1) : read.text
  if (text.includes('\ufffd'))
    throw policyError(file, 'is not UTF-8 text (or holds U+FFFD, the replacement character)')
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    // Never JSON.parse's own message: it quotes the text around the error.
    const why = err instanceof RangeError ? 'is nested too deeply' : describeJsonSyntaxError(text)
    throw policyError(file, why.replace(/^is /, 'the file is '))
  }
  return parseAccessPolicy(raw, file)
}

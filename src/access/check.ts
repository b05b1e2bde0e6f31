/**
 * @module access/check
 * `access.json` as a content-check finding: `briefd content check` lists it with the other
 * problems of the content dir (the daemon refuses to start with it instead). The finding
 * names the file and the field, never the value found there.
 */
import type { ContentFinding } from '../content/check.js'
import { join } from 'node:path'
import { BriefdError } from '../shared/errors.js'
import { ACCESS_FILE, readAccessPolicyConfig } from './read.js'

/** An error naming the field when access.json is bad; nothing when it is absent or good. */
export function accessPolicyFinding(dir: string): ContentFinding | undefined {
  try {
    readAccessPolicyConfig(dir)
    return undefined
  } catch (err) {
    if (!(err instanceof BriefdError)) throw err
    const reason = err.details.reason
    return {
      level: 'error',
      file: join(dir, ACCESS_FILE),
      message: typeof reason === 'string' ? reason : err.message,
    }
  }
}

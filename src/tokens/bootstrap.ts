/**
 * @module tokens/bootstrap
 * The bootstrap credential: a separate 256-bit secret in the state dir that only processes
 * running as the daemon's user can read. It authorizes exactly one thing, issuing session
 * tokens; it never opens a document. Checked in constant time by the daemon's bootstrap verifier (daemon/auth).
 */
import { randomBytes } from 'node:crypto'
import { BriefdError } from '../shared/errors.js'
import { createSecretFileExclusive } from '../shared/secure-fs.js'
import { bootstrapPath, readBootstrapCredential } from '../shared/state-files.js'
import { BOOTSTRAP_PREFIX } from './constants.js'

/** Reads the bootstrap credential, creating it on first start (race-safe). */
export function loadOrCreateBootstrapCredential(stateDir: string): string {
  try {
    return readBootstrapCredential(stateDir)
  } catch (err) {
    if (!(err instanceof BriefdError && err.code === 'ERR_FILE_NOT_FOUND')) throw err
  }
  createSecretFileExclusive(
    bootstrapPath(stateDir),
    `${BOOTSTRAP_PREFIX}${randomBytes(32).toString('base64url')}\n`,
  )
  return readBootstrapCredential(stateDir)
}

/**
 * @module tokens/bootstrap
 * The bootstrap credential: a separate 256-bit secret in the state dir that only processes
 * running as the daemon's user can read. It authorizes exactly one thing, issuing session
 * tokens; it never opens a document. Compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
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

/**
 * A constant-time matcher for one secret. Both sides are hashed first, so the comparison
 * takes the same time whatever the length or content of the presented value.
 */
export function createSecretMatcher(secret: string): (presented: string) => boolean {
  const expected = createHash('sha256').update(secret, 'utf8').digest()
  return (presented) =>
    timingSafeEqual(createHash('sha256').update(presented, 'utf8').digest(), expected)
}

/**
 * @module signin/secrets
 * Reading a secret a user keeps in a file of their own (client secret, API key): the same
 * checks as every briefd secret (no symlink, ours, not readable by others, small), so a key
 * left world-readable is refused with the chmod that fixes it.
 */
import { BriefdError } from '../shared/errors.js'
import { readSecretFile } from '../shared/secure-fs.js'

export function readSigninSecret(path: string, label: string): string {
  const value = readSecretFile(path, { label, maxBytes: 4096 }).toString('utf8').trim()
  if (value === '' || /\s/.test(value))
    throw new BriefdError('ERR_FILE_INVALID', `${label} ${path} does not hold one secret`)
  return value
}

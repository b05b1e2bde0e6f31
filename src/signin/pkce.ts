/**
 * @module signin/pkce
 * PKCE (RFC 7636, S256 only: `plain` would hand the verifier to whoever sees the authorization
 * URL) and the `state` value that ties a callback to the request we made.
 */
import { createHash, randomBytes } from 'node:crypto'

export interface Pkce {
  verifier: string
  challenge: string
}

export function createPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url')
  const challenge = createHash('sha256').update(verifier).digest('base64url')
  return { verifier, challenge }
}

export function createState(): string {
  return randomBytes(24).toString('base64url')
}

/**
 * @module daemon/auth/bootstrap-verifier
 * The bootstrap credential as a CredentialVerifier. It yields a principal of kind `bootstrap`
 * that may do exactly two things (issue session tokens, read the status report) and never
 * reads a document: it has no scopes at all, and the document routes refuse its kind.
 */
import { secretMatcher } from '../../shared/constant-time.js'
import { BriefdError } from '../../shared/errors.js'
import type { CredentialVerifier, Principal } from '../../shared/principal.js'
import { BOOTSTRAP_PREFIX } from '../../tokens/constants.js'

export function bootstrapVerifier(secret: string): CredentialVerifier {
  const matches = secretMatcher(secret)
  const principal: Principal = {
    kind: 'bootstrap',
    subject: 'bootstrap',
    scopes: new Set(),
    expiresAt: Number.MAX_SAFE_INTEGER,
    rateKey: 'bootstrap-credential',
  }
  return {
    kind: 'bootstrap',
    claims: (bearer) => bearer.startsWith(BOOTSTRAP_PREFIX),
    lookup: (bearer) =>
      bearer.startsWith(BOOTSTRAP_PREFIX) && matches(bearer) ? principal : undefined,
    verify(bearer) {
      if (!matches(bearer)) {
        throw new BriefdError('ERR_BOOTSTRAP_INVALID', 'bootstrap credential mismatch')
      }
      return principal
    },
  }
}

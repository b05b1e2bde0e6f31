/**
 * @module daemon/auth/authenticator
 * The one credential seam: a bearer string goes in, a verified Principal (or a typed error)
 * comes out. Each kind of credential (bootstrap secret, briefd session token, OAuth access
 * token, API key) is a CredentialVerifier; the authenticator picks the one whose syntax the
 * bearer has, so a string is only ever checked by the verifier of its own kind (an HS256 token
 * is never offered to the OAuth verifier, an API key never to jose).
 *
 * Remembered credentials are recognised synchronously (`lookup`), with expiry and revocation
 * rechecked on every request; only a new credential pays for a full verification.
 */
import { BriefdError } from '../../shared/errors.js'
import type { CredentialVerifier, Principal } from '../../shared/principal.js'

export class Authenticator {
  readonly #verifiers: readonly CredentialVerifier[]

  /** Verifiers in the order their remembered credentials are looked up (busiest first). */
  constructor(verifiers: readonly CredentialVerifier[]) {
    this.#verifiers = verifiers
  }

  /**
   * The principal of a remembered credential (expiry and revocation rechecked), or undefined.
   * Each lookup is a map read keyed by the bearer's public part, so trying every kind costs
   * less than parsing the bearer to find its kind.
   */
  lookup(bearer: string): Principal | undefined {
    for (const v of this.#verifiers) {
      const p = v.lookup(bearer)
      if (p) return p
    }
    return undefined
  }

  /** Full verification by the verifier of the bearer's kind; a bearer of no known kind is invalid. */
  verify(bearer: string): Principal | Promise<Principal> {
    const v = this.#verifiers.find((x) => x.claims(bearer))
    if (!v) {
      throw new BriefdError(
        'ERR_SESSION_INVALID',
        'credential rejected: not a kind this daemon accepts',
      )
    }
    return v.verify(bearer)
  }
}

/**
 * @module shared/principal
 * What every credential turns into once verified. Routes, the access policy and the audit log
 * see only a principal, never the bearer string it came from, so a new kind of credential
 * (OAuth access token, API key) needs a verifier and nothing else.
 */

/** The kind of credential a principal was verified from. */
export type PrincipalKind = 'session' | 'bootstrap' | 'oauth' | 'apikey'

export interface Principal {
  readonly kind: PrincipalKind
  /**
   * Who it is: the OAuth `sub`, the API key's id, or, for a local session token, the session
   * id. Never a secret.
   */
  readonly subject: string
  /** The tenant from the verified credential (never from the request), if any. */
  readonly tenant?: string
  /** The OAuth client that obtained the credential, where the credential names one. */
  readonly clientId?: string
  /** What it may do. `undefined` means every scope: local session tokens and bootstrap. */
  readonly scopes?: ReadonlySet<string>
  /** Seconds since the epoch; checked on every request, remembered credential or not. */
  readonly expiresAt: number
  /** This principal's rate-limit bucket, built once when it was verified. */
  readonly rateKey: string
  /** The briefd session this is (kind `session` only), for revocation and the audit line. */
  readonly sessionId?: string
}

/** True when the principal holds `scope` (or all scopes). */
export function hasScope(principal: Principal, scope: string): boolean {
  return principal.scopes === undefined || principal.scopes.has(scope)
}

/** The scopes of `needed` that the principal lacks, in order; empty when it has them all. */
export function missingScopes(principal: Principal, needed: readonly string[]): string[] {
  return needed.filter((s) => !hasScope(principal, s))
}

/**
 * One kind of credential (bootstrap secret, briefd session token, OAuth access token, API
 * key). The daemon's authenticator (daemon/auth/authenticator) offers a bearer string only to
 * the verifier whose syntax it has.
 */
export interface CredentialVerifier {
  readonly kind: PrincipalKind
  /** A cheap syntactic test: does this bearer string have this verifier's shape? */
  claims(bearer: string): boolean
  /**
   * The principal of a credential verified before and still valid, synchronously; undefined
   * if it was never seen. Throws the typed error when a remembered credential has since
   * expired or been revoked.
   */
  lookup(bearer: string): Principal | undefined
  /** Full verification of a credential that is not remembered. */
  verify(bearer: string): Principal | Promise<Principal>
}

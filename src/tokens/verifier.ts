/**
 * @module tokens/verifier
 * Checks a presented session token on every request. A full jose verification costs about
 * 0.1–0.3 ms (WebCrypto hops through the thread pool), so a token is verified once and the
 * result remembered, keyed by the token's signed part (header and claims, which are not
 * secret); the signature, the secret part, is then compared in constant time, so a lookup
 * never compares secrets byte by byte. Expiry and revocation are still checked on every
 * request, cache hit or not. It is the session-token kind of the daemon's credential seam
 * (shared/principal CredentialVerifier).
 */
import { LRUCache } from 'lru-cache'
import { constantTimeEqual } from '../shared/constant-time.js'
import { BriefdError } from '../shared/errors.js'
import type { CredentialVerifier, Principal } from '../shared/principal.js'
import { MAX_TOKEN_LENGTH, SESSION_ALG, SESSION_TOKEN_TYP } from './constants.js'
import type { Keyring } from './keyring.js'
import type { SessionLedger } from './ledger.js'
import { verifySessionToken } from './session-token.js'

interface Remembered {
  signature: string
  session: SessionPrincipal
}

/**
 * What can end an exchanged session before its expiry, besides its own revocation: the API
 * key it came from being revoked, or `briefd sessions revoke --subject`.
 */
export interface GrantRevocations {
  /** False once the API key is revoked, expired or gone. */
  isKeyLive(keyId: string): boolean
  /** Sessions of this subject issued at or before this time (seconds) are revoked. */
  subjectRevokedAt(subject: string): number | undefined
}

/** A session principal with what its revocation checks need. */
type SessionPrincipalWithGrant = SessionPrincipal & {
  readonly issuedAt: number
  readonly keyId?: string
}

/** A verified session token: a principal of kind `session` that always has its session id. */
export type SessionPrincipal = Principal & { readonly kind: 'session'; readonly sessionId: string }

export interface SessionVerifierOptions {
  keyring: Keyring
  ledger: SessionLedger
  /** Verified tokens remembered at most. */
  cacheSize?: number
  /** Revocations of exchanged sessions (remote mode); none in local mode. */
  revocations?: GrantRevocations
  now?: () => number
}

export class SessionVerifier implements CredentialVerifier {
  readonly kind = 'session' as const

  readonly #keyring: Keyring
  readonly #ledger: SessionLedger
  readonly #now: () => number
  readonly #cache: LRUCache<string, Remembered>
  readonly #revocations: GrantRevocations | undefined

  constructor(options: SessionVerifierOptions) {
    this.#keyring = options.keyring
    this.#ledger = options.ledger
    this.#now = options.now ?? (() => Date.now())
    this.#cache = new LRUCache({ max: options.cacheSize ?? 10_000 })
    this.#revocations = options.revocations
  }

  #check(session: SessionPrincipal): SessionPrincipal {
    if (session.expiresAt * 1000 <= this.#now()) {
      throw new BriefdError('ERR_SESSION_EXPIRED', 'session token rejected: expired')
    }
    if (this.#ledger.isRevoked(session.sessionId)) {
      throw new BriefdError('ERR_SESSION_REVOKED', 'session token rejected: revoked')
    }
    const r = this.#revocations
    if (r && session.kind === 'session' && session.scopes !== undefined) {
      const s = session as SessionPrincipalWithGrant
      if (s.keyId !== undefined && !r.isKeyLive(s.keyId)) {
        throw new BriefdError(
          'ERR_SESSION_REVOKED',
          'session token rejected: its API key is revoked',
        )
      }
      const before = r.subjectRevokedAt(s.subject)
      if (before !== undefined && s.issuedAt <= before) {
        throw new BriefdError('ERR_SESSION_REVOKED', 'session token rejected: subject revoked')
      }
    }
    return session
  }

  /** A compact JWS whose protected header is a briefd session token's (HS256, our typ). */
  claims(bearer: string): boolean {
    const dot = bearer.indexOf('.')
    if (dot <= 0 || bearer.length > MAX_TOKEN_LENGTH) return false
    try {
      const header: unknown = JSON.parse(
        Buffer.from(bearer.slice(0, dot), 'base64url').toString('utf8'),
      )
      if (typeof header !== 'object' || header === null) return false
      const { alg, typ } = header as { alg?: unknown; typ?: unknown }
      return alg === SESSION_ALG && typ === SESSION_TOKEN_TYP
    } catch {
      return false
    }
  }

  /**
   * Synchronous fast path: the session if this exact token was verified before and is still
   * unexpired and unrevoked; undefined if it was never seen. Throws for expired or revoked.
   */
  lookup(token: string): SessionPrincipal | undefined {
    const hit = this.#remembered(token)
    return hit ? this.#check(hit) : undefined
  }

  #remembered(token: string): SessionPrincipal | undefined {
    const dot = token.lastIndexOf('.')
    if (dot <= 0) return undefined
    const hit = this.#cache.get(token.slice(0, dot))
    return hit && constantTimeEqual(hit.signature, token.slice(dot + 1)) ? hit.session : undefined
  }

  /** Full verification (signature, claims, expiry, revocation), remembered on success. */
  async verify(token: string): Promise<SessionPrincipal> {
    const hit = this.#remembered(token)
    if (hit) return this.#check(hit)
    const claims = await verifySessionToken(
      token,
      (kid) => {
        const found = this.#keyring.get(kid)
        if (found) return found
        // An unknown kid may be a key created by `briefd key rotate` since we loaded.
        try {
          this.#keyring.refresh()
        } catch {
          // A broken keyring file keeps the keys we have; the daemon reports it at issue time.
        }
        return this.#keyring.get(kid)
      },
      new Date(this.#now()),
    )
    const g = claims.grant
    const principal: SessionPrincipalWithGrant = {
      kind: 'session',
      subject: g?.subject ?? claims.sessionId,
      sessionId: claims.sessionId,
      expiresAt: claims.expiresAt,
      issuedAt: claims.issuedAt,
      rateKey: `session:${claims.sessionId}`,
      ...(g
        ? {
            scopes: new Set(g.scopes),
            ...(g.tenant !== undefined ? { tenant: g.tenant } : {}),
            ...(g.clientId !== undefined ? { clientId: g.clientId } : {}),
            ...(g.keyId !== undefined ? { keyId: g.keyId } : {}),
          }
        : {}),
    }
    const session = this.#check(principal)
    const dot = token.lastIndexOf('.')
    this.#cache.set(token.slice(0, dot), { signature: token.slice(dot + 1), session })
    return session
  }
}

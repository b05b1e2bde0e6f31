/**
 * @module oauth/access-token-verifier
 * Turns an OAuth access token (a JWT, RFC 9068) into a Principal, or refuses it with
 * ERR_ACCESS_TOKEN_INVALID (the daemon answers 401 invalid_token). Cheap checks come before
 * any parsing (size, charset, header shape) so a hostile token costs little; the unverified
 * `iss` only picks which issuer's keys to try, and jose then checks everything again.
 * A verified token is remembered until it expires, keyed by its signed part (header and
 * claims, not secret) with the signature compared in constant time, as session tokens are.
 */
import { LRUCache } from 'lru-cache'
import {
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type ProtectedHeaderParameters,
} from 'jose'
import type { Principal } from '../shared/principal.js'
import { BriefdError } from '../shared/errors.js'
import { IssuerKeys, KeySetUnavailableError, type IssuerKeysOptions } from './issuer-keys.js'
import type { IssuerMetadata } from './issuer.js'
import { sameResource } from './resource.js'

/** Larger tokens are refused unread: no authorization server issues them. */
export const ACCESS_TOKEN_MAX_BYTES = 8 * 1024
/** Allowed clock difference with the authorization server, for `exp`, `nbf` and `iat`. */
export const CLOCK_TOLERANCE_S = 60
/** Memory the remembered tokens may take at most (their signed parts and signatures). */
const CACHE_MAX_BYTES = 32 * 1024 * 1024
/** A tenant claim is used as a directory name: the same shape as a template name. */
const TENANT_RE = /^[A-Za-z0-9_-]{1,64}$/
/** Three base64url segments: anything else (JSON serialization, spaces, padding) is refused. */
const COMPACT_JWS_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
/** RFC 9068 §2.1, compared as jose does: case-insensitive, `application/` prefix optional. */
const ACCESS_TOKEN_TYP = 'at+jwt'

export interface AccessTokenVerifierOptions {
  /** Each trusted issuer's checked metadata (see `discoverIssuer`). */
  issuers: readonly IssuerMetadata[]
  /** Accepted audiences: the canonical `--resource` (and later its `/mcp`), compared as RFC 8707 says. */
  audiences: readonly string[]
  /** Claim holding the tenant; default `tenant`. */
  tenantClaim?: string
  /**
   * The tenant from the verified claims (the access policy, which also reads nested claims);
   * replaces `tenantClaim` when given. Throwing refuses the token.
   */
  tenantOf?: (claims: Readonly<JWTPayload>) => string | undefined
  /** Extra scopes from the token's roles (the access policy); default none. */
  rolesToScopes?: (claims: Readonly<JWTPayload>) => readonly string[]
  /** Verified tokens remembered at most. */
  cacheSize?: number
  keys?: IssuerKeysOptions
  /** Milliseconds since the epoch. */
  now?: () => number
}

interface Trusted {
  metadata: IssuerMetadata
  keys: IssuerKeys
}

interface Remembered {
  signature: string
  principal: Principal
}

export class AccessTokenVerifier {
  readonly #issuers: ReadonlyMap<string, Trusted>
  readonly #audiences: readonly string[]
  readonly #tenantClaim: string
  readonly #tenantOf: ((claims: Readonly<JWTPayload>) => string | undefined) | undefined
  readonly #rolesToScopes: (claims: Readonly<JWTPayload>) => readonly string[]
  readonly #now: () => number
  readonly #cache: LRUCache<string, Remembered>

  constructor(options: AccessTokenVerifierOptions) {
    if (options.issuers.length === 0) throw new TypeError('AccessTokenVerifier needs an issuer')
    if (options.audiences.length === 0) throw new TypeError('AccessTokenVerifier needs an audience')
    this.#now = options.now ?? (() => Date.now())
    const keyOptions = { now: this.#now, ...options.keys }
    this.#issuers = new Map(
      options.issuers.map((metadata) => [
        metadata.issuer,
        { metadata, keys: new IssuerKeys(metadata.jwksUri, keyOptions) },
      ]),
    )
    this.#audiences = [...options.audiences]
    this.#tenantClaim = options.tenantClaim ?? 'tenant'
    this.#tenantOf = options.tenantOf
    this.#rolesToScopes = options.rolesToScopes ?? (() => [])
    // Bounded by count and by bytes: remembered tokens may each be up to 8 KiB.
    this.#cache = new LRUCache({
      max: options.cacheSize ?? 10_000,
      maxSize: CACHE_MAX_BYTES,
      sizeCalculation: (value, key) => key.length + value.signature.length + 256,
    })
  }

  /**
   * Fetch every issuer's key set now, for start-up: an unreachable or broken `jwks_uri` fails
   * the daemon's start with ERR_AUTH_SERVER_UNAVAILABLE naming the issuer, not its first request.
   */
  async prefetch(): Promise<void> {
    for (const { metadata, keys } of this.#issuers.values()) {
      try {
        await keys.load()
      } catch (err) {
        const why = err instanceof Error ? err.message : 'failed'
        throw new BriefdError(
          'ERR_AUTH_SERVER_UNAVAILABLE',
          `--issuer ${metadata.issuer}: signing keys at ${metadata.jwksUri.href} unavailable (${why})`,
          { cause: err },
        )
      }
    }
  }

  /** The key set of `issuer`, e.g. for counting fetches; undefined for an unknown issuer. */
  keysOf(issuer: string): IssuerKeys | undefined {
    return this.#issuers.get(issuer)?.keys
  }

  /**
   * Synchronous fast path: the principal if this exact token verified before and has not
   * expired since; undefined if it was never seen. Throws ERR_ACCESS_TOKEN_INVALID if expired.
   */
  lookup(token: string): Principal | undefined {
    if (token.length > ACCESS_TOKEN_MAX_BYTES) return undefined
    const dot = token.lastIndexOf('.')
    if (dot <= 0) return undefined
    const signed = token.slice(0, dot)
    const hit = this.#cache.get(signed)
    if (!hit || !constantTimeEqual(hit.signature, token.slice(dot + 1))) return undefined
    if (this.#expired(hit.principal.expiresAt)) {
      this.#cache.delete(signed)
      throw refused('expired')
    }
    return hit.principal
  }

  /** Full verification, remembered on success. Throws only ERR_ACCESS_TOKEN_INVALID. */
  async verify(token: string): Promise<Principal> {
    const remembered = this.lookup(token)
    if (remembered) return remembered
    let principal: Principal
    try {
      principal = await this.#verify(token)
    } catch (err) {
      throw err instanceof BriefdError ? err : refused(reasonOf(err), err)
    }
    const dot = token.lastIndexOf('.')
    this.#cache.set(token.slice(0, dot), { signature: token.slice(dot + 1), principal })
    return principal
  }

  #expired(expiresAt: number): boolean {
    return (expiresAt + CLOCK_TOLERANCE_S) * 1000 <= this.#now()
  }

  async #verify(token: string): Promise<Principal> {
    if (token.length > ACCESS_TOKEN_MAX_BYTES) throw refused('too large')
    if (!COMPACT_JWS_RE.test(token)) throw refused('not a compact JWS')
    const header = decodeProtectedHeader(token)
    precheckHeader(header)
    const iss = decodeJwt(token).iss
    const trusted = typeof iss === 'string' ? this.#issuers.get(iss) : undefined
    if (!trusted) throw refused('unknown issuer')
    const nowMs = this.#now()
    const { payload } = await jwtVerify(token, trusted.keys.getKey, {
      algorithms: [...trusted.metadata.algorithms],
      issuer: trusted.metadata.issuer,
      requiredClaims: ['exp', 'sub'],
      clockTolerance: CLOCK_TOLERANCE_S,
      currentDate: new Date(nowMs),
    })
    if (!audienceMatches(payload.aud, this.#audiences)) throw refused('wrong audience')
    const nowS = nowMs / 1000
    if (typeof payload.iat === 'number' && payload.iat > nowS + CLOCK_TOLERANCE_S) {
      throw refused('issued in the future')
    }
    return this.#principal(trusted.metadata.issuer, payload)
  }

  #principal(issuer: string, claims: JWTPayload): Principal {
    const subject = claims.sub
    if (typeof subject !== 'string' || subject === '') throw refused('no subject')
    const expiresAt = claims.exp
    if (typeof expiresAt !== 'number') throw refused('no expiry')
    const scopes = new Set(claimScopes(claims))
    let roleScopes: readonly string[]
    try {
      roleScopes = this.#rolesToScopes(claims)
    } catch (err) {
      throw refused('role mapping failed', err)
    }
    for (const scope of roleScopes) scopes.add(scope)
    let tenant: unknown
    if (this.#tenantOf) {
      try {
        tenant = this.#tenantOf(claims)
      } catch (err) {
        throw refused('bad tenant claim', err)
      }
    } else tenant = claims[this.#tenantClaim]
    if (tenant !== undefined && (typeof tenant !== 'string' || !TENANT_RE.test(tenant))) {
      throw refused(`bad ${this.#tenantClaim} claim`)
    }
    const clientId = stringClaim(claims.client_id) ?? stringClaim(claims.azp)
    return {
      kind: 'oauth',
      subject,
      ...(tenant === undefined ? {} : { tenant }),
      ...(clientId === undefined ? {} : { clientId }),
      scopes,
      expiresAt,
      rateKey: `oauth:${issuer}#${subject}`,
    }
  }
}

/**
 * Header checks jose does not make or makes only when asked: `crit` extensions are refused
 * (we implement none, and a sender that marks one critical expects it processed); `typ`,
 * when present, must say access token, so an ID token or a logout token is not one.
 */
function precheckHeader(header: ProtectedHeaderParameters): void {
  if (header.crit !== undefined) throw refused('crit header')
  if (header.typ !== undefined) {
    const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : ''
    if (typ.replace(/^application\//, '') !== ACCESS_TOKEN_TYP) throw refused('typ not at+jwt')
  }
}

/** `aud` must be (or contain) one accepted resource, compared as canonical URIs. */
function audienceMatches(aud: unknown, accepted: readonly string[]): boolean {
  const values = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : []
  return values.some((a) => typeof a === 'string' && accepted.some((r) => sameResource(a, r)))
}

/**
 * `scope` (a space-separated string, RFC 9068 §2.2.3; any other type refuses the token) and
 * `scp` (an array, or Entra's space-separated string).
 */
function claimScopes(claims: JWTPayload): string[] {
  const out: string[] = []
  for (const name of ['scope', 'scp']) {
    const value = claims[name]
    if (value === undefined) continue
    if (typeof value === 'string') out.push(...value.split(' ').filter((s) => s !== ''))
    else if (name === 'scp' && Array.isArray(value) && value.every((s) => typeof s === 'string'))
      out.push(...value)
    else throw refused(`bad ${name} claim`)
  }
  return out
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function refused(reason: string, cause?: unknown): BriefdError {
  return new BriefdError('ERR_ACCESS_TOKEN_INVALID', `access token rejected: ${reason}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { reason },
  })
}

/** A short reason for the daemon log, from jose's error classes; never the token itself. */
function reasonOf(err: unknown): string {
  if (err instanceof KeySetUnavailableError) return `signing keys unavailable (${err.message})`
  if (err instanceof joseErrors.JWTExpired) return 'expired'
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    return `${err.claim} claim ${err.reason.replace('_', ' ')}`
  }
  if (err instanceof joseErrors.JWTInvalid || err instanceof joseErrors.JWSInvalid)
    return 'malformed'
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed'
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no matching signing key'
  if (err instanceof joseErrors.JWKSMultipleMatchingKeys) return 'ambiguous signing key'
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature'
  if (err instanceof joseErrors.JOSEError) return err.code
  return 'malformed'
}

/** Constant-time string equality: time depends on the lengths only. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

/**
 * @module oauth/issuer
 * What the daemon learns about an `--issuer` at start: its key set URL and the signature
 * algorithms it may use. Both come only from the issuer's own metadata (RFC 8414, then OpenID
 * discovery), fetched over https from the configured URL, never from a token: a token that
 * could name its own key set (`jku`) or algorithm family would sign itself in.
 */
import { BriefdError } from '../shared/errors.js'
import { cappedFetch, ResponseTooLargeError, type CappedFetchOptions } from './capped-fetch.js'

/** Signature algorithms an access token may use: asymmetric only, never `none`, never HS*. */
export const ASYMMETRIC_ALGORITHMS: readonly string[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]

/** Used when the metadata names no signing algorithm at all. */
export const DEFAULT_ALGORITHMS: readonly string[] = ['RS256', 'ES256']

/** Metadata fields that name access-token algorithms, most specific first. */
const ALGORITHM_FIELDS = [
  'access_token_signing_alg_values_supported',
  'id_token_signing_alg_values_supported',
] as const

export interface IssuerMetadata {
  /** Exactly as configured and as the metadata states it: tokens must carry this `iss`. */
  readonly issuer: string
  readonly jwksUri: URL
  /** Allowed `alg` values for this issuer's access tokens. */
  readonly algorithms: readonly string[]
}

export type DiscoverIssuerOptions = Pick<CappedFetchOptions, 'timeoutMs' | 'maxBytes'>

/** The two well-known URLs to try, RFC 8414 (path-inserted) first, then OpenID discovery. */
export function metadataUrls(issuer: string): [string, string] {
  const url = checkIssuerUrl(issuer)
  const path = url.pathname.replace(/\/$/, '')
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ]
}

/**
 * Fetch and check the metadata of `issuer`. Throws ERR_CONFIG_INVALID for a bad `--issuer`,
 * ERR_AUTH_SERVER_UNAVAILABLE when no metadata could be fetched, ERR_AUTH_SERVER_INVALID when
 * the metadata cannot be trusted; each message is one line naming the issuer.
 */
export async function discoverIssuer(
  issuer: string,
  options: DiscoverIssuerOptions = {},
): Promise<IssuerMetadata> {
  const urls = metadataUrls(issuer)
  const failures: string[] = []
  for (const url of urls) {
    const outcome = await fetchMetadata(url, options)
    if (outcome.metadata) return checkMetadata(issuer, url, outcome.metadata)
    failures.push(`${url}: ${outcome.failure}`)
    // A network failure or timeout will not be cured by the second URL on the same host.
    if (outcome.fatal) break
  }
  throw new BriefdError(
    'ERR_AUTH_SERVER_UNAVAILABLE',
    `--issuer ${issuer}: no authorization server metadata (${failures.join('; ')})`,
  )
}

function checkIssuerUrl(issuer: string): URL {
  const bad = (why: string): BriefdError =>
    new BriefdError('ERR_CONFIG_INVALID', `--issuer ${why} (got ${JSON.stringify(issuer)})`)
  let url: URL
  try {
    url = new URL(issuer)
  } catch {
    throw bad('must be an absolute https URL such as https://idp.example.com')
  }
  if (url.protocol !== 'https:') throw bad('must be an https URL')
  if (issuer.includes('?') || issuer.includes('#')) throw bad('must not have a query or fragment')
  if (url.username !== '' || url.password !== '') throw bad('must not contain a user or password')
  return url
}

interface FetchOutcome {
  metadata?: Record<string, unknown>
  failure?: string
  fatal?: boolean
}

async function fetchMetadata(url: string, options: DiscoverIssuerOptions): Promise<FetchOutcome> {
  let response: Response
  try {
    response = await cappedFetch(url, options)
  } catch (err) {
    if (err instanceof ResponseTooLargeError) return { failure: err.message }
    return { failure: describeFetchError(err), fatal: true }
  }
  if (response.status !== 200) return { failure: `HTTP ${response.status}` }
  let body: unknown
  try {
    body = JSON.parse(await response.text())
  } catch {
    return { failure: 'not JSON' }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { failure: 'not a JSON object' }
  }
  return { metadata: body as Record<string, unknown> }
}

function describeFetchError(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return 'timed out'
  }
  const cause = err instanceof Error ? err.cause : undefined
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : undefined
  return code ?? (err instanceof Error ? err.message : 'request failed')
}

function checkMetadata(
  issuer: string,
  url: string,
  metadata: Record<string, unknown>,
): IssuerMetadata {
  const bad = (why: string): BriefdError =>
    new BriefdError('ERR_AUTH_SERVER_INVALID', `--issuer ${issuer}: metadata at ${url} ${why}`)
  // RFC 8414 §3.3: the issuer in the metadata must be identical to the one configured, or
  // an attacker's metadata could hand out someone else's keys.
  if (metadata.issuer !== issuer) {
    throw bad(`names issuer ${JSON.stringify(metadata.issuer)}; --issuer must be exactly that`)
  }
  const jwks = metadata.jwks_uri
  if (typeof jwks !== 'string') throw bad('has no jwks_uri')
  let jwksUri: URL
  try {
    jwksUri = new URL(jwks)
  } catch {
    throw bad(`has a jwks_uri that is not a URL (${JSON.stringify(jwks)})`)
  }
  if (jwksUri.protocol !== 'https:') throw bad(`has a jwks_uri that is not https (${jwks})`)
  return { issuer, jwksUri, algorithms: allowedAlgorithms(metadata, bad) }
}

function allowedAlgorithms(
  metadata: Record<string, unknown>,
  bad: (why: string) => BriefdError,
): string[] {
  for (const field of ALGORITHM_FIELDS) {
    const listed = metadata[field]
    if (listed === undefined) continue
    if (!Array.isArray(listed) || listed.some((a) => typeof a !== 'string')) {
      throw bad(`has a ${field} that is not a list of strings`)
    }
    const allowed = ASYMMETRIC_ALGORITHMS.filter((a) => listed.includes(a))
    if (allowed.length === 0) {
      throw bad(`lists no asymmetric algorithm in ${field} (${listed.join(', ')})`)
    }
    return allowed
  }
  return [...DEFAULT_ALGORITHMS]
}

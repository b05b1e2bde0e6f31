/**
 * @module daemon/auth/remote-verifiers
 * The two credential kinds of public mode, as CredentialVerifiers: API keys (recognised by
 * their prefix; checking one costs a single SHA-256, so there is nothing to remember) and
 * OAuth access tokens (any other compact JWS: session tokens, API keys and the bootstrap
 * secret are claimed first by their own verifiers, so an HS256 token never reaches jose here).
 */
import { looksLikeApiKey, type ApiKeyVerifier } from '../../apikeys/index.js'
import type { AccessTokenVerifier } from '../../oauth/index.js'
import type { CredentialVerifier } from '../../shared/principal.js'

export function apiKeyCredential(keys: ApiKeyVerifier): CredentialVerifier {
  return {
    kind: 'apikey',
    claims: looksLikeApiKey,
    lookup: (bearer) => (looksLikeApiKey(bearer) ? keys.verify(bearer) : undefined),
    verify: (bearer) => keys.verify(bearer),
  }
}

const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

export function accessTokenCredential(tokens: AccessTokenVerifier): CredentialVerifier {
  return {
    kind: 'oauth',
    // The verifier itself refuses oversized and malformed tokens with its typed error.
    claims: (bearer) => bearer.split('.').length === 3 || COMPACT.test(bearer),
    lookup: (bearer) => tokens.lookup(bearer),
    verify: (bearer) => tokens.verify(bearer),
  }
}

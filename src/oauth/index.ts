/**
 * @module oauth
 * The daemon's OAuth resource-server side: the canonical `--resource`, `--issuer` discovery,
 * and access-token verification into a Principal. Nothing here serves HTTP or reads files.
 */
export { canonicalResource, isLoopbackHost, sameResource } from './resource.js'
export {
  ASYMMETRIC_ALGORITHMS,
  DEFAULT_ALGORITHMS,
  discoverIssuer,
  metadataUrls,
  type DiscoverIssuerOptions,
  type IssuerMetadata,
} from './issuer.js'
export {
  AccessTokenVerifier,
  ACCESS_TOKEN_MAX_BYTES,
  CLOCK_TOLERANCE_S,
  type AccessTokenVerifierOptions,
} from './access-token-verifier.js'
export type { IssuerKeysOptions } from './issuer-keys.js'

/**
 * @module tokens/constants
 * Fixed values that bind a session token to this daemon's purpose. A JWT minted for anything
 * else (another audience, issuer or token type) is refused even if the key matched.
 */

export const SESSION_ISSUER = 'briefd'
export const SESSION_AUDIENCE = 'briefd:session'
/** RFC 8725 §3.11: explicit typing prevents cross-JWT confusion. */
export const SESSION_TOKEN_TYP = 'briefd-session+jwt'
export const SESSION_ALG = 'HS256'

export const DEFAULT_SESSION_TTL_SECONDS = 24 * 3600
/** Hard cap on any session lifetime, and how long a retired signing key is kept. */
export const MAX_SESSION_TTL_SECONDS = 7 * 24 * 3600
export const MIN_SESSION_TTL_SECONDS = 60

/** Tokens longer than this are refused before any parsing (CPU and memory DoS). */
export const MAX_TOKEN_LENGTH = 2048
/** 8725bis "Check JWT Format Type": only base64url segments and dots are legal. */
export const COMPACT_JWT_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
export const SESSION_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** Bootstrap credentials carry a prefix so secret scanners and humans recognise them. */
export const BOOTSTRAP_PREFIX = 'briefd_bs_'

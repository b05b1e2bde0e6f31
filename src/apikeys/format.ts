/**
 * @module apikeys/format
 * What an API key looks like: `briefd_ak_<id>_<secret><check>`.
 * - `briefd_ak_` lets secret scanners (and a reader of a leaked log) recognise it at sight.
 * - `<id>`: 16 lowercase hex characters (64 random bits), public. It names the key in
 *   `briefd apikey list|revoke`, is the principal's subject, and selects the stored hash.
 * - `<secret>`: 43 base62 characters holding 256 random bits. Base62 has no `_` or `-`, so
 *   the key splits unambiguously and a double click selects all of it.
 * - `<check>`: 6 base62 characters, the CRC-32 of everything before it (as GitHub's tokens
 *   carry). A scanner can tell a real key from a look-alike offline, and a mistyped key is
 *   refused before the key file is consulted. It is not a MAC; the secret is what protects.
 */
import { randomBytes } from 'node:crypto'
import { crc32 } from 'node:zlib'

export const API_KEY_PREFIX = 'briefd_ak_'
export const API_KEY_ID_RE = /^[0-9a-f]{16}$/
const SECRET_CHARS = 43
const CHECK_CHARS = 6
const KEY_RE = /^briefd_ak_([0-9a-f]{16})_([0-9A-Za-z]{43})([0-9A-Za-z]{6})$/
/** The exact length of every key, for a length check before the regular expression. */
export const API_KEY_LENGTH = API_KEY_PREFIX.length + 16 + 1 + SECRET_CHARS + CHECK_CHARS

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** `value` in base62, left-padded with `0` to `width` characters. */
function base62(value: bigint, width: number): string {
  let out = ''
  let v = value
  while (v > 0n) {
    out = ALPHABET[Number(v % 62n)] + out
    v /= 62n
  }
  return out.padStart(width, '0')
}

/**
 * The checksum of a key's body (`briefd_ak_<id>_<secret>`): CRC-32 in 6 base62 digits, for
 * scanners that validate a candidate offline.
 */
export function apiKeyChecksum(body: string): string {
  // Plain number arithmetic: this runs on every request that presents a key.
  let v = crc32(body)
  let out = ''
  for (let i = 0; i < CHECK_CHARS; i++) {
    out = ALPHABET.charAt(v % 62) + out
    v = Math.floor(v / 62)
  }
  return out
}

export interface NewApiKey {
  id: string
  /** The whole key, to be shown once and never stored. */
  key: string
}

/** A fresh key: 64 random bits of id, 256 random bits of secret (62^43 > 2^256, so none lost). */
export function generateApiKey(): NewApiKey {
  const id = randomBytes(8).toString('hex')
  const secret = base62(BigInt(`0x${randomBytes(32).toString('hex')}`), SECRET_CHARS)
  const body = `${API_KEY_PREFIX}${id}_${secret}`
  return { id, key: `${body}${apiKeyChecksum(body)}` }
}

/**
 * Cheap syntactic test, for routing a bearer string to the API key verifier rather than the
 * token verifiers. Says nothing about validity.
 */
export function looksLikeApiKey(bearer: string): boolean {
  return bearer.length === API_KEY_LENGTH && bearer.startsWith(API_KEY_PREFIX)
}

/** The key's id when `key` is well formed and its checksum matches; undefined otherwise. */
export function apiKeyId(key: string): string | undefined {
  if (key.length !== API_KEY_LENGTH) return undefined
  const m = KEY_RE.exec(key)
  if (!m) return undefined
  const [, id, , check] = m
  if (id === undefined || check === undefined) return undefined
  return apiKeyChecksum(key.slice(0, key.length - CHECK_CHARS)) === check ? id : undefined
}

/**
 * @module shared/constant-time
 * The one way briefd compares secrets (tokens, signatures, API key digests, proofs). Both
 * sides are hashed to 32 bytes first, so `timingSafeEqual` always compares equal lengths and
 * the time taken depends neither on where the values first differ nor on their lengths.
 * Where the length is public anyway (a signature of a known algorithm, a SHA-256 digest) and
 * the check runs on every request, `fixedLengthEqual` skips the two hashes (a few µs each).
 */
import { createHash, timingSafeEqual } from 'node:crypto'

const digest = (v: string | Uint8Array): Buffer =>
  createHash('sha256')
    .update(typeof v === 'string' ? Buffer.from(v, 'utf8') : v)
    .digest()

/** True when `a` and `b` are equal; constant time in both content and length. */
export function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  return timingSafeEqual(digest(a), digest(b))
}

/** A matcher for one fixed secret (hashed once), for checks on every request. */
export function secretMatcher(secret: string | Uint8Array): (presented: string) => boolean {
  const expected = digest(secret)
  return (presented) => timingSafeEqual(digest(presented), expected)
}

/**
 * True when `a` and `b` are equal, for values whose length is not secret: a signature of a
 * pinned algorithm, a SHA-256 digest. The time depends on the lengths only, never on where the
 * values first differ; unequal lengths answer false at once. No hashing: this is the compare of
 * every request with a remembered token or an API key.
 */
export function fixedLengthEqual(a: string, b: string): boolean
export function fixedLengthEqual(a: Uint8Array, b: Uint8Array): boolean
export function fixedLengthEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  if (typeof a === 'string' && typeof b === 'string') {
    if (a.length !== b.length) return false
    let diff = 0
    for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
    return diff === 0
  }
  if (typeof a === 'string' || typeof b === 'string') return false
  return a.length === b.length && timingSafeEqual(a, b)
}

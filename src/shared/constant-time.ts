/**
 * @module shared/constant-time
 * The one way briefd compares secrets (tokens, signatures, API key digests, proofs). Both
 * sides are hashed to 32 bytes first, so `timingSafeEqual` always compares equal lengths and
 * the time taken depends neither on where the values first differ nor on their lengths.
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

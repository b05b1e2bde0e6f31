/**
 * @module shared/constant-time
 * The one comparison of secrets (MACs, credential hashes) in briefd. `===` on strings or
 * `Buffer.equals` returns at the first differing byte, so the time a wrong guess takes tells
 * an attacker how many leading bytes were right; `timingSafeEqual` always reads every byte.
 */
import { timingSafeEqual } from 'node:crypto'

/**
 * True when `a` and `b` hold the same bytes, in time that depends only on their length. A
 * length mismatch returns false at once: callers compare fixed-length values (digests, MACs),
 * so the length is public and reveals nothing.
 */
export function constantTimeEqual(a: Uint8Array | string, b: Uint8Array | string): boolean {
  const x = typeof a === 'string' ? Buffer.from(a, 'utf8') : a
  const y = typeof b === 'string' ? Buffer.from(b, 'utf8') : b
  if (x.length !== y.length) return false
  return timingSafeEqual(x, y)
}

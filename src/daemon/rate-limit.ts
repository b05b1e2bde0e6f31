/**
 * @module daemon/rate-limit
 * Token buckets. The daemon only listens on loopback, so every caller shares an address:
 * buckets are keyed by the kind of caller (anonymous or failed, health checks, bootstrap,
 * and one bucket per valid session), not by IP.
 */

/**
 * The bucket of failed credentials (forged, expired, revoked or malformed tokens, a wrong
 * bootstrap credential), kept apart from the anonymous one and sized like it. Only this one
 * decides whether a new token is verified, so callers without credentials (a web page) cannot
 * lock valid sessions out.
 */
export const CREDENTIAL_BUCKET = 'credential-failures'

export interface BucketSpec {
  /** Requests allowed in a burst. */
  burst: number
  /** Sustained requests per second. */
  perSecond: number
}

export interface RateLimitConfig {
  /** Requests without a valid credential; failed credentials (brute force) get a second bucket of the same size. */
  anonymous: BucketSpec
  /** `GET /health`. */
  health: BucketSpec
  /** Session issuance with the bootstrap credential. */
  bootstrap: BucketSpec
  /** Each valid session (a busy MCP server must never be throttled). */
  session: BucketSpec
}

export const DEFAULT_RATE_LIMITS: RateLimitConfig = Object.freeze({
  anonymous: { burst: 30, perSecond: 5 },
  health: { burst: 200, perSecond: 100 },
  bootstrap: { burst: 60, perSecond: 20 },
  session: { burst: 100_000, perSecond: 50_000 },
})

interface Bucket {
  tokens: number
  at: number
}

const MAX_BUCKETS = 20_000

export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>()
  readonly #now: () => number

  constructor(now: () => number = () => Date.now()) {
    this.#now = now
  }

  #refill(key: string, spec: BucketSpec): Bucket {
    const now = this.#now()
    let b = this.#buckets.get(key)
    if (!b) {
      // Bounded: per-session buckets must not grow without limit. Dropping the oldest only
      // ever gives a caller a fresh (full) bucket, never someone else's.
      if (this.#buckets.size >= MAX_BUCKETS)
        this.#buckets.delete(this.#buckets.keys().next().value as string)
      b = { tokens: spec.burst, at: now }
      this.#buckets.set(key, b)
      return b
    }
    if (now > b.at) {
      b.tokens = Math.min(spec.burst, b.tokens + ((now - b.at) / 1000) * spec.perSecond)
      b.at = now
    }
    return b
  }

  /** Takes one token; returns 0 when allowed, else the seconds to wait (≥ 1). */
  take(key: string, spec: BucketSpec): number {
    const b = this.#refill(key, spec)
    if (b.tokens >= 1) {
      b.tokens -= 1
      return 0
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / spec.perSecond))
  }

  /** Whether a token is available, without taking it. */
  available(key: string, spec: BucketSpec): boolean {
    return this.#refill(key, spec).tokens >= 1
  }
}

/**
 * @module oauth/issuer-keys
 * One issuer's signing keys, fetched from the `jwks_uri` of its metadata with jose's
 * `createRemoteJWKSet`. What jose leaves to us: its refetch cooldown counts from the last
 * *successful* fetch, so while the endpoint is down every token with an unknown `kid` would
 * hit it again, and a stale cache is refetched inline, failing every token when the endpoint
 * is down. Here every fetch attempt, good or bad, opens a cooldown; keys already fetched keep
 * verifying whatever the endpoint does; a stale set is refreshed in the background; and a
 * fetch is bounded in time and size.
 */
import {
  createRemoteJWKSet,
  customFetch,
  errors as joseErrors,
  type FlattenedJWSInput,
  type JWTHeaderParameters,
} from 'jose'
import { cappedFetch } from './capped-fetch.js'

export const JWKS_TIMEOUT_MS = 3_000
export const JWKS_COOLDOWN_MS = 30_000
export const JWKS_MAX_AGE_MS = 10 * 60_000
export const JWKS_MAX_BYTES = 256 * 1024

export interface IssuerKeysOptions {
  /** One fetch attempt's limit. */
  timeoutMs?: number
  /** At most one fetch attempt per cooldown, whatever its outcome. */
  cooldownMs?: number
  /** After this long a key set is refreshed in the background, the old one still in use. */
  maxAgeMs?: number
  now?: () => number
}

/** Raised when the key set could not be fetched (down, slow, invalid) or is cooling down. */
export class KeySetUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'KeySetUnavailableError'
  }
}

type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>
type Key = Awaited<ReturnType<RemoteKeySet>>

export class IssuerKeys {
  readonly #remote: RemoteKeySet
  readonly #cooldownMs: number
  readonly #maxAgeMs: number
  readonly #now: () => number
  #lastAttempt = Number.NEGATIVE_INFINITY
  #lastSuccess = Number.NEGATIVE_INFINITY
  #pending: Promise<void> | undefined
  #fetchAttempts = 0

  constructor(jwksUri: URL, options: IssuerKeysOptions = {}) {
    const timeoutMs = options.timeoutMs ?? JWKS_TIMEOUT_MS
    this.#cooldownMs = options.cooldownMs ?? JWKS_COOLDOWN_MS
    this.#maxAgeMs = options.maxAgeMs ?? JWKS_MAX_AGE_MS
    this.#now = options.now ?? (() => Date.now())
    this.#remote = createRemoteJWKSet(jwksUri, {
      timeoutDuration: timeoutMs,
      // jose never refetches on its own: the cooldown and the staleness are ours (see above).
      cooldownDuration: Number.POSITIVE_INFINITY,
      cacheMaxAge: Number.POSITIVE_INFINITY,
      [customFetch]: (url, init) =>
        cappedFetch(url, {
          timeoutMs,
          maxBytes: JWKS_MAX_BYTES,
          headers: init.headers,
          signal: init.signal,
        }),
    })
  }

  /** Completed fetch attempts, successful or not: for diagnostics and tests. */
  get fetchAttempts(): number {
    return this.#fetchAttempts
  }

  /**
   * Fetch the key set now (at start-up, so a broken `jwks_uri` shows before the first
   * request). Throws KeySetUnavailableError; the cooldown applies as for any other fetch.
   */
  load(): Promise<void> {
    return this.#refetch()
  }

  /** The key for a token's header; a `getKey` for jose's `jwtVerify`. */
  readonly getKey = async (header: JWTHeaderParameters, token: FlattenedJWSInput): Promise<Key> => {
    if (this.#remote.jwks() === undefined) {
      await this.#refetch()
    } else if (this.#now() - this.#lastSuccess >= this.#maxAgeMs) {
      // Best effort: a failure keeps the set we have and is retried after the cooldown.
      this.#refetch().catch(() => undefined)
    }
    try {
      return await this.#remote(header, token)
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSNoMatchingKey)) throw err
      // An unknown kid may be a key the issuer rotated in since we fetched: look once.
      await this.#refetch()
      return await this.#remote(header, token)
    }
  }

  /** Fetch the key set now unless a fetch is running or the cooldown is open. */
  async #refetch(): Promise<void> {
    if (this.#pending) return this.#pending
    if (this.#now() - this.#lastAttempt < this.#cooldownMs) {
      if (this.#remote.jwks() === undefined) {
        throw new KeySetUnavailableError('key set not fetched yet and refetch is cooling down')
      }
      throw new joseErrors.JWKSNoMatchingKey()
    }
    this.#lastAttempt = this.#now()
    this.#pending = this.#remote
      .reload()
      .then(
        () => {
          this.#lastSuccess = this.#now()
        },
        (err: unknown) => {
          throw new KeySetUnavailableError(`key set fetch failed: ${describe(err)}`, {
            cause: err,
          })
        },
      )
      .finally(() => {
        this.#fetchAttempts++
        this.#pending = undefined
      })
    return this.#pending
  }
}

function describe(err: unknown): string {
  if (err instanceof joseErrors.JWKSTimeout) return 'timed out'
  if (err instanceof Error) {
    const cause = err.cause
    if (typeof cause === 'object' && cause !== null && 'code' in cause) return String(cause.code)
    return err.message
  }
  return 'unknown error'
}

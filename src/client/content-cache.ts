/**
 * @module client/content-cache
 * The in-memory cache of confidential documents (never written to disk): bounded in entries
 * (lru-cache), fresh for a TTL, then revalidated with the daemon. Concurrent lookups of one
 * key share one load, so a burst of calls for an uncached template costs one daemon request.
 * When a revalidation fails because the daemon failed (down, hung, 5xx), the stale copy is
 * served. When access itself is in doubt (no token, a refused token file, 401, 404), nothing
 * cached is served: stale-if-error must not outlive the session it was fetched for.
 */
import { LRUCache } from 'lru-cache'
import { BriefdError } from '../shared/errors.js'
import { isDaemonFailure, isRefusal, type DaemonDocument } from './documents.js'

export const DEFAULT_CACHE_TTL_MS = 5 * 60_000
export const DEFAULT_CACHE_MAX_ENTRIES = 256

/** Where a looked-up document came from. */
export type CacheSource = 'daemon' | 'cache' | 'stale'

export type CacheLookup =
  | { doc: DaemonDocument; source: CacheSource; error?: BriefdError }
  | { doc: undefined; error: BriefdError }

/** Loads (or revalidates) one document; `cached` is the copy held, fresh or stale. */
export type DocumentLoader = (cached: DaemonDocument | undefined) => Promise<DaemonDocument>

export interface ContentCacheOptions {
  ttlMs?: number
  maxEntries?: number
  /** Monotonic clock in ms (tests). */
  now?: () => number
}

function asBriefdError(err: unknown): BriefdError {
  return err instanceof BriefdError
    ? err
    : new BriefdError(
        'ERR_INTERNAL',
        `loading a document failed: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      )
}

interface Entry {
  doc: DaemonDocument
  /** Monotonic ms after which the entry must be revalidated. */
  freshUntil: number
}

export class ContentCache {
  // lru-cache bounds the entries; freshness is ours, so an expired entry stays available as
  // the stale-if-error copy and the If-None-Match source without any TTL special cases.
  readonly #lru: LRUCache<string, Entry>
  readonly #inflight = new Map<string, Promise<CacheLookup>>()
  readonly #ttlMs: number
  readonly #now: () => number

  constructor(options: ContentCacheOptions = {}) {
    this.#lru = new LRUCache<string, Entry>({
      max: options.maxEntries ?? DEFAULT_CACHE_MAX_ENTRIES,
    })
    this.#ttlMs = options.ttlMs ?? DEFAULT_CACHE_TTL_MS
    this.#now = options.now ?? (() => performance.now())
  }

  /** Number of entries held (fresh or stale). */
  get size(): number {
    return this.#lru.size
  }

  /** Drops everything (e.g. the daemon refused our token: cached content is no longer ours). */
  clear(): void {
    this.#lru.clear()
  }

  /**
   * A fresh entry, or the result of one shared load. `load` runs only when the entry is
   * missing or expired and no load for `key` is already running.
   */
  get(key: string, load: DocumentLoader): Promise<CacheLookup> {
    const held = this.#lru.get(key)
    if (held !== undefined && this.#now() < held.freshUntil)
      return Promise.resolve({ doc: held.doc, source: 'cache' })
    const running = this.#inflight.get(key)
    if (running) return running
    const pending = this.#load(key, held?.doc, load).finally(() => this.#inflight.delete(key))
    this.#inflight.set(key, pending)
    return pending
  }

  async #load(
    key: string,
    stale: DaemonDocument | undefined,
    load: DocumentLoader,
  ): Promise<CacheLookup> {
    try {
      const doc = await load(stale)
      this.#lru.set(key, { doc, freshUntil: this.#now() + this.#ttlMs })
      return { doc, source: 'daemon' }
    } catch (thrown) {
      const error = asBriefdError(thrown)
      if (stale !== undefined && isDaemonFailure(error))
        return { doc: stale, source: 'stale', error }
      if (isRefusal(error)) this.#lru.delete(key)
      return { doc: undefined, error }
    }
  }
}

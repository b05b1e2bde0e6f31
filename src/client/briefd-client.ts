/**
 * @module client/briefd-client
 * The typed client for an MCP server's confidential parts: instructions, voice, briefing and
 * templates, fetched from the local daemon with this process's session token. Every method
 * resolves, never rejects for daemon trouble: it returns fresh content, a cached or stale
 * copy, or the caller's generic fallback, and says which (and why) in the result. Daemon
 * calls have a hard timeout; results live in memory only.
 *
 * @example
 * ```ts
 * const briefd = new BriefdClient()
 * const r = await briefd.render('review-verdict', { verdict: 'APPROVE' }, { fallback: 'Verdict: {{verdict}}' })
 * console.error(r.source) // 'daemon' | 'cache' | 'stale' | 'fallback'
 * ```
 */
import { BriefdError, isBriefdError } from '../shared/errors.js'
import { silentLogger, type Logger } from '../shared/log.js'
import type { Env } from '../shared/paths.js'
import { ContentCache, DEFAULT_CACHE_MAX_ENTRIES, DEFAULT_CACHE_TTL_MS } from './content-cache.js'
import { documentPath, fetchDocument, type DaemonDocument, type DocumentKind } from './documents.js'
import type { DocumentSource } from '../briefing/document-source.js'
import { renderTemplate, type RenderValue } from '../briefing/render.js'
import {
  readSessionToken,
  waitForSessionToken,
  type SessionToken,
  type TokenLocator,
} from './session-token.js'

export const DEFAULT_TIMEOUT_MS = 500
export const DEFAULT_GRACE_MS = 1500
/** How long after a failed renewal of a refused token the next one is tried. */
const RENEW_RETRY_MS = 30_000
/** The least time a fetch gets after a late token, so a token found at the end of the grace period is still used. */
const MIN_FETCH_MS = 250

export interface BriefdClientOptions {
  /** Where to look for the token file (`BRIEFD_TOKEN_FILE`, host discovery). Default: process.env. */
  env?: Env
  /**
   * Finds the token file, for hosts with a scheme of their own. Default: `BRIEFD_TOKEN_FILE`,
   * else the file of this process's host (see the README, "Session hooks and token files").
   */
  locateTokenFile?: TokenLocator
  /** Hard deadline of each daemon request, ms. Default 500. */
  timeoutMs?: number
  /** How long a fetched document is used without asking the daemon, ms. Default 5 min. */
  cacheTtlMs?: number
  /** Most documents held. Default 256. */
  cacheMaxEntries?: number
  /** How long `instructions({ waitForToken: true })` waits for a token file, from construction, ms. Default 1500. */
  graceMs?: number
  /**
   * Gets a new session token into the token file when the daemon refused the current one (a
   * hosted daemon: the session outlived its token; renewed from the stored sign-in). Throws
   * when it cannot (signed out, key revoked): the client then falls back as for any refusal.
   */
  renewSession?: () => Promise<void>
  /** Diagnostics (never content or tokens). Default: silent. */
  logger?: Logger
  /** Clocks (tests): wall time for the grace period, monotonic time for the cache. */
  now?: () => number
  monotonicNow?: () => number
}

/** Where a result's text came from. */
export type ContentSource = 'daemon' | 'cache' | 'stale' | 'fallback'

export interface ContentResult {
  /** The confidential text, or the fallback (empty if none was given) when `source` is 'fallback'. */
  text: string
  source: ContentSource
  /** Why the text is stale or a fallback. Its message names no content and no token. */
  reason?: BriefdError
}

export interface ContentOptions {
  /** Generic text to return when the content is unavailable. */
  fallback?: string
}

export interface InstructionsOptions extends ContentOptions {
  /**
   * Wait (until `graceMs` after the client was created) for a token file that does not exist
   * yet: at start-up, the SessionStart hook may still be writing it.
   */
  waitForToken?: boolean
}

/**
 * Statuses that refuse the token itself, so that sending it again cannot help: 401 (invalid,
 * expired, revoked) and 431 (a token too large for the daemon's header limit). Not 400,
 * which may be about the request (a template name) rather than the token.
 */
function refusesToken(status: unknown): boolean {
  return status === 401 || status === 431
}

/** A DocumentSource: what `briefd mcp` (briefing/server) reads its texts from. */
export class BriefdClient implements DocumentSource {
  readonly #env: Env
  readonly #locate: TokenLocator | undefined
  readonly #renew: (() => Promise<void>) | undefined
  /** One renewal at a time: concurrent refusals share it. */
  #renewing: Promise<void> | undefined
  /** After a failed renewal (authorization server down, sign-in revoked), when to try again. */
  #renewRetryAt = 0
  readonly #timeoutMs: number
  readonly #graceMs: number
  readonly #logger: Logger
  readonly #now: () => number
  readonly #createdAt: number
  readonly #cache: ContentCache
  /** A token the daemon refused and the token file still holds: not sent again (no 401 storm). */
  #refusedToken: string | undefined

  constructor(options: BriefdClientOptions = {}) {
    for (const [name, v] of [
      ['timeoutMs', options.timeoutMs],
      ['cacheTtlMs', options.cacheTtlMs],
      ['cacheMaxEntries', options.cacheMaxEntries],
      ['graceMs', options.graceMs],
    ] as const) {
      if (v !== undefined && (!Number.isSafeInteger(v) || v < (name === 'graceMs' ? 0 : 1)))
        throw new TypeError(
          `BriefdClient: ${name} must be a ${name === 'graceMs' ? 'non-negative' : 'positive'} integer`,
        )
    }
    this.#env = options.env ?? process.env
    this.#locate = options.locateTokenFile
    this.#renew = options.renewSession
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.#graceMs = options.graceMs ?? DEFAULT_GRACE_MS
    this.#logger = options.logger ?? silentLogger
    this.#now = options.now ?? Date.now
    this.#createdAt = this.#now()
    this.#cache = new ContentCache({
      ttlMs: options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS,
      maxEntries: options.cacheMaxEntries ?? DEFAULT_CACHE_MAX_ENTRIES,
      ...(options.monotonicNow ? { now: options.monotonicNow } : {}),
    })
  }

  /** The `initialize` instructions (preamble + instructions). */
  async instructions(options: InstructionsOptions = {}): Promise<ContentResult> {
    if (!options.waitForToken) return this.#get('instructions', undefined, options)
    const graceEnd = this.#createdAt + this.#graceMs
    try {
      await waitForSessionToken(this.#env, graceEnd, this.#now, this.#locate)
    } catch {
      // Reported by the fetch below, which reads the token again and fails the same way.
    }
    // Bound the whole start-up wait: a token found late gets what is left, but at least MIN_FETCH_MS.
    const budgetEnd = this.#createdAt + Math.max(this.#timeoutMs, this.#graceMs + MIN_FETCH_MS)
    const timeoutMs = Math.min(this.#timeoutMs, Math.max(MIN_FETCH_MS, budgetEnd - this.#now()))
    return this.#get('instructions', undefined, options, timeoutMs)
  }

  /** The voice and tone rules. */
  voice(options: ContentOptions = {}): Promise<ContentResult> {
    return this.#get('voice', undefined, options)
  }

  /** The long-form briefing (guidance that does not fit in the 2 KB instructions). */
  briefing(options: ContentOptions = {}): Promise<ContentResult> {
    return this.#get('briefing', undefined, options)
  }

  /** A response template, unrendered. */
  template(name: string, options: ContentOptions = {}): Promise<ContentResult> {
    return this.#get('template', name, options)
  }

  /**
   * A template rendered with `vars` as plain text (see render.ts). The fallback, if given,
   * is rendered with the same values.
   */
  async render(
    name: string,
    vars: Readonly<Record<string, RenderValue>>,
    options: ContentOptions = {},
  ): Promise<ContentResult> {
    const r = await this.template(name, options)
    return { ...r, text: renderTemplate(r.text, vars) }
  }

  async #get(
    kind: DocumentKind,
    name: string | undefined,
    options: ContentOptions,
    timeoutMs = this.#timeoutMs,
  ): Promise<ContentResult> {
    let path: string
    try {
      path = documentPath(kind, name)
    } catch (err) {
      return this.#fallback(options, err)
    }
    const lookup = await this.#cache.get(path, (cached) => this.#load(path, cached, timeoutMs))
    if (lookup.doc === undefined) return this.#fallback(options, lookup.error)
    return {
      text: lookup.doc.content,
      source: lookup.source,
      ...(lookup.error ? { reason: lookup.error } : {}),
    }
  }

  #fallback(options: ContentOptions, err: unknown): ContentResult {
    const reason =
      err instanceof BriefdError
        ? err
        : new BriefdError('ERR_INTERNAL', 'content unavailable', { cause: err })
    return { text: options.fallback ?? '', source: 'fallback', reason }
  }

  async #load(
    path: string,
    cached: DaemonDocument | undefined,
    timeoutMs: number,
  ): Promise<DaemonDocument> {
    await this.#retryRenewal()
    const session = this.#usableToken()
    try {
      return await fetchDocument({
        daemonUrl: session.daemonUrl,
        ...(session.daemonSocket !== undefined ? { daemonSocket: session.daemonSocket } : {}),
        token: session.token,
        path,
        timeoutMs,
        ...(cached ? { cached } : {}),
      })
    } catch (err) {
      if (!isBriefdError(err, 'ERR_DAEMON_REJECTED') || !refusesToken(err.details.status)) throw err
      // The hook may have replaced the token since we read it (a new session after /clear): one re-read.
      this.#logger.debug(
        `daemon refused the session token from ${session.path}; re-reading the token file once`,
      )
      let again = readSessionToken(this.#env, this.#locate)
      if (again.token === session.token && this.#renew) {
        // Nobody replaced it: renew it ourselves (a hosted daemon's session outlived its token).
        try {
          await this.#renewOnce()
        } catch (renewErr) {
          this.#refuse(session.token)
          throw renewErr
        }
        again = readSessionToken(this.#env, this.#locate)
      }
      if (again.token !== session.token) {
        try {
          return await fetchDocument({
            daemonUrl: again.daemonUrl,
            ...(again.daemonSocket !== undefined ? { daemonSocket: again.daemonSocket } : {}),
            token: again.token,
            path,
            timeoutMs,
            ...(cached ? { cached } : {}),
          })
        } catch (retryErr) {
          if (
            isBriefdError(retryErr, 'ERR_DAEMON_REJECTED') &&
            refusesToken(retryErr.details.status)
          )
            this.#refuse(again.token)
          throw retryErr
        }
      }
      this.#refuse(session.token)
      throw err
    }
  }

  #renewOnce(): Promise<void> {
    const renew = this.#renew
    if (!renew) return Promise.resolve()
    this.#renewing ??= renew()
      .catch((err: unknown) => {
        this.#renewRetryAt = this.#now() + RENEW_RETRY_MS
        throw err
      })
      .finally(() => (this.#renewing = undefined))
    return this.#renewing
  }

  /**
   * A refused token that nobody replaced: try renewing again now and then, so a session whose
   * renewal failed for a while (authorization server down) recovers without a restart.
   */
  async #retryRenewal(): Promise<void> {
    if (!this.#renew || this.#refusedToken === undefined || this.#now() < this.#renewRetryAt) return
    try {
      if (readSessionToken(this.#env, this.#locate).token !== this.#refusedToken) return
      await this.#renewOnce()
      this.#refusedToken = undefined
    } catch {
      // Reported by the renewal itself; the fetch below fails as before.
    }
  }

  /** The current token, unless it is one the daemon already refused. */
  #usableToken(): SessionToken {
    const session = readSessionToken(this.#env, this.#locate)
    if (session.token === this.#refusedToken) {
      throw new BriefdError(
        'ERR_DAEMON_REJECTED',
        `the daemon refused the session token in ${session.path}; waiting for a new one (start a new session)`,
        { details: { status: 401 } },
      )
    }
    return session
  }

  /** The daemon refused this token: remember it, and drop every document fetched with our access. */
  #refuse(token: string): void {
    this.#refusedToken = token
    this.#cache.clear()
  }
}

/**
 * @module daemon/audit
 * The audit log: one JSON line per session issued or revoked, document delivered, and
 * request denied, appended to `audit.log` (0600) in the state dir. It never contains a token,
 * the bootstrap credential or any content: only times, session ids, routes, document names,
 * statuses and error codes. A delivery waits for its line to be written (to the page cache)
 * before its response leaves, and a failed write fails the delivery closed. Delivery lines
 * are batched: all the lines of one event-loop turn go out in one write(2), which keeps the
 * audit cost per request at a few microseconds under load.
 */
import { closeSync, fstatSync, renameSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { BriefdError } from '../shared/errors.js'
import type { Logger } from '../shared/log.js'
import { STATE_FILES } from '../shared/paths.js'
import { ensurePrivateDir, openPrivateAppend } from '../shared/secure-fs.js'
import type { Principal } from '../shared/principal.js'

export type AuditEvent =
  | 'daemon.started'
  | 'daemon.stopped'
  | 'session.issued'
  | 'session.revoked'
  | 'document.delivered'
  | 'request.denied'
  | 'requests.rate_limited'
  | 'mcp.tool_call'

export interface AuditEntry {
  event: AuditEvent
  status?: number
  session_id?: string
  /** Who: the principal's kind, subject, tenant, client id and scopes (never a secret). */
  principal?: AuditPrincipal
  /** Method and route pattern, never the raw URL (which may carry anything). */
  route?: string
  document?: string
  /** Error code of a denial. */
  reason?: string
  /** Free-form, non-secret counters (e.g. suppressed 429s). */
  count?: number
  /** `/mcp` tool calls: the tool, its argument names and a hash of the arguments (never values). */
  tool?: string
  argument_names?: string[]
  arguments_sha256?: string
  /** How the call was answered: `ok`, `fallback`, `invalid_arguments` or `refused`. */
  result?: string
  /** The version of the template (or briefing) delivered. */
  etag?: string
}

export interface AuditPrincipal {
  kind: string
  subject: string
  tenant?: string
  client_id?: string
  scopes?: string[]
}

/** The audit form of a principal; scopes are absent for credentials that hold every scope. */
export function auditPrincipal(p: Principal): AuditPrincipal {
  return {
    kind: p.kind,
    subject: p.subject,
    ...(p.tenant !== undefined ? { tenant: p.tenant } : {}),
    ...(p.clientId !== undefined ? { client_id: p.clientId } : {}),
    ...(p.scopes !== undefined ? { scopes: [...p.scopes].sort() } : {}),
  }
}

// Remembered principals are the same object on every request, so their JSON is built once.
const principalJson = new WeakMap<Principal, string>()
function principalFragment(p: Principal): string {
  let json = principalJson.get(p)
  if (json === undefined) {
    json = JSON.stringify(auditPrincipal(p))
    principalJson.set(p, json)
  }
  return json
}

export interface AuditLogOptions {
  stateDir: string
  logger: Logger
  /** Rotate to audit.log.1 beyond this size. */
  maxBytes?: number
  /**
   * Whether other requests may be in flight right now (the daemon counts open connections).
   * Only then is there anything to batch a delivery line with.
   */
  concurrent?: () => boolean
  now?: () => number
}

const NLINK_CHECK_MS = 1000

export class AuditLog {
  readonly #stateDir: string
  readonly #path: string
  readonly #logger: Logger
  readonly #maxBytes: number
  readonly #now: () => number
  #fd = -1
  #size = 0
  #checkedAt = 0
  /** 429s suppressed in the current one-second window. */
  #rateLimited = 0
  #rateWindow = 0
  #rateTimer: NodeJS.Timeout | undefined
  readonly #concurrent: () => boolean
  #batch:
    | { lines: string[]; done: Promise<void>; resolve: () => void; reject: (err: unknown) => void }
    | undefined

  constructor(options: AuditLogOptions) {
    this.#stateDir = options.stateDir
    this.#path = join(options.stateDir, STATE_FILES.audit)
    this.#logger = options.logger
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024
    this.#now = options.now ?? (() => Date.now())
    this.#concurrent = options.concurrent ?? (() => true)
    this.#open()
  }

  get path(): string {
    return this.#path
  }

  #open(): void {
    ensurePrivateDir(this.#stateDir, { label: 'state dir' })
    this.#fd = openPrivateAppend(this.#path, 'audit log')
    this.#size = fstatSync(this.#fd).size
    this.#checkedAt = this.#now()
  }

  #ensureOpen(now: number): void {
    if (this.#fd < 0) return this.#open()
    if (now - this.#checkedAt < NLINK_CHECK_MS) return
    this.#checkedAt = now
    // The file (or the whole state dir) was removed: lines written now would be lost.
    if (fstatSync(this.#fd).nlink === 0) {
      this.#logger.warn(`audit log ${this.#path} was removed; starting a new one`)
      this.#reopen()
    }
  }

  /** Starts a new file if the current one was removed (the state dir was deleted). */
  reopenIfRemoved(): void {
    if (this.#fd >= 0 && fstatSync(this.#fd).nlink > 0) return
    this.#reopen()
  }

  #reopen(): void {
    const old = this.#fd
    this.#fd = -1
    if (old >= 0) closeSync(old)
    this.#open()
  }

  #rotate(): void {
    const old = this.#fd
    this.#fd = -1
    closeSync(old)
    renameSync(this.#path, `${this.#path}.1`)
    this.#open()
  }

  /** Appends one entry now. Throws ERR_AUDIT_UNAVAILABLE if it cannot be written. */
  record(entry: AuditEntry): void {
    const now = this.#now()
    this.#flushBatch()
    this.#write(now, entry)
  }

  /**
   * Records a delivery before its response may leave. Under load, lines are batched: those
   * of one event-loop turn go out in one write(2) at the end of the turn, and the returned
   * promise settles then. With a single client there is nothing to batch with, so the line is
   * written at once and undefined is returned: no extra loop turn, no promise. Either way a
   * write failure surfaces as ERR_AUDIT_UNAVAILABLE.
   * The caller vouches that `route` and `document` need no JSON escaping (fixed route labels,
   * validated document names); the principal's part is serialised once per principal. This is
   * the per-request path.
   */
  recordDelivery(
    status: number,
    principal: Principal,
    route: string,
    document: string,
  ): Promise<void> | undefined {
    const now = this.#now()
    this.#stamp(now)
    const session =
      principal.sessionId === undefined ? '' : `"session_id":"${principal.sessionId}",`
    const line = `{"time":"${this.#iso}","event":"document.delivered","status":${status},${session}"principal":${principalFragment(principal)},"route":"${route}","document":"${document}"}\n`
    if (this.#batch !== undefined || this.#concurrent()) return this.#enqueueLine(line)
    this.#writeRaw(now, line)
    return undefined
  }

  #enqueueLine(line: string): Promise<void> {
    if (!this.#batch) {
      let resolve!: () => void
      let reject!: (err: unknown) => void
      const done = new Promise<void>((res, rej) => {
        resolve = res
        reject = rej
      })
      this.#batch = { lines: [], done, resolve, reject }
      setImmediate(() => this.#flushBatch())
    }
    this.#batch.lines.push(line)
    return this.#batch.done
  }

  #flushBatch(): void {
    const batch = this.#batch
    if (!batch) return
    this.#batch = undefined
    try {
      this.#writeRaw(this.#now(), batch.lines.join(''))
      batch.resolve()
    } catch (err) {
      batch.reject(err)
    }
  }

  /**
   * Records a 429. A flood would otherwise fill the disk with identical lines: the first 429
   * of each second is written, the rest are counted and summarised in one line when the
   * second is over.
   */
  recordRateLimited(entry: AuditEntry): void {
    const now = this.#now()
    const window = Math.floor(now / 1000)
    if (window === this.#rateWindow && this.#rateTimer) {
      this.#rateLimited++
      return
    }
    this.#flushRateLimited()
    this.#rateWindow = window
    this.#rateLimited = 0
    this.#rateTimer = setTimeout(
      () => {
        try {
          this.#flushRateLimited()
        } catch {
          // Reported by #write; a summary line is not worth crashing for.
        }
      },
      (window + 1) * 1000 - now,
    )
    this.#rateTimer.unref()
    this.#write(now, entry)
  }

  #flushRateLimited(): void {
    if (this.#rateTimer) clearTimeout(this.#rateTimer)
    this.#rateTimer = undefined
    const count = this.#rateLimited
    this.#rateLimited = 0
    if (count > 0) this.#write(this.#now(), { event: 'requests.rate_limited', status: 429, count })
  }

  #isoAt = -1
  #iso = ''

  /** Lines of one millisecond share their timestamp string; toISOString is not free. */
  #stamp(now: number): void {
    if (now !== this.#isoAt) {
      this.#isoAt = now
      this.#iso = new Date(now).toISOString()
    }
  }

  #line(now: number, entry: AuditEntry): string {
    this.#stamp(now)
    return `{"time":"${this.#iso}",${JSON.stringify(entry).slice(1)}\n`
  }

  #write(now: number, entry: AuditEntry): void {
    this.#writeRaw(now, this.#line(now, entry))
  }

  #writeRaw(now: number, text: string): void {
    try {
      this.#ensureOpen(now)
      const bytes = Buffer.from(text, 'utf8')
      if (this.#size + bytes.length > this.#maxBytes) this.#rotate()
      let off = 0
      while (off < bytes.length) off += writeSync(this.#fd, bytes, off, bytes.length - off)
      this.#size += bytes.length
    } catch (err) {
      this.#logger.error(
        `audit log ${this.#path} cannot be written (${err instanceof Error ? err.message : String(err)})`,
      )
      // Try a fresh handle next time: the fault (full disk, removed dir) may clear.
      try {
        if (this.#fd >= 0) closeSync(this.#fd)
      } catch {
        // already closed; nothing to release
      }
      this.#fd = -1
      throw new BriefdError('ERR_AUDIT_UNAVAILABLE', `audit log ${this.#path} cannot be written`, {
        cause: err,
      })
    }
  }

  close(): void {
    this.#flushBatch()
    try {
      this.#flushRateLimited()
    } catch {
      // Closing anyway; #write reported the failure.
    }
    if (this.#fd >= 0) closeSync(this.#fd)
    this.#fd = -1
  }
}

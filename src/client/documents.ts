/**
 * @module client/documents
 * One confidential document from the daemon: `GET /v1/instructions|voice|briefing` or
 * `/v1/templates/:name`, with the session token in `Authorization: Bearer` and conditional
 * revalidation (`If-None-Match` → 304). Failures become BriefdErrors whose codes tell the
 * cache whether a stale copy may still be served (the daemon failed) or not (the daemon
 * refused: 401, 404).
 */
import { BriefdError } from '../shared/errors.js'
import { TEMPLATE_NAME_RE } from '../shared/template-name.js'
import { daemonRequest, jsonBody } from './daemon-request.js'
import { challengeScope } from './session-exchange.js'
import { documentPath as contractPath, type DocumentKind } from '../shared/contract/routes.js'

/** A document as the client keeps it. `daemonUrl` is where it came from. */
export interface DaemonDocument {
  content: string
  etag: string
  daemonUrl: string
}

export type { DocumentKind }

/** The daemon path of a document; throws ERR_CONTENT_NAME_INVALID for a bad template name. */
export function documentPath(kind: DocumentKind, name?: string): string {
  if (kind !== 'template') return contractPath(kind)
  if (name === undefined || !TEMPLATE_NAME_RE.test(name)) {
    throw new BriefdError(
      'ERR_CONTENT_NAME_INVALID',
      `template name ${JSON.stringify(String(name).slice(0, 80))} is invalid: 1–64 letters, digits, "_" and "-"`,
    )
  }
  return contractPath(kind, name)
}

export interface FetchDocumentOptions {
  daemonUrl: string
  /** The daemon's Unix socket, tried first (client/daemon-request). */
  daemonSocket?: string
  token: string
  path: string
  /** The copy we hold, if any, for `If-None-Match`. */
  cached?: DaemonDocument
  timeoutMs: number
  signal?: AbortSignal
}

/** Is this failure a refusal by the daemon (no stale copy may be served)? */
export function isRefusal(err: unknown): boolean {
  return (
    err instanceof BriefdError &&
    (err.code === 'ERR_CONTENT_NOT_FOUND' ||
      (err.code === 'ERR_DAEMON_REJECTED' &&
        (err.details.status === 401 || err.details.status === 403)))
  )
}

/** Did the daemon fail (down, hung, 5xx, garbage), as opposed to refusing us? */
export function isDaemonFailure(err: unknown): boolean {
  if (!(err instanceof BriefdError)) return false
  if (
    err.code === 'ERR_DAEMON_UNREACHABLE' ||
    err.code === 'ERR_DAEMON_TIMEOUT' ||
    err.code === 'ERR_DAEMON_RESPONSE_INVALID'
  )
    return true
  return err.code === 'ERR_DAEMON_REJECTED' && !isRefusal(err)
}

/**
 * Fetches a document, revalidating `cached` when it came from the same daemon. Throws
 * ERR_DAEMON_UNREACHABLE / ERR_DAEMON_TIMEOUT / ERR_DAEMON_RESPONSE_INVALID (the daemon
 * failed), ERR_DAEMON_REJECTED with `details.status` (401: the token was refused), or
 * ERR_CONTENT_NOT_FOUND (404).
 */
export async function fetchDocument(o: FetchDocumentOptions): Promise<DaemonDocument> {
  const revalidate = o.cached !== undefined && o.cached.daemonUrl === o.daemonUrl
  const res = await daemonRequest({
    method: 'GET',
    url: o.daemonUrl,
    ...(o.daemonSocket !== undefined ? { socketPath: o.daemonSocket } : {}),
    path: o.path,
    bearer: o.token,
    timeoutMs: o.timeoutMs,
    ...(revalidate && o.cached ? { headers: { 'if-none-match': o.cached.etag } } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  })
  if (res.status === 304 && revalidate && o.cached) return o.cached
  if (res.status === 200) {
    const body = jsonBody(res)
    if (typeof body.content !== 'string' || typeof body.etag !== 'string') {
      throw new BriefdError(
        'ERR_DAEMON_RESPONSE_INVALID',
        `daemon answered ${o.path.startsWith(contractPath('template', '')) ? 'a template' : o.path} without content and etag`,
      )
    }
    return { content: body.content, etag: body.etag, daemonUrl: o.daemonUrl }
  }
  if (res.status === 404)
    throw new BriefdError('ERR_CONTENT_NOT_FOUND', `the daemon has no ${o.path.slice(4)}`, {
      details: { status: 404 },
    })
  if (res.status === 403 && /insufficient_scope/.test(String(res.headers['www-authenticate']))) {
    const scope = challengeScope(res.headers['www-authenticate']) ?? '<scope>'
    throw new BriefdError(
      'ERR_SCOPE_INSUFFICIENT',
      `daemon at ${o.daemonUrl} needs scope ${scope} for ${o.path.slice(4)} (run: briefd login ${o.daemonUrl} --scope "${scope}")`,
      { details: { status: 403, scope } },
    )
  }
  if (res.status === 401 || res.status === 403) {
    throw new BriefdError(
      'ERR_DAEMON_REJECTED',
      `daemon at ${o.daemonUrl} rejected the session token (${res.status}); the session may have ended or expired`,
      { details: { status: res.status } },
    )
  }
  throw new BriefdError('ERR_DAEMON_REJECTED', `daemon at ${o.daemonUrl} answered ${res.status}`, {
    details: { status: res.status },
  })
}

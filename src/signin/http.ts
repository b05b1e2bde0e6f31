/**
 * @module signin/http
 * One request from sign-in to an authorization server or a daemon's metadata, bounded in time
 * and size, following no redirect (a redirect could lead a credential or our trust to an
 * address the metadata never named: to http://, to another host, to an internal address).
 * Metadata and token responses are small JSON documents; anything larger is refused.
 */
import { BriefdError, type BriefdErrorCode } from '../shared/errors.js'
import { showUrl } from './urls.js'

export const SIGNIN_TIMEOUT_MS = 5_000
export const SIGNIN_MAX_BYTES = 64 * 1024

export interface SigninRequest {
  method: 'GET' | 'POST'
  url: URL
  /** Sent as application/x-www-form-urlencoded. */
  form?: URLSearchParams
  /** Sent as application/json. */
  json?: unknown
  headers?: Record<string, string>
  timeoutMs?: number
  maxBytes?: number
  signal?: AbortSignal
  /** The code for "cannot reach it" failures; default ERR_AUTH_SERVER_UNAVAILABLE. */
  unavailable?: BriefdErrorCode
  /** The code for a redirect or an oversized body; default ERR_AUTH_SERVER_INVALID. */
  invalid?: BriefdErrorCode
}

export interface SigninResponse {
  status: number
  headers: Headers
  body: string
}

export async function signinFetch(req: SigninRequest): Promise<SigninResponse> {
  const maxBytes = req.maxBytes ?? SIGNIN_MAX_BYTES
  const timeoutMs = req.timeoutMs ?? SIGNIN_TIMEOUT_MS
  const unavailable = req.unavailable ?? 'ERR_AUTH_SERVER_UNAVAILABLE'
  const invalid = req.invalid ?? 'ERR_AUTH_SERVER_INVALID'
  const where = showUrl(req.url)
  const timeout = AbortSignal.timeout(timeoutMs)
  const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers }
  let body: string | undefined
  if (req.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded'
    body = req.form.toString()
  } else if (req.json !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(req.json)
  }
  let response: Response
  try {
    response = await fetch(req.url, {
      method: req.method,
      redirect: 'manual',
      signal,
      headers,
      ...(body === undefined ? {} : { body }),
    })
  } catch (err) {
    const why = timeout.aborted ? `did not answer within ${timeoutMs} ms` : 'is not reachable'
    const cause = (err as { cause?: { code?: unknown } }).cause?.code
    throw new BriefdError(
      unavailable,
      `${where} ${why}${typeof cause === 'string' && !timeout.aborted ? ` (${cause})` : ''}`,
      { cause: err },
    )
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel().catch(() => undefined)
    const to = response.headers.get('location')
    throw new BriefdError(
      invalid,
      `${where} redirected${to ? ` to ${showUrl(new URL(to, req.url))}` : ''}; briefd follows no redirects there (use the final URL)`,
    )
  }
  const tooLarge = (): BriefdError =>
    new BriefdError(invalid, `${where} answered with more than ${maxBytes} bytes; refused`)
  if (Number(response.headers.get('content-length') ?? '0') > maxBytes) {
    await response.body?.cancel().catch(() => undefined)
    throw tooLarge()
  }
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    if (response.body) {
      const reader = response.body.getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        total += value.byteLength
        if (total > maxBytes) {
          await reader.cancel().catch(() => undefined)
          throw tooLarge()
        }
        chunks.push(value)
      }
    }
  } catch (err) {
    if (err instanceof BriefdError) throw err
    throw new BriefdError(unavailable, `${where} broke off its answer`, { cause: err })
  }
  return {
    status: response.status,
    headers: response.headers,
    body: Buffer.concat(chunks).toString('utf8'),
  }
}

/** The body as a JSON object, or undefined when it is not one. */
export function jsonObject(res: SigninResponse): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(res.body)
    if (typeof v === 'object' && v !== null && !Array.isArray(v))
      return v as Record<string, unknown>
  } catch {
    // not JSON
  }
  return undefined
}

/** An OAuth `error` code from a body, reduced to what is safe to print (RFC 6749 charset). */
export function oauthErrorCode(res: SigninResponse): string {
  const v = jsonObject(res)?.error
  if (typeof v !== 'string') return `HTTP ${res.status}`
  const clean = v.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 60)
  return clean === '' ? `HTTP ${res.status}` : clean
}

/**
 * @module oauth/capped-fetch
 * One GET to an authorization server, bounded in time and in size. Its metadata and key set
 * are small JSON documents; an endpoint that is slow, redirects elsewhere or streams without
 * end must cost the daemon a short, fixed wait and a few hundred KiB, never a hang or its memory.
 */

export const AUTH_SERVER_TIMEOUT_MS = 5_000
export const AUTH_SERVER_MAX_BYTES = 256 * 1024

export interface CappedFetchOptions {
  timeoutMs?: number
  maxBytes?: number
  headers?: Headers | Record<string, string>
  /** Aborts the request early (combined with the timeout). */
  signal?: AbortSignal
}

/** Thrown when the body passes `maxBytes`; callers turn it into their own error. */
export class ResponseTooLargeError extends Error {
  constructor(maxBytes: number) {
    super(`response larger than ${maxBytes} bytes`)
    this.name = 'ResponseTooLargeError'
  }
}

/**
 * GET `url` without following redirects (a redirect is refused: the caller configured the URL
 * it trusts) and return the status, headers and a body of at most `maxBytes`, fully read.
 */
export async function cappedFetch(
  url: string | URL,
  options: CappedFetchOptions = {},
): Promise<Response> {
  const maxBytes = options.maxBytes ?? AUTH_SERVER_MAX_BYTES
  const timeout = AbortSignal.timeout(options.timeoutMs ?? AUTH_SERVER_TIMEOUT_MS)
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout
  const response = await fetch(url, {
    method: 'GET',
    redirect: 'manual',
    signal,
    headers: options.headers ?? { accept: 'application/json' },
  })
  const declared = Number(response.headers.get('content-length') ?? '0')
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined)
    throw new ResponseTooLargeError(maxBytes)
  }
  const chunks: Uint8Array[] = []
  let total = 0
  if (response.body) {
    const reader = response.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      total += value.byteLength
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined)
        throw new ResponseTooLargeError(maxBytes)
      }
      chunks.push(value)
    }
  }
  const nullBody = response.status === 204 || response.status === 205 || response.status === 304
  return new Response(nullBody ? null : Buffer.concat(chunks), {
    status: response.status,
    headers: response.headers,
  })
}

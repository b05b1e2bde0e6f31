/**
 * @module daemon/responses
 * Response helpers. Every response the daemon sends is built here, so every response
 * carries the same security headers and `Cache-Control: no-store` (confidential content must
 * not land in any cache), and the body is always JSON.
 */

/** Sent on every response, errors included. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
})

const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...SECURITY_HEADERS,
  'content-type': 'application/json; charset=utf-8',
})

/** A JSON response from an already-serialised body (plain-object headers keep node-server on its fast path). */
export function jsonResponse(
  status: number,
  body: string,
  extra?: Record<string, string>,
): Response {
  return new Response(body, {
    status,
    headers: extra ? { ...JSON_HEADERS, ...extra } : JSON_HEADERS,
  })
}

const withEtag = new Map<string, Record<string, string>>()

/** JSON headers plus an ETag, built once per document version rather than per request. */
export function jsonHeadersWithEtag(etag: string): Record<string, string> {
  let h = withEtag.get(etag)
  if (!h) {
    if (withEtag.size > 1000) withEtag.clear()
    h = { ...JSON_HEADERS, etag }
    withEtag.set(etag, h)
  }
  return h
}

/** A JSON response whose headers object is shared (never mutated by node-server). */
export function jsonResponseWithHeaders(
  status: number,
  body: string,
  headers: Record<string, string>,
): Response {
  return new Response(body, { status, headers })
}

/** A response without a body (204, 304). */
export function emptyResponse(status: 204 | 304, extra?: Record<string, string>): Response {
  return new Response(null, {
    status,
    headers: extra ? { ...SECURITY_HEADERS, ...extra } : SECURITY_HEADERS,
  })
}

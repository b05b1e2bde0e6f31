/**
 * @module daemon/error-map
 * The single mapping from briefd error codes to HTTP. Wire bodies are
 * `{ error, error_description }` with fixed, generic descriptions: the real reason (which
 * check failed, which file) goes to the daemon's log, never to the caller, and nothing from
 * the request (token, path, content) is ever echoed.
 */
import { BriefdError, type BriefdErrorCode } from '../shared/errors.js'

export interface WireError {
  status: number
  error: string
  description: string
  /** Whether the WWW-Authenticate challenge carries error="invalid_token" (RFC 6750 §3.1). */
  challenge?: 'plain' | 'invalid_token' | 'insufficient_scope'
}

const MAP: Partial<Record<BriefdErrorCode, WireError>> = {
  // RFC 6750 §3.1: no credentials → a plain challenge without an error code.
  ERR_SESSION_MISSING: {
    status: 401,
    error: 'unauthorized',
    description: 'authentication required: send Authorization: Bearer <token>',
    challenge: 'plain',
  },
  ERR_SESSION_INVALID: {
    status: 401,
    error: 'invalid_token',
    description: 'the token is invalid, expired or revoked',
    challenge: 'invalid_token',
  },
  ERR_SESSION_EXPIRED: {
    status: 401,
    error: 'invalid_token',
    description: 'the token is invalid, expired or revoked',
    challenge: 'invalid_token',
  },
  ERR_SESSION_REVOKED: {
    status: 401,
    error: 'invalid_token',
    description: 'the token is invalid, expired or revoked',
    challenge: 'invalid_token',
  },
  ERR_BOOTSTRAP_INVALID: {
    status: 401,
    error: 'invalid_token',
    description: 'the token is invalid, expired or revoked',
    challenge: 'invalid_token',
  },
  ERR_ACCESS_TOKEN_INVALID: {
    status: 401,
    error: 'invalid_token',
    description: 'the token is invalid, expired or revoked',
    challenge: 'invalid_token',
  },
  ERR_APIKEY_INVALID: {
    status: 401,
    error: 'invalid_token',
    description: 'the token is invalid, expired or revoked',
    challenge: 'invalid_token',
  },
  ERR_APIKEY_REVOKED: {
    status: 401,
    error: 'invalid_token',
    description: 'the token is invalid, expired or revoked',
    challenge: 'invalid_token',
  },
  ERR_APIKEY_EXPIRED: {
    status: 401,
    error: 'invalid_token',
    description: 'the token is invalid, expired or revoked',
    challenge: 'invalid_token',
  },
  ERR_APIKEY_UNAVAILABLE: {
    status: 503,
    error: 'temporarily_unavailable',
    description: 'API keys cannot be checked right now; see the daemon log',
  },
  ERR_SCOPE_INSUFFICIENT: {
    status: 403,
    error: 'insufficient_scope',
    description: 'the credential lacks a scope this request needs (see WWW-Authenticate)',
    challenge: 'insufficient_scope',
  },
  // A verified credential whose tenant claim is not a tenant name: refused, not ignored.
  ERR_CREDENTIAL_TENANT_INVALID: {
    status: 401,
    error: 'invalid_token',
    description: 'the token is invalid, expired or revoked',
    challenge: 'invalid_token',
  },
  ERR_CREDENTIAL_MALFORMED: {
    status: 400,
    error: 'invalid_request',
    description: 'credentials are accepted only as one Authorization: Bearer header',
  },
  ERR_REQUEST_INVALID: {
    status: 400,
    error: 'invalid_request',
    description: 'the request is malformed',
  },
  ERR_CONTENT_NAME_INVALID: {
    status: 400,
    error: 'invalid_request',
    description: 'template names are 1-64 letters, digits, "_" or "-"',
  },
  ERR_HOST_FORBIDDEN: {
    status: 403,
    error: 'forbidden',
    description: 'the Host header must name this daemon',
  },
  ERR_ORIGIN_FORBIDDEN: {
    status: 403,
    error: 'forbidden',
    description: 'cross-origin requests are not allowed',
  },
  ERR_NOT_FOUND: { status: 404, error: 'not_found', description: 'no such resource' },
  ERR_CONTENT_NOT_FOUND: { status: 404, error: 'not_found', description: 'no such document' },
  ERR_METHOD_NOT_ALLOWED: {
    status: 405,
    error: 'method_not_allowed',
    description: 'method not allowed on this resource',
  },
  ERR_BODY_TOO_LARGE: {
    status: 413,
    error: 'payload_too_large',
    description: 'request body too large',
  },
  ERR_RATE_LIMITED: {
    status: 429,
    error: 'rate_limited',
    description: 'too many requests; retry later',
  },
  ERR_SESSION_LIMIT: {
    status: 503,
    error: 'session_limit',
    description: 'too many live sessions; revoke some or wait for them to expire',
  },
  ERR_AUDIT_UNAVAILABLE: {
    status: 503,
    error: 'audit_unavailable',
    description: 'the audit log cannot be written; delivery is refused until it can',
  },
  ERR_CONTENT_UNSAFE: {
    status: 500,
    error: 'content_unavailable',
    description: 'the document cannot be served; see the daemon log',
  },
  ERR_CONTENT_TOO_LARGE: {
    status: 500,
    error: 'content_unavailable',
    description: 'the document cannot be served; see the daemon log',
  },
}

const INTERNAL: WireError = {
  status: 500,
  error: 'server_error',
  description: 'internal error; see the daemon log',
}

/** Maps any thrown value to its wire form; unknown errors become a bare 500. */
export function toWireError(err: unknown): WireError {
  return (err instanceof BriefdError && MAP[err.code]) || INTERNAL
}

/**
 * Public mode's challenge parameters: where the protected resource metadata is (RFC 9728
 * §5.1) and the scope a request without a token should ask for.
 */
export interface ChallengeParams {
  resourceMetadata: string
  scope: string
}

/** The `WWW-Authenticate` value of a challenge; values are ours (URLs, scope tokens), never the request's. */
function challengeHeader(
  wire: WireError,
  err: unknown,
  params: ChallengeParams | undefined,
): string | undefined {
  const needed = err instanceof BriefdError ? err.details.scope : undefined
  const parts: string[] = []
  if (params === undefined) parts.push('realm="briefd"')
  if (wire.challenge === 'invalid_token') parts.push('error="invalid_token"')
  if (wire.challenge === 'insufficient_scope') parts.push('error="insufficient_scope"')
  if (wire.challenge === 'insufficient_scope' && typeof needed === 'string')
    parts.push(`scope="${needed}"`)
  if (params !== undefined) {
    if (wire.challenge === 'plain') parts.push(`scope="${params.scope}"`)
    parts.push(`resource_metadata="${params.resourceMetadata}"`)
  }
  return `Bearer ${parts.join(', ')}`
}

/** The headers that go with a wire error (challenge, Retry-After, Allow). */
export function wireErrorHeaders(
  wire: WireError,
  err: unknown,
  challenge?: ChallengeParams,
): Record<string, string> {
  const headers: Record<string, string> = {}
  if (wire.challenge !== undefined) {
    const value = challengeHeader(wire, err, challenge)
    if (value !== undefined) headers['www-authenticate'] = value
  }
  if (err instanceof BriefdError) {
    const retry = err.details.retryAfterSeconds
    if (typeof retry === 'number') headers['retry-after'] = String(retry)
    const allow = err.details.allow
    if (typeof allow === 'string') headers.allow = allow
  }
  return headers
}

/** The JSON body of a wire error. */
export function wireErrorBody(wire: WireError): string {
  return JSON.stringify({ error: wire.error, error_description: wire.description })
}

/**
 * @module shared/contract/bodies
 * The JSON bodies the daemon and its clients exchange. Wire names are snake_case (RFC 6749
 * style); both sides import these types, so a renamed field breaks the build, not a user.
 */

/** Every refusal: a stable error string and a fixed, generic description. */
export interface ErrorBody {
  error: string
  error_description: string
}

/** `POST /v1/sessions` request: an optional shorter lifetime. */
export interface SessionRequest {
  ttl_seconds?: number
}

/** `POST /v1/sessions` → 201. */
export interface SessionIssued {
  token: string
  session_id: string
  /** ISO 8601. */
  expires_at: string
  /** The session's scopes; absent for a local session, which reads everything. */
  scopes?: string[]
}

/** `GET /v1/sessions/current` → 200. */
export interface SessionInfo {
  session_id: string
  expires_at: string
  subject?: string
  tenant?: string
  scopes?: string[]
}

/** `POST /v1/proof` request and response (see shared/daemon-proof). */
export interface ProofRequest {
  nonce: string
  for: 'session' | 'bootstrap'
  signed?: string
}
export interface ProofResponse {
  proof: string
}

/** A confidential document: `GET /v1/instructions|voice|briefing|templates/:name` → 200. */
export interface DocumentBody {
  name: string
  content: string
  /** The strong entity tag of this version, also sent as `ETag`. */
  etag: string
}

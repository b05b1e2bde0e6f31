/**
 * @module errors
 * The one place where briefd's failure codes live. Callers `switch (err.code)`;
 * tests assert on `code`, never on message text. Codes are public API: keep them stable.
 */

export type BriefdErrorCode =
  // configuration and start-up
  | 'ERR_CONFIG_INVALID'
  | 'ERR_HOST_NOT_LOOPBACK'
  | 'ERR_PORT_IN_USE'
  | 'ERR_LISTEN_FAILED'
  // files and directories that hold secrets
  | 'ERR_DIR_UNSAFE'
  | 'ERR_FILE_UNSAFE'
  | 'ERR_FILE_NOT_FOUND'
  | 'ERR_FILE_INVALID'
  | 'ERR_FILE_WRITE_FAILED'
  | 'ERR_FILE_LOCKED'
  // content store
  | 'ERR_CONTENT_DIR_MISSING'
  | 'ERR_CONTENT_NOT_FOUND'
  | 'ERR_CONTENT_NAME_INVALID'
  | 'ERR_CONTENT_UNSAFE'
  | 'ERR_CONTENT_TOO_LARGE'
  | 'ERR_ACCESS_POLICY_INVALID'
  // sessions and credentials
  | 'ERR_SESSION_MISSING'
  | 'ERR_SESSION_INVALID'
  | 'ERR_SESSION_EXPIRED'
  | 'ERR_SESSION_REVOKED'
  | 'ERR_SESSION_LIMIT'
  | 'ERR_BOOTSTRAP_INVALID'
  | 'ERR_CREDENTIAL_MALFORMED'
  | 'ERR_SCOPE_INSUFFICIENT'
  // API keys (src/apikeys): INVALID covers malformed, unknown id and wrong secret alike, so a
  // caller cannot tell which ids exist; REVOKED and EXPIRED come only after the secret matched
  | 'ERR_APIKEY_INVALID'
  | 'ERR_APIKEY_REVOKED'
  | 'ERR_APIKEY_EXPIRED'
  /** The key file cannot be read: every API key is refused until it can (a revocation may be in it). */
  | 'ERR_APIKEY_UNAVAILABLE'
  /** `briefd apikey revoke` of an id the key file does not hold. */
  | 'ERR_APIKEY_NOT_FOUND'
  // OAuth resource server: a bad, expired or wrong-audience access token (401 invalid_token);
  // an authorization server whose metadata or keys cannot be had or cannot be trusted
  | 'ERR_ACCESS_TOKEN_INVALID'
  | 'ERR_AUTH_SERVER_UNAVAILABLE'
  | 'ERR_AUTH_SERVER_INVALID'
  // a verified credential whose tenant claim is not a tenant name (refused, never ignored)
  | 'ERR_CREDENTIAL_TENANT_INVALID'
  // HTTP-level refusals
  | 'ERR_REQUEST_INVALID'
  | 'ERR_HOST_FORBIDDEN'
  | 'ERR_ORIGIN_FORBIDDEN'
  | 'ERR_BODY_TOO_LARGE'
  | 'ERR_RATE_LIMITED'
  | 'ERR_NOT_FOUND'
  | 'ERR_METHOD_NOT_ALLOWED'
  | 'ERR_AUDIT_UNAVAILABLE'
  | 'ERR_INTERNAL'
  // client side
  | 'ERR_DAEMON_UNREACHABLE'
  | 'ERR_DAEMON_TIMEOUT'
  | 'ERR_DAEMON_REJECTED'
  | 'ERR_DAEMON_UNTRUSTED'
  | 'ERR_DAEMON_RESPONSE_INVALID'
  | 'ERR_TOKEN_NOT_FOUND'
  | 'ERR_MANIFEST_INVALID'
  | 'ERR_DAEMON_NOT_RUNNING'
  | 'ERR_DAEMON_RUNNING'
  | 'ERR_DAEMON_START_FAILED'
  | 'ERR_DAEMON_STOP_FAILED'
  | 'ERR_INSTALL_FAILED'
  // host sessions (`briefd session start|end`)
  | 'ERR_HOST_UNKNOWN'
  | 'ERR_DEADLINE_EXCEEDED'
  // signing in to a hosted daemon (src/signin): a remote URL or metadata briefd refuses to use;
  // no usable sign-in (never signed in, refresh token revoked or expired); a flow that failed
  | 'ERR_REMOTE_INVALID'
  | 'ERR_SIGNIN_REQUIRED'
  | 'ERR_SIGNIN_FAILED'
  // `briefd plugin build`
  | 'ERR_PLUGIN_INVALID'
  | 'ERR_PLUGIN_UNSAFE'

export interface BriefdErrorOptions {
  cause?: unknown
  /** Extra, non-secret details for the caller (e.g. `retryAfterSeconds`). */
  details?: Readonly<Record<string, string | number | boolean>>
}

/** A failure with a stable code. The message names the file, setting or port to fix. */
export class BriefdError extends Error {
  readonly code: BriefdErrorCode
  readonly details: Readonly<Record<string, string | number | boolean>>

  constructor(code: BriefdErrorCode, message: string, options: BriefdErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.details = options.details ?? {}
  }
}

/** True when `err` is a BriefdError, optionally with one of the given codes. */
export function isBriefdError(err: unknown, ...codes: BriefdErrorCode[]): err is BriefdError {
  return err instanceof BriefdError && (codes.length === 0 || codes.includes(err.code))
}

/** A Node system error (`ENOENT`, `EACCES`, …) narrowed from `unknown`. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code
    return typeof code === 'string' ? code : undefined
  }
  return undefined
}

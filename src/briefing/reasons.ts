/**
 * @module client/reasons
 * Short, non-confidential phrases for why confidential content is unavailable, for stderr
 * warnings and for the note a fallback tool result carries. They name causes, never content
 * or tokens.
 */
import type { BriefdError } from '../shared/errors.js'

/** A short phrase such as "the briefd daemon is not running". */
export function describeUnavailable(reason: BriefdError | undefined): string {
  switch (reason?.code) {
    case 'ERR_TOKEN_NOT_FOUND':
      return 'no session token'
    case 'ERR_DIR_UNSAFE':
    case 'ERR_FILE_UNSAFE':
    case 'ERR_FILE_INVALID':
      return 'the session token file was refused'
    case 'ERR_DAEMON_UNREACHABLE':
      return 'the briefd daemon is not running'
    case 'ERR_DAEMON_UNTRUSTED':
      return "another user's process holds the briefd daemon's port"
    case 'ERR_DAEMON_TIMEOUT':
      return 'the briefd daemon did not answer in time'
    case 'ERR_DAEMON_REJECTED':
      return reason.details.status === 401 || reason.details.status === 403
        ? 'the session token was rejected'
        : 'the briefd daemon failed'
    case 'ERR_DAEMON_RESPONSE_INVALID':
      return 'the briefd daemon sent an invalid answer'
    case 'ERR_CONTENT_NOT_FOUND':
      return 'the daemon does not have this content'
    case 'ERR_SCOPE_INSUFFICIENT':
      return 'the credential lacks the scope for it'
    case 'ERR_CONTENT_NAME_INVALID':
      return 'the content name is invalid'
    default:
      return 'the content is unavailable'
  }
}

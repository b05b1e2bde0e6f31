/**
 * @module daemon/auth/authorize
 * The one decision of what a principal may read: a function of (principal, document) and the
 * access policy, nothing else. Local session tokens hold every scope and read everything; the
 * bootstrap credential holds none and reads nothing. A missing scope is a 403
 * `insufficient_scope` naming every scope the document needs, so a client can step up.
 */
import { BriefdError } from '../../shared/errors.js'
import { missingScopes, type Principal } from '../../shared/principal.js'

/** The scopes a document needs (the access policy answers this; see access/). */
export interface DocumentPolicy {
  requiredScopes(document: string): readonly string[]
}

export const DEFAULT_READ_SCOPE = 'briefd:read'

/** Until an access policy says otherwise, every document needs `briefd:read`. */
export const DEFAULT_DOCUMENT_POLICY: DocumentPolicy = {
  requiredScopes: () => [DEFAULT_READ_SCOPE],
}

/** Throws unless the principal may read the document (`instructions`, `templates/<name>`, …). */
export function authorizeDocument(
  principal: Principal,
  document: string,
  policy: DocumentPolicy,
): void {
  if (principal.kind === 'bootstrap') {
    throw new BriefdError('ERR_BOOTSTRAP_INVALID', 'the bootstrap credential reads no document')
  }
  if (principal.scopes === undefined) return
  const needed = policy.requiredScopes(document)
  const missing = missingScopes(principal, needed)
  if (missing.length > 0) {
    throw new BriefdError('ERR_SCOPE_INSUFFICIENT', `missing scope ${missing.join(' ')}`, {
      details: { scope: needed.join(' ') },
    })
  }
}

/**
 * @module daemon/routes/labels
 * Route labels for the audit log and the daemon log, and the `Allow` header of a 405, both
 * derived from the route contract (shared/contract/routes). A raw URL is attacker-controlled
 * and might carry anything (even a pasted token), so only the contract's fixed paths are ever
 * recorded.
 */
import { matchRoute } from '../../shared/contract/routes.js'

/** `GET /v1/templates/:name`, or `GET (unmatched)` for anything we don't serve. */
export function routeLabel(method: string, path: string): string {
  const m = /^[A-Z]{1,10}$/.test(method) ? method : 'OTHER'
  return `${m} ${matchRoute(path)?.path ?? '(unmatched)'}`
}

/** The methods a served path accepts (for 405 and `Allow`), or undefined for an unknown path. */
export function allowedMethods(path: string): string | undefined {
  return matchRoute(path)?.methods.join(', ')
}

/**
 * @module daemon/routes/labels
 * Route labels for the audit log and the daemon log. A raw URL is attacker-controlled and
 * might carry anything (even a pasted token), so only these fixed labels are ever recorded.
 */

const EXACT = new Set([
  '/health',
  '/v1/status',
  '/v1/proof',
  '/v1/sessions',
  '/v1/sessions/current',
  '/v1/instructions',
  '/v1/voice',
  '/v1/briefing',
])

/** `GET /v1/templates/:name`, or `GET (unmatched)` for anything we don't serve. */
export function routeLabel(method: string, path: string): string {
  const m = /^[A-Z]{1,10}$/.test(method) ? method : 'OTHER'
  if (EXACT.has(path)) return `${m} ${path}`
  if (path.startsWith('/v1/templates/')) return `${m} /v1/templates/:name`
  return `${m} (unmatched)`
}

const ALLOWED: Readonly<Record<string, string>> = {
  '/health': 'GET, HEAD',
  '/v1/status': 'GET, HEAD',
  '/v1/proof': 'POST',
  '/v1/sessions': 'POST',
  '/v1/sessions/current': 'GET, HEAD, DELETE',
  '/v1/instructions': 'GET, HEAD',
  '/v1/voice': 'GET, HEAD',
  '/v1/briefing': 'GET, HEAD',
}

/** The methods a served path accepts (for 405 and `Allow`), or undefined for an unknown path. */
export function allowedMethods(path: string): string | undefined {
  if (Object.hasOwn(ALLOWED, path)) return ALLOWED[path]
  if (/^\/v1\/templates\/[^/]+$/.test(path)) return 'GET, HEAD'
  return undefined
}

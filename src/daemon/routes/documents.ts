/**
 * @module daemon/routes/documents
 * The confidential documents, each behind the auth gate (daemon/auth/gate). Auth runs before the template
 * name is even looked at, so without a valid token an unknown template is indistinguishable
 * from a known one (no enumeration). Each delivery is audited before it is sent; if the
 * audit line cannot be written, the delivery is refused (fail closed).
 */
import { Hono, type Context } from 'hono'
import { BriefdError, isBriefdError } from '../../shared/errors.js'
import type { Logger } from '../../shared/log.js'
import type { ContentDocument, ContentStore } from '../../content/store.js'
import type { AuditLog } from '../audit.js'
import type { DaemonEnv } from '../context.js'
import { emptyResponse, jsonHeadersWithEtag, jsonResponseWithHeaders } from '../responses.js'
import { requestHeader } from '../headers.js'
import { principalRoute, type RouteKit } from '../handlers.js'
import type { Principal } from '../../shared/principal.js'
import { authorizeDocument, type DocumentPolicy } from '../auth/authorize.js'
import { ROUTES } from '../../shared/contract/routes.js'

export interface DocumentRoutesOptions {
  store: ContentStore
  audit: AuditLog
  kit: RouteKit
  policy: DocumentPolicy
  logger: Logger
}

/** RFC 9110 §13.1.2: a list of entity tags or `*`; weak tags compare weakly for GET. */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  const trimmed = header.trim()
  if (trimmed === '*') return true
  const opaque = etag.startsWith('W/') ? etag.slice(2) : etag
  return trimmed.split(',').some((t) => {
    const tag = t.trim()
    return (tag.startsWith('W/') ? tag.slice(2) : tag) === opaque
  })
}

function deliver(
  c: Context<DaemonEnv>,
  principal: Principal,
  audit: AuditLog,
  route: string,
  document: string,
  doc: ContentDocument | undefined,
): Response | Promise<Response> {
  if (!doc) throw new BriefdError('ERR_CONTENT_NOT_FOUND', 'no such document')
  const notModified = matchesIfNoneMatch(requestHeader(c, 'if-none-match'), doc.etag)
  const status = notModified ? 304 : 200
  // route: a fixed label; document: a fixed name or a validated template name. Neither needs
  // escaping, so the line is built without JSON.stringify.
  const audited = audit.recordDelivery(status, principal, route, document)
  const respond = (): Response =>
    notModified
      ? emptyResponse(304, { etag: doc.etag })
      : jsonResponseWithHeaders(200, doc.json, jsonHeadersWithEtag(doc.etag))
  return audited ? audited.then(respond) : respond()
}

export function documentRoutes(o: DocumentRoutesOptions): Hono<DaemonEnv> {
  const { store, audit, kit, policy } = o
  // A file the store refuses to serve (a symlink out of the content dir, say) is the author's
  // problem to fix, told in the daemon log; the caller sees the 404 of a missing document,
  // with no path and no hint of what is there.
  const servable = (read: () => ContentDocument | undefined): ContentDocument | undefined => {
    try {
      return read()
    } catch (err) {
      if (!isBriefdError(err, 'ERR_CONTENT_UNSAFE')) throw err
      o.logger.warn(`content: ${err.message}`)
      return undefined
    }
  }
  // Authorization is decided on the document's name before the store is asked, so a missing
  // scope answers the same whether or not the document exists.
  const allowed = (p: Principal, document: string): Principal => {
    authorizeDocument(p, document, policy)
    return p
  }
  return new Hono<DaemonEnv>()
    .get(
      ROUTES.instructions.path,
      principalRoute(kit, function instructions(c, p) {
        return deliver(
          c,
          allowed(p, 'instructions'),
          audit,
          'GET /v1/instructions',
          'instructions',
          servable(() => store.instructions(p.tenant)),
        )
      }),
    )
    .get(
      ROUTES.voice.path,
      principalRoute(kit, function voice(c, p) {
        return deliver(
          c,
          allowed(p, 'voice'),
          audit,
          'GET /v1/voice',
          'voice',
          servable(() => store.voice(p.tenant)),
        )
      }),
    )
    .get(
      ROUTES.briefing.path,
      principalRoute(kit, function briefing(c, p) {
        return deliver(
          c,
          allowed(p, 'briefing'),
          audit,
          'GET /v1/briefing',
          'briefing',
          servable(() => store.briefing(p.tenant)),
        )
      }),
    )
    .get(
      ROUTES.template.path,
      principalRoute(kit, function template(c, p) {
        const name = c.req.param('name') ?? ''
        return deliver(
          c,
          allowed(p, `templates/${name}`),
          audit,
          'GET /v1/templates/:name',
          `template:${name}`,
          servable(() => store.template(name, p.tenant)),
        )
      }),
    )
}

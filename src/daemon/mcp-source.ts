/**
 * @module daemon/mcp-source
 * The daemon's DocumentSource for `/mcp`: the content store read directly, for one principal
 * and its tenant (from the verified credential, never from the request).
 * Every document goes through `authorizeDocument` first, exactly as the `/v1` document routes
 * do, so `/mcp` can never hand a principal a text its `GET /v1/...` would refuse. A document
 * the principal may not read, or that does not exist, becomes the manifest's generic fallback
 * (marked as such), which is what `briefd mcp` serves when the daemon refuses it. What was
 * delivered (document and version) is kept for the request's audit line.
 */
import type { ContentDocument, ContentStore } from '../content/store.js'
import type { DocumentResult, DocumentSource } from '../briefing/document-source.js'
import { renderTemplate, type RenderValue } from '../briefing/render.js'
import { BriefdError } from '../shared/errors.js'
import type { Principal } from '../shared/principal.js'
import { authorizeDocument, type DocumentPolicy } from './auth/authorize.js'

/** One document handed out while answering a request. */
export interface Delivered {
  /** `instructions`, `briefing` or `template:<name>` (the audit log's document names). */
  document: string
  etag: string
}

export class StoreDocumentSource implements DocumentSource {
  readonly #store: ContentStore
  readonly #principal: Principal
  readonly #policy: DocumentPolicy
  /** Documents delivered so far, in order. */
  readonly delivered: Delivered[] = []

  constructor(store: ContentStore, principal: Principal, policy: DocumentPolicy) {
    this.#store = store
    this.#principal = principal
    this.#policy = policy
  }

  async instructions(o: { fallback: string }): Promise<DocumentResult> {
    return this.#read(
      'instructions',
      'instructions',
      () => this.#store.instructions(this.#principal.tenant),
      o.fallback,
    )
  }

  async briefing(o: { fallback: string }): Promise<DocumentResult> {
    return this.#read(
      'briefing',
      'briefing',
      () => this.#store.briefing(this.#principal.tenant),
      o.fallback,
    )
  }

  async render(
    template: string,
    vars: Readonly<Record<string, RenderValue>>,
    o: { fallback: string },
  ): Promise<DocumentResult> {
    const r = this.#read(
      `templates/${template}`,
      `template:${template}`,
      () => this.#store.template(template, this.#principal.tenant),
      o.fallback,
    )
    return { ...r, text: renderTemplate(r.text, vars) }
  }

  #read(
    policyName: string,
    auditName: string,
    get: () => ContentDocument | undefined,
    fallback: string,
  ): DocumentResult {
    try {
      authorizeDocument(this.#principal, policyName, this.#policy)
      const doc = get()
      if (!doc) throw new BriefdError('ERR_CONTENT_NOT_FOUND', `the daemon has no ${auditName}`)
      this.delivered.push({ document: auditName, etag: doc.etag })
      return { text: doc.content, source: 'daemon', etag: doc.etag }
    } catch (err) {
      const reason =
        err instanceof BriefdError
          ? err
          : new BriefdError('ERR_INTERNAL', 'content unavailable', { cause: err })
      return { text: fallback, source: 'fallback', reason }
    }
  }
}

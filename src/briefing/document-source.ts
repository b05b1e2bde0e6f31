/**
 * @module briefing/document-source
 * Where an MCP server built from a manifest gets its confidential text. `briefd mcp` reads it
 * from the daemon over HTTP (client/BriefdClient); the daemon's own `/mcp` endpoint reads its
 * content store directly, for the request's principal. The MCP side (briefing/server) sees
 * only this interface, so both servers give the same principal the same tools and texts.
 */
import type { BriefdError } from '../shared/errors.js'
import type { RenderValue } from './render.js'

/** Where a text came from: current content, a cached or stale copy, or the generic fallback. */
export type DocumentOrigin = 'daemon' | 'cache' | 'stale' | 'fallback'

export interface DocumentResult {
  /** The confidential text, or the fallback when `source` is 'fallback'. */
  text: string
  source: DocumentOrigin
  /** Why the text is stale or a fallback; its message names no content and no token. */
  reason?: BriefdError
  /** The version delivered, where the source knows it (for the audit line). */
  etag?: string
}

/** Every method resolves (never rejects for a content problem): current text or the fallback. */
export interface DocumentSource {
  /** Preamble + instructions, for `initialize`. */
  instructions(o: { fallback: string; waitForToken?: boolean }): Promise<DocumentResult>
  /** The long-form briefing. */
  briefing(o: { fallback: string }): Promise<DocumentResult>
  /** A template rendered with `vars` as plain text; the fallback is rendered the same way. */
  render(
    template: string,
    vars: Readonly<Record<string, RenderValue>>,
    o: { fallback: string },
  ): Promise<DocumentResult>
}

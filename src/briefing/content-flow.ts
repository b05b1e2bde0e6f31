/**
 * @module mcp/content-flow
 * Everything between an MCP request and the confidential content, in one place and free of
 * SDK types: the instructions for `initialize` (and, later, `server/discover`), tool calls
 * (check the arguments, render the template or the generic fallback), and the briefing. The
 * SDK wiring (server.ts, create-mcp-server.ts) only maps requests onto these functions.
 */
import type { DocumentResult as ContentResult, DocumentSource } from './document-source.js'
import { describeUnavailable } from './reasons.js'
import type { RenderValue } from './render.js'
import type { Logger } from '../shared/log.js'
import { checkArguments } from './input-schema.js'
import type { Manifest, ManifestTool, ToolAnnotations } from './manifest.js'

/** `_meta` keys on degraded results: where the text came from (`stale`, `fallback`), and why. */
export const META_SOURCE = 'briefd/source'
export const META_REASON = 'briefd/reason'

export interface TextResult {
  [key: string]: unknown
  content: { type: 'text'; text: string }[]
  isError?: boolean
  _meta?: Record<string, unknown>
}

/** Template tools only render text: read-only, repeatable, and talk to nothing but the local daemon. */
export const RENDER_TOOL_ANNOTATIONS: Readonly<ToolAnnotations> = Object.freeze({
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
})

/**
 * Warns on stderr when the content state changes, not once per call: one line when the daemon
 * goes away (or refuses us), one when it is back. A template the daemon does not have is a
 * problem of that template alone: one line per template.
 */
export class DegradationReporter {
  readonly #logger: Logger
  readonly #missing = new Set<string>()
  #last = 'daemon'

  constructor(logger: Logger) {
    this.#logger = logger
  }

  report(what: string, r: ContentResult): void {
    if (r.source === 'fallback' && r.reason?.code === 'ERR_CONTENT_NOT_FOUND') {
      if (!this.#missing.has(what))
        this.#logger.warn(`${what}: serving the generic fallback: ${r.reason.message}`)
      this.#missing.add(what)
      return
    }
    const state =
      r.source === 'stale' || r.source === 'fallback'
        ? `${r.source}:${r.reason?.code ?? ''}`
        : 'daemon'
    if (state === this.#last) return
    this.#last = state
    if (r.source === 'fallback')
      this.#logger.warn(
        `${what}: serving the generic fallback: ${r.reason?.message ?? 'content unavailable'}`,
      )
    else if (r.source === 'stale')
      this.#logger.warn(
        `${what}: serving a cached copy past its TTL: ${r.reason?.message ?? 'revalidation failed'}`,
      )
    else this.#logger.info(`${what}: content from the daemon again`)
  }
}

/** The `initialize` instructions, falling back to the manifest's generic ones with one warning line. */
export async function resolveInstructions(
  client: DocumentSource,
  manifest: Manifest,
  reporter?: DegradationReporter,
): Promise<ContentResult> {
  const r = await client.instructions({
    waitForToken: true,
    fallback: manifest.instructions.fallback,
  })
  reporter?.report(`instructions (generic ones from ${manifest.source})`, r)
  return r
}

/**
 * A tool result. Current content (from the daemon or the cache) goes out plain; a stale copy or
 * a fallback is marked in `_meta`, and a fallback also in a note the model can read. (Marking
 * every result would cost each call ~2 µs of the SDK's result validation, for no reader.)
 */
export function contentResult(r: ContentResult): TextResult {
  const content: TextResult['content'] = [{ type: 'text', text: r.text }]
  if (r.source === 'daemon' || r.source === 'cache') return { content }
  if (r.source === 'fallback') {
    content.push({
      type: 'text',
      text: `[briefd: generic fallback response; the full response is unavailable because ${describeUnavailable(r.reason)}]`,
    })
  }
  return {
    content,
    _meta: { [META_SOURCE]: r.source, ...(r.reason ? { [META_REASON]: r.reason.code } : {}) },
  }
}

/** An invalid call: a tool error the model can read and correct (MCP 2025-11-25), never sent to the daemon. */
export function invalidArguments(tool: string, message: string): TextResult {
  return {
    content: [{ type: 'text', text: `Invalid arguments for tool ${tool}: ${message}` }],
    isError: true,
  }
}

/** Renders a manifest tool's template (or its fallback) with already-checked values. */
export async function renderTool(
  client: DocumentSource,
  tool: ManifestTool,
  values: Readonly<Record<string, RenderValue>>,
  reporter?: DegradationReporter,
): Promise<TextResult> {
  const r = await client.render(tool.template, values, { fallback: tool.fallback })
  reporter?.report(`tool ${tool.name}`, r)
  return contentResult(r)
}

/** `tools/call` for a manifest tool: check the arguments, then render. */
export async function callTool(
  client: DocumentSource,
  tool: ManifestTool,
  args: unknown,
  reporter?: DegradationReporter,
): Promise<TextResult> {
  const checked = checkArguments(tool.inputSchema, args)
  if (!checked.ok) return invalidArguments(tool.name, checked.message)
  return renderTool(client, tool, checked.values, reporter)
}

/** The briefing, or the manifest's generic briefing text. */
export async function readBriefing(
  client: DocumentSource,
  manifest: Manifest,
  reporter?: DegradationReporter,
): Promise<ContentResult> {
  const r = await client.briefing({ fallback: manifest.briefing.fallback })
  reporter?.report('briefing', r)
  return r
}

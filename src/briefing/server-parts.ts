/**
 * @module mcp/server-parts
 * What both MCP server builders (server.ts for `briefd mcp`, create-mcp-server.ts for authors'
 * own servers) say the same way: the server's identity from the manifest, the built-in
 * briefing tool's annotations, and the briefing prompt's answer. One place, so the two servers
 * cannot drift apart.
 */
import type { DocumentSource } from './document-source.js'
import {
  RENDER_TOOL_ANNOTATIONS,
  contentResult,
  readBriefing,
  type DegradationReporter,
  type TextResult,
} from './content-flow.js'
import type { Manifest, ToolAnnotations } from './manifest.js'

/** Claude Code cuts server instructions here and appends "… [truncated]". */
export const HOST_INSTRUCTIONS_LIMIT = 2048

/** The `serverInfo` of `initialize`: name, version and title from the manifest. */
export function serverInfo(manifest: Manifest): { name: string; version: string; title?: string } {
  return {
    name: manifest.server.name,
    version: manifest.server.version,
    ...(manifest.server.title ? { title: manifest.server.title } : {}),
  }
}

/** The briefing tool only reads: read-only, repeatable, local. */
export const BRIEFING_TOOL_ANNOTATIONS: Readonly<ToolAnnotations> = Object.freeze({
  ...RENDER_TOOL_ANNOTATIONS,
  title: 'Read the briefing',
})

/** The answer to a call of the briefing tool (the daemon's briefing, or the generic one). */
export async function briefingResult(
  client: DocumentSource,
  manifest: Manifest,
  reporter: DegradationReporter,
): Promise<TextResult> {
  return contentResult(await readBriefing(client, manifest, reporter))
}

/** The answer to `prompts/get` for the briefing prompt (the daemon's briefing, or the generic one). */
export async function briefingPrompt(
  client: DocumentSource,
  manifest: Manifest,
  reporter: DegradationReporter,
): Promise<{
  description: string
  messages: { role: 'user'; content: { type: 'text'; text: string } }[]
  _meta?: Record<string, unknown>
}> {
  const r = await briefingResult(client, manifest, reporter)
  return {
    description: manifest.briefing.description,
    messages: r.content.map((c) => ({ role: 'user' as const, content: c })),
    ...(r._meta ? { _meta: r._meta } : {}),
  }
}

/**
 * @module mcp/create-mcp-server
 * For authors whose tools have their own logic and need only the confidential parts: builds
 * an SDK `McpServer` from a tool manifest, with the daemon's instructions (or the generic
 * ones), the briefing tool and prompt, and every manifest tool registered. A tool without a
 * handler renders its template like `briefd mcp` does; a tool with one gets checked arguments
 * and a `render()` for its template. The author connects the transport and may register
 * more tools, prompts or resources on the returned server.
 *
 * @example
 * ```ts
 * import { createMcpServer } from 'briefd'
 * import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
 *
 * const server = await createMcpServer({
 *   manifest: new URL('./tools.json', import.meta.url).pathname,
 *   handlers: {
 *     review_verdict: async (args, { render }) => {
 *       await saveVerdict(args.verdict) // your logic
 *       return render()
 *     },
 *   },
 * })
 * await server.connect(new StdioServerTransport())
 * ```
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { BriefdClient } from '../client/briefd-client.js'
import type { RenderValue } from '../briefing/render.js'
import { silentLogger, type Logger } from '../shared/log.js'
import {
  DegradationReporter,
  RENDER_TOOL_ANNOTATIONS,
  invalidArguments,
  renderTool,
  resolveInstructions,
  type TextResult,
} from '../briefing/content-flow.js'
import { checkArguments, type ArgValue } from '../briefing/input-schema.js'
import { loadManifest, type Manifest, type ManifestTool } from '../briefing/manifest.js'
import {
  BRIEFING_TOOL_ANNOTATIONS,
  briefingPrompt,
  briefingResult,
  serverInfo,
} from '../briefing/server-parts.js'
import { zodInputSchema } from './zod-input.js'

export interface ToolContext {
  client: BriefdClient
  tool: ManifestTool
  /** Renders this tool's template (or its fallback) with the call's arguments, or with `vars`. */
  render(vars?: Readonly<Record<string, RenderValue>>): Promise<TextResult>
}

/** Your logic for a manifest tool: gets arguments already checked against its schema. */
export type ToolHandler = (
  args: Readonly<Record<string, ArgValue>>,
  context: ToolContext,
) => Promise<CallToolResult | TextResult> | CallToolResult | TextResult

export interface CreateMcpServerOptions {
  /** A loaded manifest, or the path of one. */
  manifest: Manifest | string
  /** Default: a new BriefdClient reading process.env. */
  client?: BriefdClient
  handlers?: Readonly<Record<string, ToolHandler>>
  /** Diagnostics on stderr (never content). Default: silent. */
  logger?: Logger
}

/**
 * Builds the server, with the instructions already resolved (waiting up to the client's
 * grace period for a token file the SessionStart hook may still be writing).
 */
export async function createMcpServer(o: CreateMcpServerOptions): Promise<McpServer> {
  const manifest = typeof o.manifest === 'string' ? loadManifest(o.manifest) : o.manifest
  const handlers = o.handlers ?? {}
  for (const name of Object.keys(handlers)) {
    if (!manifest.tools.some((t) => t.name === name))
      throw new TypeError(
        `createMcpServer: handler ${JSON.stringify(name)} has no tool in ${manifest.source}`,
      )
  }
  const client = o.client ?? new BriefdClient()
  const reporter = new DegradationReporter(o.logger ?? silentLogger)
  const [instructions, { McpServer: Server }, { z }] = await Promise.all([
    resolveInstructions(client, manifest, reporter),
    import('@modelcontextprotocol/sdk/server/mcp.js'),
    import('zod'),
  ])
  const prompt = manifest.briefing.prompt
  const server = new Server(serverInfo(manifest), { instructions: instructions.text })

  for (const tool of manifest.tools) {
    const handler = Object.hasOwn(handlers, tool.name) ? handlers[tool.name] : undefined
    server.registerTool(
      tool.name,
      {
        ...(tool.title ? { title: tool.title } : {}),
        description: tool.description,
        inputSchema: zodInputSchema(z, tool.inputSchema),
        // A custom handler may have effects: only the manifest can say it is read-only.
        annotations: handler
          ? { ...tool.annotations }
          : { ...RENDER_TOOL_ANNOTATIONS, ...tool.annotations },
      },
      async function manifestTool(args: unknown): Promise<CallToolResult> {
        // The SDK validated with zod (all but patterns); our own check applies defaults and the
        // exact manifest rules, patterns included (re2js, linear time).
        const checked = checkArguments(tool.inputSchema, args)
        if (!checked.ok) return invalidArguments(tool.name, checked.message)
        if (!handler) return renderTool(client, tool, checked.values, reporter)
        const render = (vars?: Readonly<Record<string, RenderValue>>): Promise<TextResult> =>
          renderTool(client, tool, vars ?? checked.values, reporter)
        return handler(checked.values, { client, tool, render })
      },
    )
  }

  if (manifest.briefing.tool) {
    server.registerTool(
      manifest.briefing.tool,
      {
        description: manifest.briefing.description,
        annotations: { ...BRIEFING_TOOL_ANNOTATIONS },
      },
      async function briefingTool(): Promise<CallToolResult> {
        return briefingResult(client, manifest, reporter)
      },
    )
  }
  if (prompt) {
    server.registerPrompt(
      prompt,
      { description: manifest.briefing.description },
      function briefingPromptHandler() {
        return briefingPrompt(client, manifest, reporter)
      },
    )
  }
  return server
}

/**
 * @module mcp/server
 * The `briefd mcp` server: the SDK's low-level `Server` wired to the content flow. The
 * low-level class (rather than `McpServer`) lets the manifest's JSON Schemas go to the host
 * verbatim, with no zod round trip, and loads less of the SDK at start-up. The SDK is passed
 * in (main.ts imports it while the daemon is being asked for the instructions).
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js'
import type { Tool } from '@modelcontextprotocol/sdk/types.js'
import type { DocumentSource } from './document-source.js'
import type { Logger } from '../shared/log.js'
import { VERSION } from '../shared/version.js'
import {
  DegradationReporter,
  RENDER_TOOL_ANNOTATIONS,
  callTool,
  type TextResult,
} from './content-flow.js'
import type { Manifest, ManifestTool } from './manifest.js'
import {
  BRIEFING_TOOL_ANNOTATIONS,
  briefingPrompt,
  briefingResult,
  serverInfo,
} from './server-parts.js'
import { SubsetJsonSchemaValidator } from './subset-validator.js'

/** The parts of the SDK this server uses. */
export interface ServerSdk {
  Server: typeof Server
  types: typeof import('@modelcontextprotocol/sdk/types.js')
}

export interface BriefdServerOptions {
  sdk: ServerSdk
  manifest: Manifest
  client: DocumentSource
  /** The `initialize` instructions (confidential or generic), resolved before connecting. */
  instructions: string
  logger: Logger
  /** Shared with whoever resolved the instructions, so one outage is one warning line. */
  reporter?: DegradationReporter
  /**
   * Which tools this principal may call (default: all). The others are left out of
   * `tools/list` and refused as unknown; the daemon's `/mcp` answers their calls with an
   * HTTP 403 before this server ever sees them.
   */
  mayCall?: (tool: string) => boolean
  /** Told of every answered tool call (the daemon writes its audit line from it). */
  onToolResult?: (tool: string, result: TextResult) => void
}

const all = (): boolean => true

const NO_ARGUMENTS: Tool['inputSchema'] = {
  type: 'object',
  properties: {},
  additionalProperties: false,
}

/** The `tools/list` entries: manifest tools plus the built-in briefing tool. */
export function listTools(manifest: Manifest, mayCall: (tool: string) => boolean = all): Tool[] {
  const tools: Tool[] = manifest.tools.map((t) => ({
    name: t.name,
    ...(t.title ? { title: t.title } : {}),
    description: t.description,
    // parseInputSchema checked it: an object schema, published verbatim.
    inputSchema: t.inputSchema.json as Tool['inputSchema'],
    annotations: { ...RENDER_TOOL_ANNOTATIONS, ...t.annotations },
  }))
  if (manifest.briefing.tool) {
    tools.push({
      name: manifest.briefing.tool,
      description: manifest.briefing.description,
      inputSchema: NO_ARGUMENTS,
      annotations: { ...BRIEFING_TOOL_ANNOTATIONS },
    })
  }
  return tools.filter((t) => mayCall(t.name))
}

/**
 * Builds the server (not yet connected).
 *
 * @example
 * ```ts
 * const server = createBriefdServer({ sdk, manifest, client, instructions, logger })
 * await server.connect(new StdioServerTransport())
 * ```
 */
export function createBriefdServer(o: BriefdServerOptions): Server {
  const { sdk, manifest, client, logger } = o
  const { McpError, ErrorCode } = sdk.types
  const reporter = o.reporter ?? new DegradationReporter(logger)
  const mayCall = o.mayCall ?? all
  const byName = new Map<string, ManifestTool>(manifest.tools.map((t) => [t.name, t]))
  const tools = listTools(manifest, mayCall)
  const prompt = manifest.briefing.prompt

  const server = new sdk.Server(serverInfo(manifest), {
    capabilities: {
      tools: { listChanged: false },
      ...(prompt ? { prompts: { listChanged: false } } : {}),
    },
    instructions: o.instructions,
    jsonSchemaValidator: new SubsetJsonSchemaValidator(),
  })

  server.setRequestHandler(sdk.types.ListToolsRequestSchema, function listToolsHandler() {
    return { tools }
  })

  server.setRequestHandler(
    sdk.types.CallToolRequestSchema,
    async function callToolHandler(request): Promise<TextResult> {
      const { name, arguments: args } = request.params
      const result = await answer(name, args)
      o.onToolResult?.(name, result)
      return result
    },
  )

  async function answer(
    name: string,
    args: Record<string, unknown> | undefined,
  ): Promise<TextResult> {
    if (name === manifest.briefing.tool && mayCall(name)) {
      if (args !== undefined && Object.keys(args).length > 0)
        return {
          content: [
            { type: 'text', text: `Invalid arguments for tool ${name}: it takes no arguments` },
          ],
          isError: true,
        }
      return briefingResult(client, manifest, reporter)
    }
    const tool = byName.get(name)
    if (!tool || !mayCall(name))
      throw new McpError(
        ErrorCode.InvalidParams,
        `Unknown tool: ${JSON.stringify(name.slice(0, 80))}`,
      )
    return callTool(client, tool, args, reporter)
  }

  if (prompt) {
    server.setRequestHandler(sdk.types.ListPromptsRequestSchema, function listPromptsHandler() {
      return { prompts: [{ name: prompt, description: manifest.briefing.description }] }
    })
    server.setRequestHandler(
      sdk.types.GetPromptRequestSchema,
      async function getPromptHandler(request) {
        if (request.params.name !== prompt)
          throw new McpError(
            ErrorCode.InvalidParams,
            `Unknown prompt: ${JSON.stringify(request.params.name.slice(0, 80))}`,
          )
        return briefingPrompt(client, manifest, reporter)
      },
    )
  }
  logger.debug(`briefd ${VERSION}: ${manifest.tools.length} tools from ${manifest.source}`)
  return server
}

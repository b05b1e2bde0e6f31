/**
 * @module briefd
 * The package's public API: a typed client for the confidential parts of an MCP server
 * (instructions, voice, briefing, templates) and a helper that builds an SDK `McpServer`
 * from a tool manifest. Importing this module loads neither the MCP SDK nor any daemon code;
 * `createMcpServer` imports the SDK when it is called.
 */
export { BriefdClient, DEFAULT_GRACE_MS, DEFAULT_TIMEOUT_MS } from './client/briefd-client.js'
export type {
  BriefdClientOptions,
  ContentOptions,
  ContentResult,
  ContentSource,
  InstructionsOptions,
} from './client/briefd-client.js'
export { DEFAULT_CACHE_MAX_ENTRIES, DEFAULT_CACHE_TTL_MS } from './client/content-cache.js'
export { describeUnavailable } from './briefing/reasons.js'
export { placeholdersOf, renderTemplate } from './briefing/render.js'
export type { RenderValue } from './briefing/render.js'
export { createMcpServer } from './mcp/create-mcp-server.js'
export type { CreateMcpServerOptions, ToolContext, ToolHandler } from './mcp/create-mcp-server.js'
export { META_REASON, META_SOURCE } from './briefing/content-flow.js'
export type { TextResult } from './briefing/content-flow.js'
export { checkArguments } from './briefing/input-schema.js'
export type { ArgValue, InputSchema } from './briefing/input-schema.js'
export { loadManifest, parseManifest } from './briefing/manifest.js'
export type {
  Manifest,
  ManifestBriefing,
  ManifestTool,
  ToolAnnotations,
} from './briefing/manifest.js'
export { BriefdError, isBriefdError } from './shared/errors.js'
export type { BriefdErrorCode } from './shared/errors.js'
export { createLogger } from './shared/log.js'
export type { Logger } from './shared/log.js'

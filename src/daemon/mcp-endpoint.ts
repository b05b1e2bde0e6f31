/**
 * @module daemon/mcp-endpoint
 * What `/mcp` needs besides the daemon's own parts: the tool manifest and the MCP SDK classes,
 * loaded once at start-up when `briefd serve --tools MANIFEST` asks for the endpoint. The SDK
 * is imported only then, so a daemon without `--tools` never loads it.
 */
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'
import { loadManifest, type Manifest } from '../briefing/manifest.js'
import type { ServerSdk } from '../briefing/server.js'

export interface McpEndpoint {
  manifest: Manifest
  sdk: ServerSdk & { Transport: typeof WebStandardStreamableHTTPServerTransport }
}

/** Loads the manifest (ERR_MANIFEST_INVALID naming the file and field) and the SDK. */
export async function loadMcpEndpoint(toolsFile: string): Promise<McpEndpoint> {
  const manifest = loadManifest(toolsFile)
  const [server, web, types] = await Promise.all([
    import('@modelcontextprotocol/sdk/server/index.js'),
    import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'),
    import('@modelcontextprotocol/sdk/types.js'),
  ])
  return {
    manifest,
    sdk: { Server: server.Server, types, Transport: web.WebStandardStreamableHTTPServerTransport },
  }
}

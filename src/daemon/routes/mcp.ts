/**
 * @module daemon/routes/mcp
 * MCP over Streamable HTTP at `/mcp`: the same tools and texts `briefd mcp` gives the same
 * principal (briefing/server), read from the content store for the request's principal.
 *
 * Every request passes the request guard (Host, Origin, declared size) and the credential gate
 * before the SDK sees it; the body is then read under the size cap and inspected, so a
 * `tools/call` of a tool outside the principal's scopes is an HTTP 403 `insufficient_scope`
 * (a client can step up), never a tool result. Each request gets a fresh server and transport
 * and no `Mcp-Session-Id` is issued or honoured (stateless: no state to leak between clients,
 * any replica can answer, and a session id can never stand in for a credential). GET (SSE) and
 * DELETE are 405. JSON-RPC batches are refused: the protocol dropped them, and one request
 * holding one tool call keeps its audit line exact.
 */
import { createHash } from 'node:crypto'
import { Hono, type Context } from 'hono'
import { HOST_INSTRUCTIONS_LIMIT } from '../../briefing/server-parts.js'
import { createBriefdServer } from '../../briefing/server.js'
import { DegradationReporter, type TextResult } from '../../briefing/content-flow.js'
import type { ContentStore } from '../../content/store.js'
import type { Logger } from '../../shared/log.js'
import type { Principal } from '../../shared/principal.js'
import { ROUTES } from '../../shared/contract/routes.js'
import type { AuditLog } from '../audit.js'
import { auditPrincipal } from '../audit.js'
import type { DocumentPolicy } from '../auth/authorize.js'
import { requireKind } from '../auth/require-kind.js'
import { readBodyText } from '../body.js'
import type { DaemonEnv } from '../context.js'
import { principalRoute, type RouteKit } from '../handlers.js'
import type { McpEndpoint } from '../mcp-endpoint.js'
import { assertMayCall, mayCall, toolScopes } from '../mcp-scopes.js'
import { StoreDocumentSource } from '../mcp-source.js'
import { SECURITY_HEADERS, jsonResponse } from '../responses.js'

export interface McpRoutesOptions {
  endpoint: McpEndpoint
  store: ContentStore
  audit: AuditLog
  kit: RouteKit
  policy: DocumentPolicy
  bodyLimitBytes: number
  logger: Logger
}

const ROUTE = 'POST /mcp'

/** JSON-RPC errors answered before the SDK (the body is not one request it could parse). */
function rpcError(status: number, code: number, message: string): Response {
  return jsonResponse(
    status,
    JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }),
  )
}

interface Call {
  tool: string
  args: unknown
}

/** The tool call a JSON-RPC message is, if it is one. */
function toolCall(message: Record<string, unknown>): Call | undefined {
  if (message.method !== 'tools/call') return undefined
  const params = message.params
  if (typeof params !== 'object' || params === null) return undefined
  const { name, arguments: args } = params as Record<string, unknown>
  return typeof name === 'string' ? { tool: name, args } : undefined
}

/** Argument names (never values) and a SHA-256 of the arguments, for the audit line. */
function argumentDigest(args: unknown): { names: string[]; sha256: string } {
  const names =
    typeof args === 'object' && args !== null && !Array.isArray(args) ? Object.keys(args) : []
  const sha256 = createHash('sha256')
    .update(JSON.stringify(args ?? {}))
    .digest('base64url')
  return { names, sha256 }
}

function resultStatus(result: TextResult | undefined): string {
  if (!result) return 'refused'
  if (result.isError) return 'invalid_arguments'
  const source = result._meta?.['briefd/source']
  return typeof source === 'string' ? source : 'ok'
}

export function mcpRoutes(o: McpRoutesOptions): Hono<DaemonEnv> {
  const { endpoint, store, audit, kit, policy, logger } = o
  const { manifest, sdk } = endpoint
  const scopes = toolScopes(manifest, policy)
  const reporter = new DegradationReporter(logger)
  if (manifest.instructions.fallback.length > HOST_INSTRUCTIONS_LIMIT)
    logger.warn(
      `${manifest.source}: instructions.fallback is ${manifest.instructions.fallback.length} characters; Claude Code keeps only the first ${HOST_INSTRUCTIONS_LIMIT}`,
    )

  async function serve(c: Context<DaemonEnv>, p: Principal): Promise<Response> {
    requireKind(p, 'session', 'oauth', 'apikey')
    const text = await readBodyText(c, o.bodyLimitBytes)
    let message: unknown
    try {
      message = JSON.parse(text)
    } catch {
      return rpcError(400, -32700, 'Parse error: the body is not JSON')
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message))
      return rpcError(400, -32600, 'Invalid Request: one JSON-RPC message per request')
    const msg = message as Record<string, unknown>
    const call = toolCall(msg)
    if (call) assertMayCall(scopes, p, call.tool)

    const source = new StoreDocumentSource(store, p, policy)
    const instructions =
      msg.method === 'initialize'
        ? (await source.instructions({ fallback: manifest.instructions.fallback })).text
        : manifest.instructions.fallback
    let answered: TextResult | undefined
    const server = createBriefdServer({
      sdk,
      manifest,
      client: source,
      instructions,
      logger,
      reporter,
      mayCall: (tool) => mayCall(scopes, p, tool),
      onToolResult: (_tool, result) => void (answered = result),
    })
    const transport = new sdk.Transport({ sessionIdGenerator: undefined, enableJsonResponse: true })
    try {
      await server.connect(transport)
      const res = await transport.handleRequest(c.req.raw, {
        parsedBody: message,
        authInfo: {
          token: '',
          clientId: p.clientId ?? p.subject,
          scopes: p.scopes ? [...p.scopes] : [],
          expiresAt: p.expiresAt,
        },
      })
      // Audited before the answer leaves; a line that cannot be written fails the request closed.
      if (call) recordCall(p, call, answered, source.delivered.at(-1)?.etag, res.status)
      else if (msg.method === 'initialize' && source.delivered.length > 0)
        await audit.recordDelivery(res.status, p, ROUTE, 'instructions')
      return withSecurityHeaders(res)
    } finally {
      await server.close().catch(() => {
        // Per-request server: nothing else uses it.
      })
    }
  }

  function recordCall(
    p: Principal,
    call: Call,
    result: TextResult | undefined,
    etag: string | undefined,
    status: number,
  ): void {
    const digest = argumentDigest(call.args)
    audit.record({
      event: 'mcp.tool_call',
      status,
      ...(p.sessionId !== undefined ? { session_id: p.sessionId } : {}),
      principal: auditPrincipal(p),
      route: ROUTE,
      tool: call.tool,
      argument_names: digest.names,
      arguments_sha256: digest.sha256,
      result: resultStatus(result),
      ...(etag !== undefined ? { etag } : {}),
    })
  }

  return new Hono<DaemonEnv>().post(ROUTES.mcp.path, principalRoute(kit, serve))
}

function withSecurityHeaders(res: Response): Response {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.headers.set(k, v)
  return res
}

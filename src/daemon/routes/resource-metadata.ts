/**
 * @module daemon/routes/resource-metadata
 * RFC 9728 protected resource metadata, public mode only, open to anyone (clients read it
 * before they have a token). Served at the root well-known URI for the daemon's resource and
 * path-inserted for the MCP endpoint (`/.well-known/oauth-protected-resource/mcp`), whose
 * `resource` is `<resource>/mcp` (RFC 9728 §3.3: identical to the URI the suffix was inserted
 * into). `scopes_supported` is the minimal set the access policy uses, never offline_access.
 */
import { Hono } from 'hono'
import { ROUTES } from '../../shared/contract/routes.js'
import type { DaemonEnv } from '../context.js'
import { openRoute, type RouteKit } from '../handlers.js'
import { jsonResponse } from '../responses.js'

export interface ResourceMetadataOptions {
  kit: RouteKit
  resource: string
  issuers: readonly string[]
  scopesSupported: () => readonly string[]
}

export function resourceMetadataRoutes(o: ResourceMetadataOptions): Hono<DaemonEnv> {
  const body = (resource: string): string =>
    JSON.stringify({
      resource,
      authorization_servers: o.issuers,
      scopes_supported: o.scopesSupported().filter((s) => s !== 'offline_access'),
      bearer_methods_supported: ['header'],
      resource_name: 'briefd',
    })
  return new Hono<DaemonEnv>()
    .get(
      ROUTES.resourceMetadata.path,
      openRoute(o.kit, function resourceMetadata() {
        return jsonResponse(200, body(o.resource))
      }),
    )
    .get(
      ROUTES.mcpResourceMetadata.path,
      openRoute(o.kit, function mcpResourceMetadata() {
        return jsonResponse(200, body(`${o.resource}/mcp`))
      }),
    )
}

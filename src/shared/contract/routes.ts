/**
 * @module shared/contract/routes
 * The daemon's HTTP interface in one place: every route's path, methods and who may call it.
 * The daemon registers its handlers from these entries, derives its audit labels and `Allow`
 * headers from them, and the clients and doctor build their requests from them, so a route
 * cannot exist in one process and be missing (or labelled differently) in another. A test
 * fails when the daemon serves a route that is not listed here.
 */

export type Method = 'GET' | 'HEAD' | 'POST' | 'DELETE'

/** Who may call a route: anyone past the request guard, the bootstrap credential, or a principal. */
export type RouteAuth = 'open' | 'bootstrap' | 'principal'

export interface RouteSpec {
  /** Hono-style path; `:name` is the one parameter the contract uses. */
  readonly path: string
  readonly methods: readonly Method[]
  readonly auth: RouteAuth
  /** Served only in this mode; both when absent. */
  readonly mode?: 'local' | 'public'
}

const READ: readonly Method[] = ['GET', 'HEAD']

export const ROUTES = {
  health: { path: '/health', methods: READ, auth: 'open' },
  status: { path: '/v1/status', methods: READ, auth: 'bootstrap', mode: 'local' },
  proof: { path: '/v1/proof', methods: ['POST'], auth: 'open', mode: 'local' },
  /** Issues a session token: for the bootstrap credential (local), an access token or API key (public). */
  sessions: { path: '/v1/sessions', methods: ['POST'], auth: 'principal' },
  currentSession: {
    path: '/v1/sessions/current',
    methods: ['GET', 'HEAD', 'DELETE'],
    auth: 'principal',
  },
  instructions: { path: '/v1/instructions', methods: READ, auth: 'principal' },
  voice: { path: '/v1/voice', methods: READ, auth: 'principal' },
  briefing: { path: '/v1/briefing', methods: READ, auth: 'principal' },
  template: { path: '/v1/templates/:name', methods: READ, auth: 'principal' },
  /** MCP over Streamable HTTP (with `briefd serve --tools`): POST only, stateless. */
  mcp: { path: '/mcp', methods: ['POST'], auth: 'principal' },
  /** RFC 9728 protected resource metadata, root and path-inserted for the MCP endpoint. */
  resourceMetadata: {
    path: '/.well-known/oauth-protected-resource',
    methods: READ,
    auth: 'open',
    mode: 'public',
  },
  mcpResourceMetadata: {
    path: '/.well-known/oauth-protected-resource/mcp',
    methods: READ,
    auth: 'open',
    mode: 'public',
  },
} as const satisfies Record<string, RouteSpec>

export type RouteName = keyof typeof ROUTES

/** The documents a principal reads, by the route that serves each. */
export type DocumentKind = 'instructions' | 'voice' | 'briefing' | 'template'

/** The path of a template; the name must already be a valid template name. */
export function templatePath(name: string): string {
  return ROUTES.template.path.replace(':name', name)
}

/** The path that serves a document. */
export function documentPath(kind: DocumentKind, name?: string): string {
  return kind === 'template' ? templatePath(name ?? '') : ROUTES[kind].path
}

const PARAM = /:[a-z]+/g

const MATCHERS: readonly { spec: RouteSpec; pattern?: RegExp }[] = Object.values(ROUTES).map(
  (spec: RouteSpec) =>
    spec.path.includes(':')
      ? { spec, pattern: new RegExp(`^${spec.path.replace(PARAM, '[^/]+')}$`) }
      : { spec },
)

/** The contract entry a concrete request path belongs to, or undefined for an unknown path. */
export function matchRoute(path: string): RouteSpec | undefined {
  for (const m of MATCHERS) {
    if (m.pattern ? m.pattern.test(path) : m.spec.path === path) return m.spec
  }
  return undefined
}

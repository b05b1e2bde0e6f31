/**
 * @module signin/discovery
 * From a hosted daemon's URL to its authorization server's endpoints: the daemon's protected
 * resource metadata (RFC 9728, path-inserted well-known URI first, then the root), then the
 * authorization server's metadata (RFC 8414, then OpenID discovery). Everything found is
 * checked before it is used, because it decides where a browser goes and where credentials
 * are sent: the metadata must describe the URL we asked about (same origin, same resource
 * modulo one trailing slash), every authorization server and endpoint must be https, the
 * issuer must match the URL it was fetched for, and the endpoints must stay on the issuer's
 * origin.
 */
import { BriefdError, isBriefdError } from '../shared/errors.js'
import { jsonObject, signinFetch } from './http.js'
import { requireHttpsUrl, showUrl, withoutTrailingSlash } from './urls.js'

export interface AuthServerMetadata {
  issuer: string
  token_endpoint: string
  authorization_endpoint?: string
  device_authorization_endpoint?: string
  registration_endpoint?: string
  revocation_endpoint?: string
  code_challenge_methods_supported?: string[]
  grant_types_supported?: string[]
}

export interface Discovery {
  /** The resource as the daemon names it (sent as RFC 8707 `resource`). */
  resource: string
  /** Scopes the daemon offers (`scopes_supported`), possibly empty. */
  scopes: string[]
  authServer: AuthServerMetadata
}

export interface DiscoverOptions {
  timeoutMs?: number
  signal?: AbortSignal
}

const ENDPOINTS = [
  'authorization_endpoint',
  'token_endpoint',
  'device_authorization_endpoint',
  'registration_endpoint',
  'revocation_endpoint',
] as const

function wellKnown(base: URL, suffix: string): URL[] {
  const path = base.pathname === '/' ? '' : withoutTrailingSlash(base.pathname)
  const urls = [new URL(`${base.origin}/.well-known/${suffix}${path}`)]
  if (path !== '') urls.push(new URL(`${base.origin}/.well-known/${suffix}`))
  return urls
}

/** GET the first of `urls` that answers 200 with a JSON object; a 404 tries the next. */
async function firstDocument(
  urls: URL[],
  what: string,
  o: DiscoverOptions,
  unavailable: 'ERR_AUTH_SERVER_UNAVAILABLE' | 'ERR_DAEMON_UNREACHABLE',
  invalid: 'ERR_AUTH_SERVER_INVALID' | 'ERR_REMOTE_INVALID',
): Promise<Record<string, unknown>> {
  for (const url of urls) {
    const res = await signinFetch({
      method: 'GET',
      url,
      unavailable,
      invalid,
      ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
      ...(o.signal ? { signal: o.signal } : {}),
    })
    if (res.status === 404) continue
    if (res.status !== 200)
      throw new BriefdError(invalid, `${what} at ${showUrl(url)} answered HTTP ${res.status}`)
    const doc = jsonObject(res)
    if (!doc) throw new BriefdError(invalid, `${what} at ${showUrl(url)} is not a JSON object`)
    return doc
  }
  throw new BriefdError(
    invalid,
    `no ${what} at ${urls.map((u) => showUrl(u)).join(' or ')} (is this a briefd daemon with sign-in?)`,
  )
}

function stringList(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined
}

/** The daemon's protected resource metadata, checked against the URL we asked about. */
export async function discoverResource(
  remote: URL,
  o: DiscoverOptions = {},
): Promise<{ resource: string; authorizationServers: URL[]; scopes: string[] }> {
  const doc = await firstDocument(
    wellKnown(remote, 'oauth-protected-resource'),
    'protected resource metadata',
    o,
    'ERR_DAEMON_UNREACHABLE',
    'ERR_REMOTE_INVALID',
  )
  const resource = doc.resource
  if (typeof resource !== 'string')
    throw new BriefdError('ERR_REMOTE_INVALID', 'protected resource metadata names no resource')
  let named: URL
  try {
    named = new URL(resource)
  } catch {
    throw new BriefdError(
      'ERR_REMOTE_INVALID',
      'protected resource metadata: resource is not a URL',
    )
  }
  // A trailing slash is the most common mismatch between what users type and what servers
  // say; anything else (another origin, another path) is another resource and refused.
  if (
    named.origin !== remote.origin ||
    withoutTrailingSlash(named.href) !== withoutTrailingSlash(remote.href)
  ) {
    throw new BriefdError(
      'ERR_REMOTE_INVALID',
      `protected resource metadata at ${remote.origin} describes ${showUrl(named)}, not ${showUrl(remote)}; refusing it`,
    )
  }
  const servers = stringList(doc.authorization_servers)
  if (!servers || servers.length === 0)
    throw new BriefdError(
      'ERR_REMOTE_INVALID',
      'protected resource metadata lists no authorization_servers',
    )
  const authorizationServers = servers.map((s, i) => {
    try {
      return requireHttpsUrl(s, `authorization_servers[${i}]`)
    } catch (err) {
      if (isBriefdError(err))
        throw new BriefdError('ERR_REMOTE_INVALID', `protected resource metadata: ${err.message}`)
      throw err
    }
  })
  return { resource, authorizationServers, scopes: stringList(doc.scopes_supported) ?? [] }
}

/** An authorization server's metadata (RFC 8414, else OpenID discovery), checked. */
export async function discoverAuthServer(
  issuer: URL,
  o: DiscoverOptions = {},
): Promise<AuthServerMetadata> {
  const urls = [
    ...wellKnown(issuer, 'oauth-authorization-server'),
    ...wellKnown(issuer, 'openid-configuration'),
  ]
  const doc = await firstDocument(
    urls,
    'authorization server metadata',
    o,
    'ERR_AUTH_SERVER_UNAVAILABLE',
    'ERR_AUTH_SERVER_INVALID',
  )
  if (
    typeof doc.issuer !== 'string' ||
    withoutTrailingSlash(doc.issuer) !== withoutTrailingSlash(issuer.href)
  ) {
    throw new BriefdError(
      'ERR_AUTH_SERVER_INVALID',
      `authorization server metadata fetched for ${showUrl(issuer)} names another issuer; refusing it`,
    )
  }
  const meta: AuthServerMetadata = { issuer: doc.issuer, token_endpoint: '' }
  for (const name of ENDPOINTS) {
    const raw = doc[name]
    if (raw === undefined) continue
    const url = requireHttpsUrl(raw, `authorization server metadata ${name}`)
    if (url.origin !== issuer.origin)
      throw new BriefdError(
        'ERR_AUTH_SERVER_INVALID',
        `authorization server metadata ${name} points at ${url.origin}, not the issuer's origin ${issuer.origin}; refusing it`,
      )
    meta[name] = url.href
  }
  if (meta.token_endpoint === '')
    throw new BriefdError(
      'ERR_AUTH_SERVER_INVALID',
      'authorization server metadata has no token_endpoint',
    )
  const methods = stringList(doc.code_challenge_methods_supported)
  if (methods) meta.code_challenge_methods_supported = methods
  const grants = stringList(doc.grant_types_supported)
  if (grants) meta.grant_types_supported = grants
  return meta
}

/** Both steps: the daemon's metadata, then its first authorization server's. */
export async function discover(remote: URL, o: DiscoverOptions = {}): Promise<Discovery> {
  const prm = await discoverResource(remote, o)
  const first = prm.authorizationServers[0] as URL
  return {
    resource: prm.resource,
    scopes: prm.scopes,
    authServer: await discoverAuthServer(first, o),
  }
}

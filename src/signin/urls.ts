/**
 * @module signin/urls
 * Which URLs sign-in will talk to. A hosted daemon is authenticated by TLS alone (the loopback
 * defences, the listener-owner check and the proof of identity, mean nothing across a
 * network), so its URL must be https; plain http is allowed for a loopback address only. An
 * authorization server is always https: its authorization endpoint is opened in a browser
 * (mcp-remote's CVE-2025-6514 came from opening whatever URL the metadata named), and its
 * token endpoint receives our credentials.
 */
import { BriefdError } from '../shared/errors.js'

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost'])

/** True when the URL's host is a loopback address or `localhost`. */
export function isLoopbackUrl(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname)
}

function parse(raw: string, label: string): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new BriefdError('ERR_REMOTE_INVALID', `${label} is not a URL`)
  }
  if (url.username !== '' || url.password !== '')
    throw new BriefdError('ERR_REMOTE_INVALID', `${label} must not carry a user name or password`)
  if (url.hash !== '')
    throw new BriefdError('ERR_REMOTE_INVALID', `${label} must not have a #fragment`)
  return url
}

/** What a URL looks like in a message: origin and path, never a query (it may hold a code). */
export function showUrl(url: URL | string): string {
  try {
    const u = typeof url === 'string' ? new URL(url) : url
    return `${u.origin}${u.pathname}`
  } catch {
    return '(not a URL)'
  }
}

/**
 * A hosted daemon's resource URL, e.g. `https://briefd.example.com/mcp`: https, or http on a
 * loopback address; no query, fragment or credentials.
 */
export function parseRemoteUrl(raw: string, label = 'remote URL'): URL {
  const url = parse(raw, label)
  if (url.search !== '')
    throw new BriefdError('ERR_REMOTE_INVALID', `${label} ${showUrl(url)} must not have a query`)
  if (url.protocol === 'https:') return url
  if (url.protocol === 'http:' && isLoopbackUrl(url)) return url
  throw new BriefdError(
    'ERR_REMOTE_INVALID',
    `${label} ${showUrl(url)} must be https:// (plain http:// is allowed for a loopback address only)`,
  )
}

/** A URL an authorization server's metadata names: https only. */
export function requireHttpsUrl(raw: unknown, label: string): URL {
  if (typeof raw !== 'string' || raw === '')
    throw new BriefdError('ERR_AUTH_SERVER_INVALID', `${label} is missing or not a string`)
  let url: URL
  try {
    url = parse(raw, label)
  } catch (err) {
    throw new BriefdError('ERR_AUTH_SERVER_INVALID', (err as Error).message)
  }
  if (url.protocol !== 'https:')
    throw new BriefdError(
      'ERR_AUTH_SERVER_INVALID',
      `${label} ${showUrl(url)} is not an https:// URL; refusing to use it`,
    )
  return url
}

/** The same URL with at most one trailing slash removed from its path, for comparisons. */
export function withoutTrailingSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url
}

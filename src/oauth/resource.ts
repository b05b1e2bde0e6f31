/**
 * @module oauth/resource
 * The canonical URI of this resource server (RFC 8707, MCP authorization). It is the audience
 * access tokens must carry, so two spellings of one server must compare equal (scheme and host
 * are case-insensitive, a trailing slash is noise) while anything else must not: clients and
 * authorization servers disagree on trailing slashes often enough to lock users out.
 */
import { BriefdError } from '../shared/errors.js'

/** Hosts for which plain `http` is allowed: a token sent there never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase()
  return (
    host === 'localhost' ||
    host === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) ||
    host.endsWith('.localhost')
  )
}

/**
 * The canonical form of a resource URI: lowercase scheme and host, no default port, no
 * trailing slash, no fragment, no query. `https` only, `http` only for a loopback host.
 * Throws ERR_CONFIG_INVALID naming `setting` for anything else.
 */
export function canonicalResource(value: string, setting = '--resource'): string {
  const bad = (why: string): BriefdError =>
    new BriefdError('ERR_CONFIG_INVALID', `${setting} ${why} (got ${JSON.stringify(value)})`)
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw bad('must be an absolute URL such as https://briefd.example.com')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw bad('must be an https URL')
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw bad('must use https (http is allowed only for localhost and 127.0.0.1)')
  }
  if (url.username !== '' || url.password !== '') throw bad('must not contain a user or password')
  if (value.includes('#')) throw bad('must not contain a fragment (#…)')
  if (value.includes('?')) throw bad('must not contain a query (?…)')
  if (url.hostname === '') throw bad('must name a host')
  return withoutTrailingSlash(url)
}

/**
 * True when `a` and `b` name the same resource: scheme and host compared case-insensitively,
 * the default port implied, one trailing slash ignored. Anything unparsable matches nothing.
 */
export function sameResource(a: string, b: string): boolean {
  const ua = parse(a)
  const ub = parse(b)
  return ua !== undefined && ub !== undefined && comparable(ua) === comparable(ub)
}

function parse(value: string): URL | undefined {
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}

/** WHATWG URL parsing already lowercases the scheme and host and drops a default port. */
function comparable(url: URL): string {
  return `${withoutTrailingSlash(url)}${url.search}${url.hash}`
}

function withoutTrailingSlash(url: URL): string {
  const path = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname
  return `${url.protocol}//${url.host}${path}`
}

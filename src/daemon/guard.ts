/**
 * @module daemon/guard
 * The first check on every request, before auth or any other work:
 * - `Host` must name this daemon on a loopback address with its port. A browser tricked by
 *   DNS rebinding sends the attacker's host name here (CVE-2025-66414 class).
 * - `Origin`, when present, must be on the allow-list (empty by default): web pages never
 *   get to talk to the daemon, not even to its health check (CVE-2025-49596 class).
 * - A declared body larger than the limit is refused before it is read.
 * - A query string is refused on /v1/*: tokens are accepted only in the Authorization
 *   header, and a URL carrying one must not be processed (or logged) at all.
 * - The request target must be a path. An absolute-form target (`GET http://evil.example/…`)
 *   carries its own authority, which RFC 9112 §3.2.2 says replaces Host: the Host check
 *   would be judging the wrong name. No client of a loopback daemon sends one.
 */
import type { Context } from 'hono'
import { isIP } from 'node:net'
import { BriefdError } from '../shared/errors.js'
import { SOCKET_HOST } from '../shared/local-socket.js'
import type { DaemonEnv } from './context.js'
import { requestHeader } from './headers.js'

export interface GuardOptions {
  /** The port the daemon listens on; read per request because it is known only after listen(). */
  port: () => number
  /** Exact origins allowed to call (e.g. `http://127.0.0.1:3000`); empty by default. */
  allowedOrigins?: readonly string[]
  bodyLimitBytes: number
  /** The bound address, if it is not one of the usual loopback names (e.g. 127.0.0.2). */
  boundHost?: string
  /**
   * Public mode: the canonical resource URI. Then `Host` must name the resource's host (with
   * its port, or none, or the bound port when the resource names none), and the loopback
   * names are not accepted: a DNS-rebinding page would send its own name.
   */
  resource?: string
  /**
   * Serving the Unix socket: the one Host accepted is the name clients send there
   * (`localhost`, no port). No web page can reach a Unix socket; the check stays uniform.
   */
  localSocket?: boolean
  /**
   * Public mode: whose buckets a request spends (see DaemonVariables.peer). `socket` uses the
   * TCP peer; `forwarded` the last X-Forwarded-For entry, which a TLS-terminating proxy
   * appends (the peer is then always the proxy).
   */
  peerFrom?: 'socket' | 'forwarded'
}

/**
 * The client of a request, for per-client buckets in public mode: an IPv4 address, or the /64
 * of an IPv6 one (one subscriber holds a whole /64, and rotating within it must not buy a
 * fresh bucket per request).
 */
function peerOf(c: Context<DaemonEnv>, from: 'socket' | 'forwarded'): string {
  let address = c.env?.incoming?.socket?.remoteAddress ?? 'unknown'
  if (from === 'forwarded') {
    const last = requestHeader(c, 'x-forwarded-for')?.split(',').at(-1)?.trim()
    if (last && isIP(last)) address = last
  }
  if (address.startsWith('::ffff:')) return address.slice(7)
  if (isIP(address) !== 6) return address
  const [head = '', tail = ''] = address.split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const full = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
  return `${full.slice(0, 4).join(':')}::/64`
}

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'] as const

/** Builds the request check; it throws a BriefdError for a request that must be refused. */
export function createRequestGuard(options: GuardOptions): (c: Context<DaemonEnv>) => void {
  const origins = new Set(options.allowedOrigins ?? [])
  let hostsFor = -1
  let hosts = new Set<string>()
  const socketHosts = new Set([SOCKET_HOST])
  const allowedHosts = (): Set<string> => {
    if (options.localSocket) return socketHosts
    const port = options.port()
    if (port !== hostsFor) {
      if (options.resource !== undefined) {
        const url = new URL(options.resource)
        const name = url.hostname.toLowerCase()
        hosts = new Set(
          url.port
            ? [`${name}:${url.port}`]
            : [name, `${name}:${url.protocol === 'https:' ? 443 : 80}`, `${name}:${port}`],
        )
      } else {
        const names: string[] = [...LOOPBACK_HOSTS]
        if (options.boundHost)
          names.push(options.boundHost.includes(':') ? `[${options.boundHost}]` : options.boundHost)
        hosts = new Set(names.map((h) => `${h}:${port}`))
      }
      hostsFor = port
    }
    return hosts
  }
  const peerFrom = options.peerFrom
  return function guardRequest(c) {
    if (peerFrom) c.set('peer', `:${peerOf(c, peerFrom)}`)
    const host = requestHeader(c, 'host')
    if (host === undefined || !allowedHosts().has(host.toLowerCase())) {
      throw new BriefdError(
        'ERR_HOST_FORBIDDEN',
        `Host ${JSON.stringify(host ?? '')} is not this daemon`,
      )
    }
    const origin = requestHeader(c, 'origin')
    if (origin !== undefined && !origins.has(origin)) {
      throw new BriefdError('ERR_ORIGIN_FORBIDDEN', 'Origin not on the allow-list')
    }
    const length = requestHeader(c, 'content-length')
    if (length !== undefined && !(Number(length) <= options.bodyLimitBytes)) {
      throw new BriefdError(
        'ERR_BODY_TOO_LARGE',
        `declared body of ${length} bytes exceeds ${options.bodyLimitBytes}`,
      )
    }
    const raw = c.env?.incoming?.url
    if (raw !== undefined && !raw.startsWith('/')) {
      throw new BriefdError(
        'ERR_REQUEST_INVALID',
        'the request target must be a path (absolute-form targets are refused)',
      )
    }
    const target = raw ?? c.req.url
    if (target.includes('?')) {
      throw new BriefdError(
        'ERR_REQUEST_INVALID',
        'query strings are refused (tokens go in the Authorization header)',
      )
    }
  }
}

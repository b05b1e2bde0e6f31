/**
 * @module client/remote-request
 * One HTTPS request to a hosted daemon. TLS authenticates the server (Node's CA store plus
 * NODE_EXTRA_CA_CERTS; verification is never turned off), so the loopback defences of
 * daemon-request (the /proc listener-owner check and the proof of identity) do not apply and
 * are not run. Connections are kept alive; every request has a hard deadline covering
 * connect, TLS, headers and body, and a response size cap.
 */
import { Agent, request as httpsRequest } from 'node:https'
import type { ClientRequest } from 'node:http'
import { isIP } from 'node:net'
import { BriefdError } from '../shared/errors.js'
import { collectResponse } from './response-body.js'
import type { DaemonRequest, DaemonResponse } from './daemon-request.js'

const DEFAULT_MAX_BYTES = 4 * 1024 * 1024
/** Idle TLS connections kept per hosted daemon: a handshake costs a round trip or two. */
const agent = new Agent({ keepAlive: true, maxFreeSockets: 4, scheduling: 'lifo' })

/**
 * A hosted daemon's URL: `https://` anywhere. The token file and settings may name one; a
 * plain `http://` URL is a loopback daemon and goes through daemon-request's checks instead.
 */
export function parseRemoteDaemonUrl(url: string): URL {
  let u: URL
  try {
    u = new URL(url)
  } catch (err) {
    throw new BriefdError('ERR_CONFIG_INVALID', `daemon URL is not a URL`, { cause: err })
  }
  if (u.protocol !== 'https:' || u.username !== '' || u.password !== '' || u.search !== '')
    throw new BriefdError(
      'ERR_CONFIG_INVALID',
      `daemon URL ${u.origin} must be https:// (plain http:// only on loopback)`,
    )
  return u
}

export function remoteRequest(req: DaemonRequest): Promise<DaemonResponse> {
  const base = parseRemoteDaemonUrl(req.url)
  const maxBytes = req.maxBytes ?? DEFAULT_MAX_BYTES
  const prefix = base.pathname.replace(/\/+$/, '')
  const where = base.origin
  return new Promise<DaemonResponse>((resolve, reject) => {
    let settled = false
    let current: ClientRequest | undefined
    const finish = (err: BriefdError | undefined, res?: DaemonResponse): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      req.signal?.removeEventListener('abort', onAbort)
      if (err) {
        current?.destroy()
        reject(err)
      } else resolve(res as DaemonResponse)
    }
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers }
    if (req.bearer !== undefined) headers.authorization = `Bearer ${req.bearer}`
    if (req.body !== undefined) {
      headers['content-type'] = 'application/json'
      headers['content-length'] = String(Buffer.byteLength(req.body))
    }
    const send = (retry: boolean): void => {
      const r = httpsRequest(
        {
          method: req.method,
          host: base.hostname.replace(/^\[|\]$/g, ''),
          // SNI carries host names only (RFC 6066): none for an IP address.
          ...(isIP(base.hostname.replace(/^\[|\]$/g, '')) === 0
            ? { servername: base.hostname }
            : {}),
          port: base.port === '' ? 443 : Number(base.port),
          path: `${prefix}${req.path}`,
          headers,
          agent,
          timeout: req.timeoutMs,
        },
        (res) => collectResponse(res, maxBytes, where, finish),
      )
      current = r
      r.on('error', (err) => {
        if (settled) return
        const code = (err as NodeJS.ErrnoException).code
        if (
          retry &&
          r.reusedSocket &&
          req.method !== 'POST' &&
          (code === 'ECONNRESET' || code === 'EPIPE')
        )
          return send(false)
        finish(
          new BriefdError(
            'ERR_DAEMON_UNREACHABLE',
            `daemon at ${where} is not reachable (${code ?? err.message})`,
            { cause: err },
          ),
        )
      })
      r.end(req.body)
    }
    const timer = setTimeout(
      () =>
        finish(
          new BriefdError(
            'ERR_DAEMON_TIMEOUT',
            `daemon at ${where} did not answer within ${req.timeoutMs} ms`,
          ),
        ),
      req.timeoutMs,
    )
    const onAbort = (): void =>
      finish(
        new BriefdError('ERR_DAEMON_TIMEOUT', `request to the daemon at ${where} was cancelled`),
      )
    if (req.signal?.aborted) return onAbort()
    req.signal?.addEventListener('abort', onAbort, { once: true })
    send(true)
  })
}

/**
 * @module client/http
 * One HTTP request to the daemon with `node:http` (global fetch would load undici: +20 %
 * start-up and +25 MB RSS in the MCP server). Every call has a hard deadline covering
 * connect, headers and body, and a response size cap; a daemon that accepts the connection
 * and never answers costs at most the timeout.
 */
import { request as httpRequest } from 'node:http'
import { connect as netConnect } from 'node:net'
import { BriefdError } from '../shared/errors.js'
import { assertListenerIsOurs, forgetListener } from './listener-owner.js'

export interface DaemonRequest {
  method: 'GET' | 'POST' | 'DELETE'
  /** Base URL, e.g. http://127.0.0.1:7866 */
  url: string
  path: string
  /** Sent as `Authorization: Bearer`, never in the URL. */
  bearer?: string
  body?: string
  headers?: Record<string, string>
  timeoutMs: number
  /** Largest response body accepted. */
  maxBytes?: number
  /** Abort early (e.g. the caller's own deadline). */
  signal?: AbortSignal
}

export interface DaemonResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

const DEFAULT_MAX_BYTES = 4 * 1024 * 1024

/** Accepts only http://<loopback>:<port> daemon URLs: a token must never travel elsewhere. */
export function parseDaemonUrl(url: string): URL {
  let u: URL
  try {
    u = new URL(url)
  } catch (err) {
    throw new BriefdError('ERR_CONFIG_INVALID', `daemon URL ${JSON.stringify(url)} is not a URL`, { cause: err })
  }
  const host = u.hostname.replace(/^\[|\]$/g, '')
  const loopback = host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  if (u.protocol !== 'http:' || !loopback || u.username !== '' || u.password !== '' || u.port === '') {
    throw new BriefdError('ERR_CONFIG_INVALID', `daemon URL ${JSON.stringify(url)} must be http://127.0.0.1:<port> or http://[::1]:<port>`)
  }
  return u
}

export function daemonRequest(req: DaemonRequest): Promise<DaemonResponse> {
  const base = parseDaemonUrl(req.url)
  const host = base.hostname.replace(/^\[|\]$/g, '')
  const port = Number(base.port)
  const maxBytes = req.maxBytes ?? DEFAULT_MAX_BYTES
  return new Promise<DaemonResponse>((resolve, reject) => {
    let settled = false
    const finish = (err: BriefdError | undefined, res?: DaemonResponse): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      req.signal?.removeEventListener('abort', onAbort)
      if (err) {
        r.destroy()
        socket.destroy()
        reject(err)
      } else resolve(res as DaemonResponse)
    }
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers }
    if (req.bearer !== undefined) headers.authorization = `Bearer ${req.bearer}`
    if (req.body !== undefined) {
      headers['content-type'] = 'application/json'
      headers['content-length'] = String(Buffer.byteLength(req.body))
    }
    // A fresh connection per call: no pooled socket to a daemon that was restarted. We open it
    // ourselves so that nothing is written until it is connected and, when a credential is to
    // be sent, until the listener is known to run as us (port squatting, see listener-owner).
    // Checking after the connect, not before, keeps a refused connection (daemon down) free:
    // reading /proc/net/tcp costs ~10 ms of kernel time, which 50 servers retrying during an
    // outage would otherwise pay on every call.
    const socket = netConnect({ host, port })
    const r = httpRequest(
      {
        method: req.method,
        path: req.path,
        headers: { host: base.host, ...headers },
        createConnection: () => socket,
      },
      (res) => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > maxBytes) finish(new BriefdError('ERR_DAEMON_RESPONSE_INVALID', `daemon response larger than ${maxBytes} bytes`))
          else chunks.push(chunk)
        })
        res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', (err) => finish(new BriefdError('ERR_DAEMON_UNREACHABLE', `daemon at ${req.url} broke the connection`, { cause: err })))
      },
    )
    const timer = setTimeout(() => finish(new BriefdError('ERR_DAEMON_TIMEOUT', `daemon at ${req.url} did not answer within ${req.timeoutMs} ms`)), req.timeoutMs)
    const onAbort = (): void => finish(new BriefdError('ERR_DAEMON_TIMEOUT', `request to the daemon at ${req.url} was cancelled`))
    if (req.signal?.aborted) onAbort()
    req.signal?.addEventListener('abort', onAbort, { once: true })
    r.on('error', (err) => {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ECONNREFUSED') forgetListener(host, port)
      finish(new BriefdError('ERR_DAEMON_UNREACHABLE', `daemon at ${req.url} is not reachable (${code ?? err.message})`, { cause: err }))
    })
    socket.once('connect', () => {
      if (req.bearer !== undefined) {
        try {
          assertListenerIsOurs(host, port)
        } catch (err) {
          finish(err instanceof BriefdError ? err : new BriefdError('ERR_DAEMON_UNTRUSTED', String(err)))
          return
        }
      }
      r.end(req.body)
    })
  })
}

/** Parses a JSON object body, or throws ERR_DAEMON_RESPONSE_INVALID. */
export function jsonBody(res: DaemonResponse): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(res.body)
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>
  } catch {
    // fall through to the error below
  }
  throw new BriefdError('ERR_DAEMON_RESPONSE_INVALID', `daemon answered ${res.status} with a body that is not a JSON object`)
}

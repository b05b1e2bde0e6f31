/**
 * @module client/daemon-request
 * One HTTP request to the daemon with `node:http` (global fetch would load undici: +20 %
 * start-up and +25 MB RSS in the MCP server). Every call has a hard deadline covering
 * connect, headers and body, and a response size cap; a daemon that accepts the connection
 * and never answers costs at most the timeout.
 *
 * Connections are kept alive and reused. A connection that will carry a credential is handed
 * to a request only once it is connected and its peer is known to be our daemon (port
 * squatting): on Linux the kernel must say the socket that accepted it runs as us
 * (listener-owner), and on every platform the peer must prove it holds the secret behind the
 * credential (daemon-proof). Both are bound to that connection, whose peer cannot change, so a
 * reused connection needs neither again. Checking after the connect also keeps a refused
 * connection (daemon down) free: reading /proc/net/tcp costs ~10 ms of kernel time, which 50
 * MCP servers retrying during an outage would otherwise pay on every call.
 *
 * When the daemon also listens on its Unix socket (`socketPath`), requests go there first.
 * Only our uid can bind a socket in our 0700 state dir, so a socket that passes the path check
 * (shared/local-socket) is the daemon's: neither the owner check nor the proof is needed, and
 * another local user cannot flood it or hold its connections. Without a usable socket (an
 * older daemon, a path too long, a file someone planted) the request goes over TCP with both.
 */
import {
  Agent,
  request as httpRequest,
  type ClientRequest,
  type ClientRequestArgs,
} from 'node:http'
import { connect as netConnect, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { BriefdError } from '../shared/errors.js'
import { collectResponse } from './response-body.js'
import { assertPeerIsOurs } from './listener-owner.js'
import { proveDaemon } from './daemon-proof.js'
import { remoteRequest } from './remote-request.js'
import { SOCKET_HOST, socketUnsafeReason } from '../shared/local-socket.js'

/** Bound on the proof exchange when the request gives no timeout. */
const DEFAULT_PROOF_TIMEOUT_MS = 2000

/** Idle connections kept per daemon address; the daemon closes them after 5 s idle and Node's agent honours its Keep-Alive hint. */
const MAX_IDLE = 8

/** Request options as the agent sees them: Node hands every request option to createConnection. */
interface CredentialRequestArgs extends ClientRequestArgs {
  /** The credential the request carries, which the daemon must prove it can verify. */
  bearer?: string
}

class DaemonAgent extends Agent {
  readonly #checkOwner: boolean
  constructor(checkOwner: boolean) {
    super({ keepAlive: true, maxFreeSockets: MAX_IDLE, scheduling: 'lifo' })
    this.#checkOwner = checkOwner
  }

  override createConnection(
    options: ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const host = options.host ?? '127.0.0.1'
    const port = Number(options.port)
    const socket: Socket = netConnect({ host, port, keepAlive: true })
    let failed = false
    const fail = (err: Error): void => {
      if (failed) return
      failed = true
      socket.destroy()
      callback?.(err, socket)
    }
    socket.once('error', fail)
    socket.once('connect', () => {
      if (!this.#checkOwner) {
        socket.off('error', fail)
        callback?.(null, socket)
        return
      }
      const { bearer } = options as CredentialRequestArgs
      const hostHeader = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
      assertPeerIsOurs(socket, host, port)
        .then(() => {
          if (bearer === undefined)
            throw new BriefdError(
              'ERR_DAEMON_UNTRUSTED',
              'no credential to prove the daemon against',
            )
          return proveDaemon(
            socket,
            hostHeader,
            bearer,
            options.timeout ?? DEFAULT_PROOF_TIMEOUT_MS,
          )
        })
        .then(
          () => {
            if (failed) return // the connection broke while we looked
            socket.off('error', fail)
            callback?.(null, socket)
          },
          (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))),
        )
    })
    // Handed over in the callback: nothing is written to the socket before that.
    return undefined
  }
}

/** Requests that carry a credential use connections whose listener was checked; the others need no check. */
const credentialAgent = new DaemonAgent(true)
const plainAgent = new DaemonAgent(false)
/** Unix-socket connections, pooled per socket path by Node's agent; the path check replaces the peer checks. */
const socketAgent = new Agent({ keepAlive: true, maxFreeSockets: MAX_IDLE, scheduling: 'lifo' })

/** Connect errors that mean the socket is not served (daemon gone, or it serves TCP only): nothing was sent. */
const SOCKET_UNSERVED = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'EACCES', 'EPERM'])

export interface DaemonRequest {
  method: 'GET' | 'POST' | 'DELETE'
  /** Base URL, e.g. http://127.0.0.1:7866 */
  url: string
  /** The daemon's Unix socket, tried first when it passes the path check. */
  socketPath?: string
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
    throw new BriefdError('ERR_CONFIG_INVALID', `daemon URL ${JSON.stringify(url)} is not a URL`, {
      cause: err,
    })
  }
  const host = u.hostname.replace(/^\[|\]$/g, '')
  const loopback =
    host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  if (
    u.protocol !== 'http:' ||
    !loopback ||
    u.username !== '' ||
    u.password !== '' ||
    u.port === ''
  ) {
    throw new BriefdError(
      'ERR_CONFIG_INVALID',
      `daemon URL ${JSON.stringify(url)} must be http://127.0.0.1:<port> or http://[::1]:<port>`,
    )
  }
  return u
}

export function daemonRequest(req: DaemonRequest): Promise<DaemonResponse> {
  // A hosted daemon: TLS authenticates it, and the loopback checks below do not apply.
  if (req.url.startsWith('https:')) return remoteRequest(req)
  const base = parseDaemonUrl(req.url)
  const host = base.hostname.replace(/^\[|\]$/g, '')
  const maxBytes = req.maxBytes ?? DEFAULT_MAX_BYTES
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
    const socketPath =
      req.socketPath !== undefined && socketUnsafeReason(req.socketPath) === undefined
        ? req.socketPath
        : undefined
    const send = (retry: boolean, viaSocket: boolean): void => {
      const options: CredentialRequestArgs = viaSocket
        ? {
            method: req.method,
            socketPath,
            path: req.path,
            headers: { ...headers, host: SOCKET_HOST },
            agent: socketAgent,
          }
        : {
            method: req.method,
            host,
            port: base.port,
            path: req.path,
            headers,
            agent: req.bearer !== undefined ? credentialAgent : plainAgent,
            bearer: req.bearer,
            // Also bounds the daemon's proof of identity on a new connection (DaemonAgent).
            timeout: req.timeoutMs,
          }
      const r = httpRequest(options, (res) => collectResponse(res, maxBytes, req.url, finish))
      current = r
      r.on('error', (err) => {
        if (settled) return
        if (err instanceof BriefdError) return finish(err)
        const code = (err as NodeJS.ErrnoException).code
        // The socket is not served (the daemon died or serves TCP only): the connect failed,
        // nothing was sent, so TCP (with its checks) may carry the request, POST included.
        if (viaSocket && !r.reusedSocket && code !== undefined && SOCKET_UNSERVED.has(code))
          return send(retry, false)
        // A kept-alive connection the daemon closed (idle timeout, restart) just as we reused
        // it: try once more on a new connection. Not for POST, which must not run twice.
        if (
          retry &&
          r.reusedSocket &&
          req.method !== 'POST' &&
          (code === 'ECONNRESET' || code === 'EPIPE')
        )
          return send(false, viaSocket)
        finish(
          new BriefdError(
            'ERR_DAEMON_UNREACHABLE',
            `daemon at ${req.url} is not reachable (${code ?? err.message})`,
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
            `daemon at ${req.url} did not answer within ${req.timeoutMs} ms`,
          ),
        ),
      req.timeoutMs,
    )
    const onAbort = (): void =>
      finish(
        new BriefdError('ERR_DAEMON_TIMEOUT', `request to the daemon at ${req.url} was cancelled`),
      )
    if (req.signal?.aborted) return onAbort()
    req.signal?.addEventListener('abort', onAbort, { once: true })
    send(true, socketPath !== undefined)
  })
}

/** Parses a JSON object body, or throws ERR_DAEMON_RESPONSE_INVALID. */
export function jsonBody(res: DaemonResponse): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(res.body)
    if (typeof v === 'object' && v !== null && !Array.isArray(v))
      return v as Record<string, unknown>
  } catch {
    // fall through to the error below
  }
  throw new BriefdError(
    'ERR_DAEMON_RESPONSE_INVALID',
    `daemon answered ${res.status} with a body that is not a JSON object`,
  )
}

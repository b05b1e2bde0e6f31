/**
 * A loopback forwarding proxy that adds `Authorization: Bearer <token>` to requests that carry
 * none, for clients that cannot send headers (the conformance suite's server mode has no
 * header option). Everything else is forwarded as sent; a `Host` naming the proxy itself is
 * rewritten to name the daemon, and any other `Host` (a DNS-rebinding probe) goes through
 * untouched, so the daemon's own guard is what answers it.
 */
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface BearerProxy {
  url: string
  /** Where to forward, with which token (set before the first request). */
  forward(target: URL, token: string): void
  close(): Promise<void>
}

/** Listens first, so the proxy's origin is known before the daemon (and its allow-list) starts. */
export async function startBearerProxy(): Promise<BearerProxy> {
  let port = 0
  let target = new URL('http://127.0.0.1:9')
  let token = ''
  const server: Server = createServer((req, res) => {
    const headers = { ...req.headers }
    if (headers.host === `127.0.0.1:${port}` || headers.host === `localhost:${port}`)
      headers.host = target.host
    headers.authorization ??= `Bearer ${token}`
    const out = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
      },
      (upstream) => {
        res.writeHead(upstream.statusCode ?? 502, upstream.headers)
        upstream.pipe(res)
      },
    )
    out.on('error', () => {
      res.writeHead(502)
      res.end()
    })
    req.pipe(out)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    forward(t, k) {
      target = t
      token = k
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

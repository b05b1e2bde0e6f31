/**
 * A bare HTTPS server on 127.0.0.1 (the run's test CA) answering with whatever a test wants:
 * for hostile or broken authorization-server endpoints that oidc-provider will not produce
 * (wrong issuer, http key set URL, huge or non-JSON bodies, silence). It counts requests.
 */
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serverCredentials } from './tls.js'

export type Route = (req: IncomingMessage, res: ServerResponse, origin: string) => void

export interface TestHttpsServer {
  origin: string
  requests: string[]
  close(): Promise<void>
}

export async function startHttpsServer(route: Route): Promise<TestHttpsServer> {
  const requests: string[] = []
  let origin = ''
  const server: Server = createServer(serverCredentials(), (req, res) => {
    requests.push(req.url ?? '')
    route(req, res, origin)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** Answer with JSON. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

// daemonRequest checks the listener's owner only once a connection is up: a refused connection
// (the daemon is down) must not pay for reading /proc/net/tcp, which costs ~10 ms of kernel
// time per read and starved the machine when 50 MCP servers retried during an outage
// (BENCHMARKS.md, "After the listener-owner check"). Connections are kept alive and the check is
// bound to the connection.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { once } from 'node:events'
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import { PROOF_PATH, proofFor } from '../../src/shared/daemon-proof.js'
import { createServer, type AddressInfo } from 'node:net'

const procReads: string[] = []
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  const readFileSync = ((path: unknown, ...rest: unknown[]) => {
    if (typeof path === 'string' && path.startsWith('/proc/net/tcp')) procReads.push(path)
    return (fs.readFileSync as (...a: unknown[]) => unknown)(path, ...rest)
  }) as typeof fs.readFileSync
  return { ...fs, default: { ...fs, readFileSync }, readFileSync }
})

const { daemonRequest } = await import('../../src/client/daemon-request.js')

afterEach(() => void procReads.splice(0))

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1')
  await once(s, 'listening')
  const { port } = s.address() as AddressInfo
  await new Promise((r) => s.close(r))
  return port
}

/**
 * A stand-in daemon for the client's mechanics (not a mock of ours: the real daemon is in the
 * e2e tests). It answers the proof of identity as the real daemon would for `token`, whose
 * signature it is given, and hands every other request to `handler`.
 */
function proofAware(
  token: string,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method === 'POST' && req.url === PROOF_PATH) {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        const { nonce } = JSON.parse(body) as { nonce: string }
        res.setHeader('content-type', 'application/json')
        res.end(
          JSON.stringify({
            proof: proofFor(
              Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url'),
              nonce,
            ),
          }),
        )
      })
      return
    }
    handler(req, res)
  }
}

describe.skipIf(process.platform !== 'linux')('daemonRequest and the listener-owner check', () => {
  it('reads nothing from /proc when the connection is refused', async () => {
    const port = await freePort()
    for (let i = 0; i < 5; i++) {
      const err = await daemonRequest({
        method: 'GET',
        url: `http://127.0.0.1:${port}`,
        path: '/v1/instructions',
        bearer: 'a.b.c',
        timeoutMs: 1000,
      }).catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'ERR_DAEMON_UNREACHABLE' })
    }
    expect(procReads).toEqual([])
  })

  it('checks the listener once per connection, before anything is written; a reused connection needs no new check', async () => {
    const seen: { socket: number; proc: number; line: string }[] = []
    const sockets = new Map<unknown, number>()
    const server = createHttpServer(
      proofAware('a.b.c', (req, res) => {
        if (!sockets.has(req.socket)) sockets.set(req.socket, sockets.size)
        seen.push({
          socket: sockets.get(req.socket) ?? -1,
          proc: procReads.length,
          line: `${req.method} ${req.url}`,
        })
        res.setHeader('content-type', 'application/json')
        res.end('{}')
      }),
    )
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    try {
      for (let i = 0; i < 3; i++) {
        const res = await daemonRequest({
          method: 'GET',
          url: `http://127.0.0.1:${port}`,
          path: '/v1/voice',
          bearer: 'a.b.c',
          timeoutMs: 1000,
        })
        expect(res.status).toBe(200)
      }
      // One connection, checked (tcp and tcp6 read) before its first request line arrived.
      expect(seen.map((s) => s.socket)).toEqual([0, 0, 0])
      expect(seen[0]?.proc).toBeGreaterThan(0)
      expect(procReads.length).toBe(seen[0]?.proc)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })

  it('sends requests without a credential without any check', async () => {
    const server = createServer((c) =>
      c.on('data', () =>
        c.end('HTTP/1.1 200 OK\r\ncontent-length: 15\r\nconnection: close\r\n\r\n{"status":"ok"}'),
      ),
    ).listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    try {
      const res = await daemonRequest({
        method: 'GET',
        url: `http://127.0.0.1:${port}`,
        path: '/health',
        timeoutMs: 1000,
      })
      expect(res.body).toBe('{"status":"ok"}')
      expect(procReads).toEqual([])
    } finally {
      server.close()
    }
  })
})

describe('daemonRequest on a kept-alive connection the daemon dropped', () => {
  // The daemon answers the first request on a connection, then drops the connection at the
  // next one: what a client sees when the daemon's idle timeout or a restart races its reuse.
  async function droppingServer(): Promise<{
    port: number
    requests: string[]
    close: () => void
  }> {
    const requests: string[] = []
    const used = new WeakSet<object>()
    const server = createHttpServer(
      proofAware('a.b.c', (req, res) => {
        requests.push(`${req.method} ${req.url}`)
        if (used.has(req.socket)) return void req.socket.destroy()
        used.add(req.socket)
        res.setHeader('content-type', 'application/json')
        res.end('{}')
      }),
    )
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    return {
      port: (server.address() as AddressInfo).port,
      requests,
      close: () => (server.closeAllConnections(), server.close()),
    }
  }

  it('retries a GET once on a new connection', async () => {
    const s = await droppingServer()
    try {
      const url = `http://127.0.0.1:${s.port}`
      expect(
        (
          await daemonRequest({
            method: 'GET',
            url,
            path: '/v1/voice',
            bearer: 'a.b.c',
            timeoutMs: 1000,
          })
        ).status,
      ).toBe(200)
      expect(
        (
          await daemonRequest({
            method: 'GET',
            url,
            path: '/v1/voice',
            bearer: 'a.b.c',
            timeoutMs: 1000,
          })
        ).status,
      ).toBe(200)
      expect(s.requests).toEqual(['GET /v1/voice', 'GET /v1/voice', 'GET /v1/voice'])
    } finally {
      s.close()
    }
  })

  it('does not send a POST twice', async () => {
    const s = await droppingServer()
    try {
      const url = `http://127.0.0.1:${s.port}`
      expect(
        (await daemonRequest({ method: 'GET', url, path: '/health', timeoutMs: 1000 })).status,
      ).toBe(200)
      const err = await daemonRequest({
        method: 'POST',
        url,
        path: '/v1/sessions',
        body: '{}',
        timeoutMs: 1000,
      }).catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'ERR_DAEMON_UNREACHABLE' })
      expect(s.requests).toEqual(['GET /health', 'POST /v1/sessions'])
    } finally {
      s.close()
    }
  })
})

describe('daemonRequest against a listener that runs as us but cannot prove it is our daemon', () => {
  // What a port squatter looks like where the kernel cannot name a socket's owner (macOS), or
  // any impostor the /proc check cannot catch: it must never see a credential.
  const impostors: [string, (req: IncomingMessage, res: ServerResponse) => void][] = [
    [
      'answers the proof with a wrong value',
      (_req, res) => res.end(JSON.stringify({ proof: 'x'.repeat(43) })),
    ],
    ['does not know /v1/proof (404)', (_req, res) => ((res.statusCode = 404), res.end('{}'))],
    ['answers 200 without a proof', (_req, res) => res.end('{}')],
    ['never answers', () => {}],
    ['closes the connection', (req) => req.socket.destroy()],
  ]
  it.for(impostors)(
    'refuses when the listener %s, and sends it no credential',
    async ([, answer]) => {
      const heard: string[] = []
      const server = createHttpServer((req, res) => {
        heard.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`)
        answer(req, res)
      })
      server.listen(0, '127.0.0.1')
      await once(server, 'listening')
      const { port } = server.address() as AddressInfo
      try {
        for (const bearer of ['eyJh.eyJz.c2lnbmF0dXJl', 'bootstrap-credential-value']) {
          const err = await daemonRequest({
            method: 'GET',
            url: `http://127.0.0.1:${port}`,
            path: '/v1/instructions',
            bearer,
            timeoutMs: 500,
          }).catch((e: unknown) => e)
          expect(err).toMatchObject({
            code: expect.stringMatching(/^ERR_DAEMON_(UNTRUSTED|TIMEOUT)$/),
          })
          expect(String((err as Error).message)).not.toContain(bearer)
        }
        expect(heard.every((h) => h.startsWith('POST /v1/proof -'))).toBe(true)
        expect(heard.join('\n')).not.toMatch(/c2lnbmF0dXJl|bootstrap-credential-value/)
      } finally {
        server.closeAllConnections()
        server.close()
      }
    },
  )
})

// daemonRequest checks the listener's owner only once a connection is up: a refused connection
// (the daemon is down) must not pay for reading /proc/net/tcp, which costs ~10 ms of kernel
// time per read and starved the machine when 50 MCP servers retried during an outage
// (BENCHMARKS.md, "After the listener-owner check").
import { afterEach, describe, expect, it, vi } from 'vitest'
import { once } from 'node:events'
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

const { daemonRequest } = await import('../../src/client/http.js')
const { forgetListener } = await import('../../src/client/listener-owner.js')

afterEach(() => void procReads.splice(0))

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1')
  await once(s, 'listening')
  const { port } = s.address() as AddressInfo
  await new Promise((r) => s.close(r))
  return port
}

describe.skipIf(process.platform !== 'linux')('daemonRequest and the listener-owner check', () => {
  it('reads nothing from /proc when the connection is refused', async () => {
    const port = await freePort()
    for (let i = 0; i < 5; i++) {
      const err = await daemonRequest({ method: 'GET', url: `http://127.0.0.1:${port}`, path: '/v1/instructions', bearer: 'a.b.c', timeoutMs: 1000 }).catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'ERR_DAEMON_UNREACHABLE' })
    }
    expect(procReads).toEqual([])
  })

  it('checks the listener once connected, before anything is written, and trusts it for a while', async () => {
    const received: string[] = []
    const server = createServer((c) => {
      c.on('data', (d: Buffer) => {
        received.push(`${procReads.length}:${d.toString('latin1').split('\r\n')[0]}`)
        c.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}')
      })
    }).listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    try {
      forgetListener('127.0.0.1', port)
      for (let i = 0; i < 3; i++) {
        const res = await daemonRequest({ method: 'GET', url: `http://127.0.0.1:${port}`, path: '/v1/voice', bearer: 'a.b.c', timeoutMs: 1000 })
        expect(res.status).toBe(200)
      }
      // The first request read /proc before its request line reached the server; the next two
      // were within the trust window.
      expect(received[0]).toMatch(/^[12]:GET \/v1\/voice HTTP\/1.1$/)
      expect(new Set(procReads).size).toBeGreaterThan(0)
      expect(procReads.length).toBeLessThanOrEqual(2)
    } finally {
      server.close()
    }
  })

  it('sends requests without a credential without any check', async () => {
    const server = createServer((c) => c.on('data', () => c.end('HTTP/1.1 200 OK\r\ncontent-length: 15\r\nconnection: close\r\n\r\n{"status":"ok"}'))).listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    try {
      forgetListener('127.0.0.1', port)
      const res = await daemonRequest({ method: 'GET', url: `http://127.0.0.1:${port}`, path: '/health', timeoutMs: 1000 })
      expect(res.body).toBe('{"status":"ok"}')
      expect(procReads).toEqual([])
    } finally {
      server.close()
    }
  })
})

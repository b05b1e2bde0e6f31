import { afterEach, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeContent, leakedCanaries } from '../helpers/content.js'
import { rawExchange, parseResponse, rawRequest } from '../helpers/http.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'

let daemon: TestDaemon | undefined
afterEach(async () => {
  await daemon?.close()
  daemon = undefined
})

const bearer = (t: string): [string, string] => ['Authorization', `Bearer ${t}`]

describe('Host and Origin checks', () => {
  it('accepts loopback names with the daemon port, in any letter case', async () => {
    daemon = await startTestDaemon({ contentDir: makeContent().dir })
    const { token } = await daemon.newSession()
    for (const host of [
      `127.0.0.1:${daemon.port}`,
      `localhost:${daemon.port}`,
      `LOCALHOST:${daemon.port}`,
      `[::1]:${daemon.port}`,
    ]) {
      const res = await rawRequest(daemon.port, {
        path: '/v1/instructions',
        headers: [['Host', host], bearer(token)],
      })
      expect(res.status, host).toBe(200)
    }
  })

  it.each([
    'evil.example',
    'evil.example:PORT',
    'localhost.evil.example:PORT',
    '127.0.0.1.nip.io:PORT',
    'localhost',
    '127.0.0.1',
    'localhost:1',
    'localhost.:PORT',
    '127.1:PORT',
    '0.0.0.0:PORT',
    '[::ffff:127.0.0.1]:PORT',
    '[0:0:0:0:0:0:0:1]:PORT',
    '2130706433:PORT',
    'localhost:PORT, evil.example',
  ])(
    'refuses Host %s (403, or 400 when it is not even a valid host) with no content, even with a valid token',
    async (hostPattern) => {
      const content = makeContent()
      daemon = await startTestDaemon({ contentDir: content.dir })
      const { token } = await daemon.newSession()
      const host = hostPattern.replace('PORT', String(daemon.port))
      const res = await rawRequest(daemon.port, {
        path: '/v1/instructions',
        headers: [['Host', host], bearer(token)],
      })
      expect([400, 403]).toContain(res.status)
      expect(JSON.parse(res.body)).toMatchObject({
        error: res.status === 403 ? 'forbidden' : 'invalid_request',
      })
      expect(res.headers['cache-control']).toBe('no-store')
      expect(leakedCanaries(content, res.raw)).toEqual([])
    },
  )

  it.each([
    'http://evil.example/v1/instructions',
    'http://PORTHOST/v1/instructions',
    'http://evil.example:PORT/health',
  ])(
    'refuses an absolute-form request target %s (its authority would replace Host) with 400 and no content',
    async (targetPattern) => {
      const content = makeContent()
      daemon = await startTestDaemon({ contentDir: content.dir })
      const { token } = await daemon.newSession()
      const target = targetPattern
        .replace('PORTHOST', `127.0.0.1:${daemon.port}`)
        .replace('PORT', String(daemon.port))
      const res = await rawRequest(daemon.port, { path: target, headers: [bearer(token)] })
      expect(res.status).toBe(400)
      expect(JSON.parse(res.body)).toMatchObject({ error: 'invalid_request' })
      expect(leakedCanaries(content, res.raw)).toEqual([])
    },
  )

  it('refuses two Host headers', async () => {
    daemon = await startTestDaemon({ contentDir: makeContent().dir })
    const res = await rawRequest(daemon.port, {
      path: '/health',
      headers: [
        ['Host', `127.0.0.1:${daemon.port}`],
        ['Host', 'evil.example'],
      ],
    })
    expect([400, 403]).toContain(res.status)
  })

  it.each(['https://evil.example', 'null', 'http://localhost', `http://127.0.0.1`, 'file://'])(
    'refuses Origin %s with 403, even on /health and CORS preflight',
    async (origin) => {
      daemon = await startTestDaemon({ contentDir: makeContent().dir })
      const { token } = await daemon.newSession()
      const doc = await rawRequest(daemon.port, {
        path: '/v1/instructions',
        headers: [['Origin', origin], bearer(token)],
      })
      expect(doc.status).toBe(403)
      const health = await rawRequest(daemon.port, {
        path: '/health',
        headers: [['Origin', origin]],
      })
      expect(health.status).toBe(403)
      const preflight = await rawRequest(daemon.port, {
        method: 'OPTIONS',
        path: '/v1/instructions',
        headers: [
          ['Origin', origin],
          ['Access-Control-Request-Method', 'GET'],
          ['Access-Control-Request-Headers', 'authorization'],
        ],
      })
      expect(preflight.status).toBe(403)
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined()
    },
  )

  it('allows an Origin on the allow-list', async () => {
    daemon = await startTestDaemon({
      contentDir: makeContent().dir,
      flags: { allowOrigin: ['http://127.0.0.1:3000'] },
    })
    const res = await rawRequest(daemon.port, {
      path: '/health',
      headers: [['Origin', 'http://127.0.0.1:3000']],
    })
    expect(res.status).toBe(200)
  })

  it('rejects a WebSocket upgrade from a web page', async () => {
    daemon = await startTestDaemon({ contentDir: makeContent().dir })
    const raw = await rawExchange(
      daemon.port,
      `GET /v1/instructions HTTP/1.1\r\nHost: 127.0.0.1:${daemon.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nOrigin: https://evil.example\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      2000,
    )
    expect(raw).not.toMatch(/^HTTP\/1.1 101/)
  })
})

describe('rate limits', () => {
  it('answers 429 with Retry-After once anonymous or failed requests exceed the limit, then recovers', async () => {
    const content = makeContent()
    // The daemon's clock, moved forward instead of waiting for the bucket to refill.
    let clock = Date.now()
    daemon = await startTestDaemon({
      contentDir: content.dir,
      env: { BRIEFD_RATE_ANONYMOUS: '5/5' },
      now: () => clock,
    })
    const { token } = await daemon.newSession()
    expect(
      (await rawRequest(daemon.port, { path: '/v1/instructions', headers: [bearer(token)] }))
        .status,
    ).toBe(200)
    const fresh = (await daemon.newSession()).token
    const statuses: number[] = []
    let retryAfter: string | undefined
    for (let i = 0; i < 12; i++) {
      const res = await rawRequest(daemon.port, {
        path: '/v1/instructions',
        headers: [bearer(`bad.${i}.token`)],
      })
      statuses.push(res.status)
      if (res.status === 429) retryAfter = res.headers['retry-after']
      expect(leakedCanaries(content, res.raw)).toEqual([])
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
    expect(statuses.slice(6)).toEqual(Array(6).fill(429))
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1)
    // A session already verified keeps working during the flood; a new token waits (no crypto
    // is spent on unverified tokens while failures are being throttled).
    expect(
      (await rawRequest(daemon.port, { path: '/v1/instructions', headers: [bearer(token)] }))
        .status,
    ).toBe(200)
    expect(
      (await rawRequest(daemon.port, { path: '/v1/instructions', headers: [bearer(fresh)] }))
        .status,
    ).toBe(429)
    clock += 1200
    expect(
      (await rawRequest(daemon.port, { path: '/v1/instructions', headers: [bearer(fresh)] }))
        .status,
    ).toBe(200)
    expect(
      (
        await rawRequest(daemon.port, {
          path: '/v1/instructions',
          headers: [bearer('bad.x.token')],
        })
      ).status,
    ).toBe(401)
  })

  it('does not let a web page lock new sessions out: 403s and credential-less 401s spend a bucket of their own', async () => {
    const content = makeContent()
    daemon = await startTestDaemon({
      contentDir: content.dir,
      env: { BRIEFD_RATE_ANONYMOUS: '5/1' },
    })
    const fresh = (await daemon.newSession()).token
    // What a page can send: cross-origin requests (refused by Origin), rebinding names (refused
    // by Host), and requests without credentials. It cannot send an Authorization header.
    const statuses: number[] = []
    for (let i = 0; i < 30; i++) {
      const headers: [string, string][] =
        i % 3 === 0
          ? [['Origin', 'https://evil.example']]
          : i % 3 === 1
            ? [['Host', `evil.example:${daemon.port}`]]
            : []
      const res = await rawRequest(daemon.port, { path: '/v1/instructions', headers })
      statuses.push(res.status)
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(20)
    // A brand-new valid token is still verified and served during the flood.
    const res = await rawRequest(daemon.port, {
      path: '/v1/instructions',
      headers: [bearer(fresh)],
    })
    expect(res.status).toBe(200)
    expect(res.body).toContain(content.canary.instructions)
  })

  it('does not throttle a valid session making many requests', async () => {
    daemon = await startTestDaemon({ contentDir: makeContent().dir })
    const { token } = await daemon.newSession()
    const results = await Promise.all(
      Array.from({ length: 500 }, () =>
        rawRequest(daemon!.port, { path: '/v1/templates/verdict', headers: [bearer(token)] }),
      ),
    )
    expect(results.every((r) => r.status === 200)).toBe(true)
  })

  it('coalesces a 429 flood into one audit line per second', async () => {
    daemon = await startTestDaemon({
      contentDir: makeContent().dir,
      env: { BRIEFD_RATE_ANONYMOUS: '2/1' },
    })
    for (let i = 0; i < 40; i++) await rawRequest(daemon.port, { path: '/v1/voice' })
    await daemon.close()
    const lines = readFileSync(join(daemon.stateDir, 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    const tooMany = lines.filter((l) => l.status === 429)
    expect(tooMany.length).toBeLessThan(6)
    const counted = tooMany.reduce((n, l) => n + (typeof l.count === 'number' ? l.count : 1), 0)
    expect(counted).toBe(38)
    daemon = undefined
  })
})

describe('slow and oversized clients', () => {
  it('answers 431 for oversized headers', async () => {
    daemon = await startTestDaemon({ contentDir: makeContent().dir })
    const res = await rawRequest(daemon.port, {
      path: '/health',
      headers: [['X-Big', 'x'.repeat(20_000)]],
    })
    expect(res.status).toBe(431)
  })

  it('cuts off a client that never finishes its headers', async () => {
    daemon = await startTestDaemon({ contentDir: makeContent().dir })
    const started = Date.now()
    const raw = await rawExchange(
      daemon.port,
      `GET /health HTTP/1.1\r\nHost: 127.0.0.1:${daemon.port}\r\n`,
      20_000,
    )
    // Node's headersTimeout is checked every connectionsCheckingInterval (30 s by default would be too slow).
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(raw === '' || parseResponse(raw).status === 408).toBe(true)
  })
})

describe('requests the HTTP parser refuses', () => {
  // Node would answer these with a bare status line; the daemon answers like every other
  // refusal: JSON {error, error_description}, the security headers, the connection closed.
  const cases: [string, (port: number) => string, number][] = [
    ['no Host header', () => 'GET /v1/instructions HTTP/1.1\r\nConnection: close\r\n\r\n', 400],
    [
      'Content-Length and Transfer-Encoding together',
      (p) =>
        `POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      400,
    ],
    [
      'two different Content-Lengths',
      (p) =>
        `POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`,
      400,
    ],
    [
      'an obs-folded header',
      (p) => `GET /health HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nX-A: a\r\n  folded\r\n\r\n`,
      400,
    ],
    ['a bare LF line ending', (p) => `GET /health HTTP/1.1\nHost: 127.0.0.1:${p}\n\n`, 400],
    ['a garbage request line', () => 'HELLO\r\n\r\n', 400],
    [
      'oversized headers',
      (p) => `GET /health HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`,
      431,
    ],
  ]
  it.for(cases)('answers %s in JSON with the security headers', async ([, request, status]) => {
    daemon ??= await startTestDaemon({ contentDir: makeContent().dir })
    const res = parseResponse(await rawExchange(daemon.port, request(daemon.port), 3000))
    expect(res.status).toBe(status)
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    const body = JSON.parse(res.body) as Record<string, unknown>
    expect(Object.keys(body).sort()).toEqual(['error', 'error_description'])
  })
})

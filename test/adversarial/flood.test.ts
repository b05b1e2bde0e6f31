/**
 * Adversarial suite: floods and slow clients against the real daemon. A flood is answered
 * with 429 and Retry-After, sessions already verified keep working through it, and the daemon
 * recovers once the flood stops. A slow client is cut off within the daemon's bounds (headers
 * 5 s, whole request 10 s, idle keep-alive 5 s, checked every second) while others are served.
 * Nothing confidential and no secret appears in any answer or in the daemon's logs. Flood
 * cases freeze the daemon's clock (buckets refill only when the test moves it); slow-client
 * cases use real time, since the cut-offs are Node's own timers.
 * Cases run concurrently, each against its own daemon (buckets are per daemon).
 */
import { afterAll, describe, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { makeContent, type TestContent } from '../helpers/content.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { rawExchange, rawRequest, slowExchange, type RawResponse } from '../helpers/http.js'
import { daemonTrail, leaksIn } from '../helpers/leaks.js'
import { foreignKey, forgeToken } from '../helpers/tokens.js'

// Closed after all cases (not after each: the cases run concurrently).
const daemons: TestDaemon[] = []
afterAll(async () => {
  await Promise.all(daemons.map((d) => d.close()))
})
const bearer = (t: string): [string, string] => ['Authorization', `Bearer ${t}`]

interface Rig {
  content: TestContent
  daemon: TestDaemon
  token: string
  secrets: string[]
  /** Moves the daemon's clock on: buckets refill only when the test says so. */
  advance(ms: number): void
}

/**
 * A daemon with small buckets (see `Flood.bucket`) and a clock that stands still, so what a
 * flood gets through depends on the bucket alone, never on how fast this machine is today.
 */
async function rig(): Promise<Rig> {
  const content = makeContent()
  let clock = Date.now()
  const daemon = await startTestDaemon({
    contentDir: content.dir,
    now: () => clock,
    env: {
      BRIEFD_RATE_ANONYMOUS: '10/5',
      BRIEFD_RATE_HEALTH: '20/10',
      BRIEFD_RATE_BOOTSTRAP: '5/2',
    },
  })
  daemons.push(daemon)
  const token = (await daemon.newSession()).token
  // The session is verified and remembered before the flood starts.
  await rawRequest(daemon.port, { path: '/v1/instructions', headers: [bearer(token)] })
  return {
    content,
    daemon,
    token,
    secrets: [token, daemon.bootstrap()],
    advance: (ms) => void (clock += ms),
  }
}

interface Flood {
  /** One request of the flood (i is its index). */
  request: (r: Rig, i: number) => Promise<RawResponse>
  /** The status a flood request gets before the limit bites, and after recovery. */
  normal: number
  /** The bucket it drains (as set in rig()). */
  bucket: { burst: number; perSecond: number }
}

const ANONYMOUS = { burst: 10, perSecond: 5 }

const floods: [string, Flood][] = [
  [
    'forged tokens',
    {
      request: (r) =>
        rawRequest(r.daemon.port, {
          path: '/v1/instructions',
          headers: [bearer(forgeToken({ key: foreignKey() }))],
        }),
      normal: 401,
      bucket: ANONYMOUS,
    },
  ],
  [
    'requests without a credential',
    {
      request: (r) => rawRequest(r.daemon.port, { path: '/v1/templates/verdict' }),
      normal: 401,
      bucket: ANONYMOUS,
    },
  ],
  [
    'garbage credentials',
    {
      request: (r, i) =>
        rawRequest(r.daemon.port, { path: '/v1/voice', headers: [bearer(`garbage-${i}`)] }),
      normal: 401,
      bucket: ANONYMOUS,
    },
  ],
  [
    'wrong bootstrap credentials',
    {
      request: (r) =>
        rawRequest(r.daemon.port, {
          method: 'POST',
          path: '/v1/sessions',
          headers: [bearer(`briefd_bs_${randomUUID().replaceAll('-', '')}`)],
        }),
      normal: 401,
      bucket: ANONYMOUS,
    },
  ],
  [
    'refused requests (foreign Host)',
    {
      request: (r) =>
        rawRequest(r.daemon.port, {
          path: '/v1/instructions',
          headers: [['Host', 'evil.example'], bearer(r.token)],
        }),
      normal: 403,
      bucket: ANONYMOUS,
    },
  ],
  [
    'health checks',
    {
      request: (r) => rawRequest(r.daemon.port, { path: '/health' }),
      normal: 200,
      bucket: { burst: 20, perSecond: 10 },
    },
  ],
  [
    'session issuance with the right bootstrap credential',
    {
      request: (r) =>
        rawRequest(r.daemon.port, {
          method: 'POST',
          path: '/v1/sessions',
          headers: [bearer(r.daemon.bootstrap())],
          body: '{"ttl_seconds":60}',
        }),
      normal: 201,
      bucket: { burst: 5, perSecond: 2 },
    },
  ],
]

// Both groups run at once: the slow-client cases spend most of their time waiting.
describe.concurrent('the daemon under attack', () => {
  describe('floods', () => {
    it.for(floods)(
      'answers a flood of %s with 429 and Retry-After, keeps a verified session working, and recovers',
      async ([, flood], { expect }) => {
        const r = await rig()
        const check = (res: RawResponse): void => {
          // A fresh session token in a 201 is the point of issuance; anything else must hold no secret.
          expect(leaksIn(r.content, res.raw, res.status === 201 ? [] : r.secrets)).toEqual([])
        }
        const statuses: number[] = []
        let retryAfter = 0
        for (let i = 0; i < 40; i++) {
          const res = await flood.request(r, i)
          check(res)
          statuses.push(res.status)
          if (res.status === 429) {
            retryAfter = Math.max(retryAfter, Number(res.headers['retry-after']))
            expect(JSON.parse(res.body)).toMatchObject({ error: 'rate_limited' })
          }
        }
        // The bucket's burst gets through, then nothing until time passes.
        const burst = flood.bucket.burst - (flood.normal === 201 ? 1 : 0) // rig() issued one session already
        expect(statuses).toEqual([
          ...Array<number>(burst).fill(flood.normal),
          ...Array<number>(40 - burst).fill(429),
        ])
        expect(retryAfter).toBe(Math.ceil(1 / flood.bucket.perSecond))
        // The flood costs the attacker, not the session already in use.
        const during = await rawRequest(r.daemon.port, {
          path: '/v1/templates/verdict',
          headers: [bearer(r.token)],
        })
        expect(during.status).toBe(200)
        r.advance(retryAfter * 1000)
        const after = await flood.request(r, 99)
        check(after)
        expect(after.status).toBe(flood.normal)
        expect(leaksIn(r.content, daemonTrail(r.daemon), r.secrets)).toEqual([])
      },
    )

    it('does not verify a new valid token while failures are throttled (no CPU for a forgery flood), then does', async ({
      expect,
    }) => {
      const r = await rig()
      const fresh = (await r.daemon.newSession()).token
      for (let i = 0; i < 20; i++)
        await rawRequest(r.daemon.port, {
          path: '/v1/instructions',
          headers: [bearer(`bad.${i}.token`)],
        })
      const throttled = await rawRequest(r.daemon.port, {
        path: '/v1/instructions',
        headers: [bearer(fresh)],
      })
      expect(throttled.status).toBe(429)
      expect(leaksIn(r.content, throttled.raw, [...r.secrets, fresh])).toEqual([])
      r.advance(Number(throttled.headers['retry-after']) * 1000)
      expect(
        (await rawRequest(r.daemon.port, { path: '/v1/instructions', headers: [bearer(fresh)] }))
          .status,
      ).toBe(200)
    })

    it.for([
      ['a query string (<img src=".../health?1">)', '/health?1', [] as [string, string][]],
      ['a foreign Host', '/v1/instructions', [['Host', 'evil.example']] as [string, string][]],
      [
        'a Basic credential',
        '/v1/instructions',
        [['Authorization', 'Basic eDp5']] as [string, string][],
      ],
    ] as const)(
      'lets a brand-new session in while a web page floods it with %s (no credential spends the failed-credential bucket)',
      async ([, path, headers], { expect }) => {
        const r = await rig()
        const fresh = (await r.daemon.newSession()).token
        for (let i = 0; i < 40; i++) {
          const res = await rawRequest(r.daemon.port, { path, headers: [...headers] })
          expect(leaksIn(r.content, res.raw, r.secrets)).toEqual([])
        }
        const res = await rawRequest(r.daemon.port, {
          path: '/v1/instructions',
          headers: [bearer(fresh)],
        })
        expect(res.status).toBe(200)
      },
    )

    it('serves a verified session through 400 concurrent failed requests', async ({ expect }) => {
      const r = await rig()
      const flood = Array.from({ length: 400 }, (_, i) =>
        rawRequest(r.daemon.port, { path: '/v1/instructions', headers: [bearer(`x.${i}.y`)] }),
      )
      const legit = Array.from({ length: 40 }, () =>
        rawRequest(r.daemon.port, { path: '/v1/instructions', headers: [bearer(r.token)] }),
      )
      const [bad, good] = await Promise.all([Promise.all(flood), Promise.all(legit)])
      expect(good.map((g) => g.status)).toEqual(Array(40).fill(200))
      expect(bad.filter((b) => b.status === 401)).toHaveLength(ANONYMOUS.burst)
      expect(bad.filter((b) => b.status === 429)).toHaveLength(400 - ANONYMOUS.burst)
      for (const b of bad) expect(leaksIn(r.content, b.raw, r.secrets)).toEqual([])
    })
  })

  /** Generous: the daemon's bound plus its 1 s check interval plus a noisy 2-core VM. */
  const CUT_OFF_MS = 16_000

  describe('slow clients', () => {
    const slow: [string, (r: Rig) => { pieces: string[]; intervalMs: number }][] = [
      [
        'never finishes its headers',
        (r) => ({
          pieces: [`GET /v1/instructions HTTP/1.1\r\nHost: 127.0.0.1:${r.daemon.port}\r\n`],
          intervalMs: 100,
        }),
      ],
      [
        'sends its headers one byte every 250 ms',
        (r) => ({
          pieces: [
            ...`GET /v1/instructions HTTP/1.1\r\nHost: 127.0.0.1:${r.daemon.port}\r\nAuthorization: Bearer ${r.token}\r\nX-Pad: ${'p'.repeat(200)}\r\n\r\n`,
          ],
          intervalMs: 250,
        }),
      ],
      [
        'declares a body and never sends it',
        (r) => ({
          pieces: [
            `POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1:${r.daemon.port}\r\nAuthorization: Bearer ${r.daemon.bootstrap()}\r\nContent-Length: 100\r\n\r\n`,
          ],
          intervalMs: 100,
        }),
      ],
      [
        'sends its body one byte every 250 ms',
        (r) => ({
          pieces: [
            `POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1:${r.daemon.port}\r\nAuthorization: Bearer ${r.daemon.bootstrap()}\r\nContent-Length: 4000\r\n\r\n`,
            ...'{'.repeat(4000),
          ],
          intervalMs: 250,
        }),
      ],
      [
        'stays idle on a kept-alive connection after its request',
        (r) => ({
          pieces: [`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${r.daemon.port}\r\n\r\n`],
          intervalMs: 100,
        }),
      ],
    ]
    it.for(slow)(
      'cuts off a client that %s, and serves others meanwhile',
      async ([, make], { expect }) => {
        const r = await rig()
        const { pieces, intervalMs } = make(r)
        const client = slowExchange(r.daemon.port, pieces, intervalMs, CUT_OFF_MS + 4000)
        await sleep(500)
        const other = await rawRequest(r.daemon.port, {
          path: '/v1/instructions',
          headers: [bearer(r.token)],
        })
        expect(other.status).toBe(200)
        const res = await client
        expect(res.closed).toBe(true)
        expect(res.ms).toBeLessThan(CUT_OFF_MS)
        expect(leaksIn(r.content, res.raw, r.secrets)).toEqual([])
      },
    )

    it('serves a session while 300 idle connections are held open', async ({ expect }) => {
      const r = await rig()
      const idle = Array.from({ length: 300 }, () =>
        slowExchange(r.daemon.port, [''], 100, CUT_OFF_MS + 4000),
      )
      await sleep(300)
      const t0 = Date.now()
      const res = await rawRequest(r.daemon.port, {
        path: '/v1/instructions',
        headers: [bearer(r.token)],
      })
      expect(res.status).toBe(200)
      expect(Date.now() - t0).toBeLessThan(5000)
      const closed = await Promise.all(idle)
      expect(
        closed.every(
          (c) => c.closed && c.ms < CUT_OFF_MS && (c.raw === '' || /^HTTP\/1.1 408/.test(c.raw)),
        ),
      ).toBe(true)
    })

    it('cuts off a pipelined flood on one connection without serving anything to it', async ({
      expect,
    }) => {
      const r = await rig()
      const one = `GET /v1/instructions HTTP/1.1\r\nHost: 127.0.0.1:${r.daemon.port}\r\nAuthorization: Bearer garbage\r\n\r\n`
      const raw = await rawExchange(r.daemon.port, one.repeat(200), 10_000)
      expect(raw.match(/HTTP\/1.1 (401|429)/g)?.length ?? 0).toBeGreaterThan(0)
      expect(leaksIn(r.content, raw, r.secrets)).toEqual([])
      expect(
        (await rawRequest(r.daemon.port, { path: '/v1/instructions', headers: [bearer(r.token)] }))
          .status,
      ).toBe(200)
    })
  })
})

/**
 * Adversarial suite: credentials. Every way to present something that is not a valid session
 * token of this daemon, sent over real HTTP to the real daemon. Each case asserts the status,
 * and that no confidential byte and no secret (the tokens in play, the bootstrap credential)
 * appears in the response, the daemon's log lines or its audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:net'
import { UnsecuredJWT } from 'jose'
import { makeContent, type TestContent } from '../helpers/content.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { rawRequest, type RawResponse } from '../helpers/http.js'
import { daemonTrail, leaksIn } from '../helpers/leaks.js'
import {
  b64json,
  daemonSigningKey,
  foreignKey,
  forgeToken,
  resign,
  tokenPart,
  type HmacKey,
} from '../helpers/tokens.js'

let content: TestContent
let daemon: TestDaemon
let valid: string
let key: HmacKey
/** Moves the daemon's clock (clock-jump cases); reset after each case. */
let skewMs = 0
/** A listener standing in for any URL a token names: the daemon must never fetch a key. */
let keyServer: Server
let keyServerHits = 0
let keyServerPort = 0
const secrets: string[] = []

beforeAll(async () => {
  content = makeContent()
  // Generous anonymous limits: this file is about what gets through, not about throttling.
  daemon = await startTestDaemon({
    contentDir: content.dir,
    env: { BRIEFD_RATE_ANONYMOUS: '100000/100000' },
    now: () => Date.now() + skewMs,
  })
  valid = (await daemon.newSession()).token
  key = daemonSigningKey(daemon.stateDir)
  secrets.push(valid, daemon.bootstrap(), Buffer.from(key.key).toString('base64url'))
  keyServer = createServer((s) => {
    keyServerHits++
    s.destroy()
  })
  await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve))
  keyServerPort = (keyServer.address() as { port: number }).port
})
afterAll(async () => {
  await daemon.close()
  await new Promise<void>((resolve) => keyServer.close(() => resolve()))
})

const bearer = (t: string): [string, string] => ['Authorization', `Bearer ${t}`]

interface Attempt {
  headers?: [string, string][]
  method?: string
  path?: string
  body?: string
  /** More secrets that must not come back (the presented token). */
  secrets?: string[]
}
type Case = [name: string, build: () => Attempt | Promise<Attempt>, status: number]

async function attempt(a: Attempt): Promise<RawResponse> {
  try {
    const res = await rawRequest(daemon.port, {
      method: a.method ?? 'GET',
      path: a.path ?? '/v1/instructions',
      headers: a.headers ?? [],
      ...(a.body !== undefined ? { body: a.body } : {}),
    })
    const all = [...secrets, ...(a.secrets ?? [])]
    expect(leaksIn(content, res.raw, all)).toEqual([])
    expect(leaksIn(content, daemonTrail(daemon), all)).toEqual([])
    return res
  } finally {
    skewMs = 0
  }
}

/** A token case: present `token` as the bearer credential on /v1/instructions. */
const presenting = (token: string): Attempt => ({ headers: [bearer(token)], secrets: [token] })

async function runCase(build: Case[1], status: number): Promise<void> {
  const res = await attempt(await build())
  expect(res.status).toBe(status)
  if (status === 431) return // Node's own answer: no body
  expect(JSON.parse(res.body)).toEqual({
    error: expect.any(String),
    error_description: expect.any(String),
  })
  if (status === 401) expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="briefd"/)
}

describe('the control', () => {
  it('serves a valid token (so every refusal below is about the credential)', async () => {
    const res = await rawRequest(daemon.port, {
      path: '/v1/instructions',
      headers: [bearer(valid)],
    })
    expect(res.status).toBe(200)
    expect(leaksIn(content, daemonTrail(daemon), secrets)).toEqual([])
  })

  it('accepts a lowercase "bearer" scheme (RFC 7235: auth schemes are case-insensitive)', async () => {
    const res = await rawRequest(daemon.port, {
      path: '/v1/instructions',
      headers: [['Authorization', `bearer ${valid}`]],
    })
    expect(res.status).toBe(200)
  })
})

describe('missing, malformed and oversized credentials', () => {
  const cases: Case[] = [
    ['no Authorization header', () => ({}), 401],
    ['an empty Bearer credential', () => ({ headers: [['Authorization', 'Bearer ']] }), 400],
    ['a bare "Bearer"', () => ({ headers: [['Authorization', 'Bearer']] }), 400],
    ['a garbage word', () => presenting('garbage'), 401],
    ['garbage in three segments', () => presenting('a.b.c'), 401],
    [
      'random base64url bytes',
      () =>
        presenting(
          Buffer.from(Array.from({ length: 96 }, (_, i) => (i * 37) % 256)).toString('base64url'),
        ),
      401,
    ],
    ['a token cut short by 10 characters', () => presenting(valid.slice(0, -10)), 401],
    [
      'a token without its signature ("h.p.")',
      () => presenting(`${valid.slice(0, valid.lastIndexOf('.'))}.`),
      401,
    ],
    ['a token of two segments', () => presenting(valid.split('.').slice(0, 2).join('.')), 401],
    ['a token of four segments', () => presenting(`${valid}.${valid.split('.')[2] ?? ''}`), 401],
    ['a token with "==" padding', () => presenting(`${valid}==`), 401],
    [
      'a token over the 2 KiB cap (3 KiB)',
      () => presenting(`${valid}${'A'.repeat(3 * 1024)}`),
      401,
    ],
    ['a token over the header cap (64 KiB)', () => presenting('A'.repeat(64 * 1024)), 431],
    [
      'the JWS JSON serialization',
      () => ({
        headers: [
          bearer(
            JSON.stringify({
              protected: valid.split('.')[0],
              payload: valid.split('.')[1],
              signature: valid.split('.')[2],
            }),
          ),
        ],
      }),
      400,
    ],
    [
      'a token with a space inside',
      () => ({
        headers: [['Authorization', `Bearer ${valid.slice(0, 20)} ${valid.slice(20)}`]],
        secrets: [valid.slice(20)],
      }),
      400,
    ],
    [
      'a token followed by another word',
      () => ({ headers: [['Authorization', `Bearer ${valid} extra`]] }),
      400,
    ],
    [
      'the Basic scheme',
      () => ({
        headers: [['Authorization', `Basic ${Buffer.from(`x:${valid}`).toString('base64')}`]],
      }),
      // RFC 6750 §3: no bearer credential at all → the plain challenge, whatever else was sent.
      401,
    ],
    ['a non-ASCII credential', () => ({ headers: [['Authorization', 'Bearer tökén']] }), 400],
  ]
  it.each(cases)('refuses %s', async (_name, build, status) => runCase(build, status))
})

describe('forged and tampered tokens', () => {
  const claimsOf = (t: string): Record<string, unknown> => tokenPart(t, 1)
  const cases: Case[] = [
    [
      'a token whose exp was extended (signature kept)',
      () => {
        const c = claimsOf(valid)
        return presenting(
          `${valid.split('.')[0] ?? ''}.${b64json({ ...c, exp: Number(c.exp) + 86_400 })}.${valid.split('.')[2] ?? ''}`,
        )
      },
      401,
    ],
    [
      'a token naming another session id (signature kept)',
      () => {
        const c = claimsOf(valid)
        return presenting(
          `${valid.split('.')[0] ?? ''}.${b64json({ ...c, sub: '0b9f3c3e-6a51-4c5e-9d5e-2f4a7f1d2c3b' })}.${valid.split('.')[2] ?? ''}`,
        )
      },
      401,
    ],
    [
      'a token whose header lost its typ (signature kept)',
      () => {
        const h = tokenPart(valid, 0)
        delete h.typ
        return presenting(`${b64json(h)}.${valid.split('.').slice(1).join('.')}`)
      },
      401,
    ],
    [
      'a token with one signature character changed',
      () => presenting(`${valid.slice(0, -1)}${valid.endsWith('A') ? 'B' : 'A'}`),
      401,
    ],
    // The last of 43 characters carries 2 bits no decoder reads: flipping one spells the same
    // signature bytes differently. Still refused: one token, one spelling.
    [
      'a token whose signature is the same bytes spelled differently',
      () => {
        const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
        const last = b64.indexOf(valid.slice(-1))
        const respelled = `${valid.slice(0, -1)}${b64[last ^ 1] ?? 'B'}`
        expect(Buffer.from(respelled.split('.')[2] ?? '', 'base64url')).toEqual(
          Buffer.from(valid.split('.')[2] ?? '', 'base64url'),
        )
        return presenting(respelled)
      },
      401,
    ],
    [
      'a token re-signed with another key under the same kid',
      () => presenting(resign(valid, foreignKey().key)),
      401,
    ],
    [
      'a token signed with another key and kid (wrong key)',
      () => presenting(forgeToken({ key: foreignKey() })),
      401,
    ],
    [
      'a token naming a kid the daemon never had, signed with its real key',
      () => presenting(forgeToken({ key, header: { kid: 'k-0000000000000000' } })),
      401,
    ],
    [
      'a kid with path traversal',
      () => presenting(forgeToken({ key, header: { kid: '../../signing-keys.json' } })),
      401,
    ],
    [
      'a kid of 1000 characters',
      () => presenting(forgeToken({ key, header: { kid: 'k'.repeat(1000) } })),
      401,
    ],
    [
      'a session id that is not a UUID (path traversal)',
      () => presenting(forgeToken({ key, claims: { sub: '../../etc/passwd' } })),
      401,
    ],
    [
      'a wrong audience',
      () => presenting(forgeToken({ key, claims: { aud: 'someone-else' } })),
      401,
    ],
    [
      'an audience of another briefd purpose',
      () => presenting(forgeToken({ key, claims: { aud: 'briefd:bootstrap' } })),
      401,
    ],
    ['a wrong issuer', () => presenting(forgeToken({ key, claims: { iss: 'not-briefd' } })), 401],
    ['a generic JWT type', () => presenting(forgeToken({ key, header: { typ: 'JWT' } })), 401],
    ['no expiry', () => presenting(forgeToken({ key, claims: { exp: undefined } })), 401],
    ['no issued-at', () => presenting(forgeToken({ key, claims: { iat: undefined } })), 401],
    ['no subject', () => presenting(forgeToken({ key, claims: { sub: undefined } })), 401],
    [
      'a lifetime beyond the 7-day cap',
      () => {
        const iat = Math.floor(Date.now() / 1000)
        return presenting(forgeToken({ key, claims: { iat, exp: iat + 30 * 86_400 } }))
      },
      401,
    ],
    [
      'claims that are not an object',
      () => {
        const signed = `${b64json({ alg: 'HS256', typ: 'briefd-session+jwt', kid: key.kid })}.${b64json(['briefd'])}`
        return presenting(forgeToken({ key }).replace(/^[^.]+\.[^.]+/, signed))
      },
      401,
    ],
  ]
  it.each(cases)('refuses %s', async (_name, build, status) => runCase(build, status))
})

describe('expired, not yet valid and revoked tokens', () => {
  const now = (): number => Math.floor(Date.now() / 1000)
  const cases: Case[] = [
    [
      'an expired token (signed by the daemon, exp 1 min ago)',
      () => presenting(forgeToken({ key, claims: { iat: now() - 600, exp: now() - 60 } })),
      401,
    ],
    [
      'a token that expired while remembered (the clock passes exp)',
      async () => {
        const s = await daemon.newSession(60)
        expect(
          (await rawRequest(daemon.port, { path: '/v1/voice', headers: [bearer(s.token)] })).status,
        ).toBe(200)
        skewMs = 70_000
        return presenting(s.token)
      },
      401,
    ],
    [
      'a token that expired while the daemon was not looking (clock jumps 8 days)',
      async () => {
        const s = await daemon.newSession()
        skewMs = 8 * 86_400_000
        return presenting(s.token)
      },
      401,
    ],
    [
      'a token not yet valid (iat 1 h ahead)',
      () => presenting(forgeToken({ key, claims: { iat: now() + 3600, exp: now() + 7200 } })),
      401,
    ],
    [
      'a token not yet valid (nbf 1 h ahead)',
      () => presenting(forgeToken({ key, claims: { nbf: now() + 3600 } })),
      401,
    ],
    [
      'a revoked token',
      async () => {
        const s = await daemon.newSession()
        expect(
          (
            await rawRequest(daemon.port, {
              method: 'DELETE',
              path: '/v1/sessions/current',
              headers: [bearer(s.token)],
            })
          ).status,
        ).toBe(204)
        return presenting(s.token)
      },
      401,
    ],
    [
      'a revoked token, revoked again',
      async () => {
        const s = await daemon.newSession()
        expect(
          (
            await rawRequest(daemon.port, {
              method: 'DELETE',
              path: '/v1/sessions/current',
              headers: [bearer(s.token)],
            })
          ).status,
        ).toBe(204)
        return { ...presenting(s.token), method: 'DELETE', path: '/v1/sessions/current' }
      },
      401,
    ],
    [
      'a revoked session re-minted with a fresh exp (signed by the daemon key)',
      async () => {
        const s = await daemon.newSession()
        expect(
          (
            await rawRequest(daemon.port, {
              method: 'DELETE',
              path: '/v1/sessions/current',
              headers: [bearer(s.token)],
            })
          ).status,
        ).toBe(204)
        return presenting(forgeToken({ key, claims: { sub: s.session_id } }))
      },
      401,
    ],
  ]
  it.each(cases)('refuses %s', async (_name, build, status) => runCase(build, status))
})

describe('algorithm attacks', () => {
  const claims = (): Record<string, unknown> => tokenPart(valid, 1)
  const payload = (): string => valid.split('.')[1] ?? ''
  const sig = (): string => valid.split('.')[2] ?? ''
  const cases: Case[] = [
    ['alg none (an unsecured JWT)', () => presenting(new UnsecuredJWT(claims()).encode()), 401],
    [
      'alg none with the typ and kid of a real token',
      () =>
        presenting(
          `${b64json({ alg: 'none', typ: 'briefd-session+jwt', kid: key.kid })}.${payload()}.`,
        ),
      401,
    ],
    [
      'alg "NONE" with the real signature',
      () =>
        presenting(
          `${b64json({ alg: 'NONE', typ: 'briefd-session+jwt', kid: key.kid })}.${payload()}.${sig()}`,
        ),
      401,
    ],
    [
      'alg "nOnE" with the real signature',
      () =>
        presenting(
          `${b64json({ alg: 'nOnE', typ: 'briefd-session+jwt', kid: key.kid })}.${payload()}.${sig()}`,
        ),
      401,
    ],
    [
      'HS512 signed with the daemon key',
      () =>
        presenting(forgeToken({ key, header: { alg: 'HS512' }, claims: claims(), hash: 'sha512' })),
      401,
    ],
    [
      'HS384 signed with the daemon key',
      () =>
        presenting(forgeToken({ key, header: { alg: 'HS384' }, claims: claims(), hash: 'sha384' })),
      401,
    ],
    [
      'RS256 in the header over an HMAC signature (algorithm confusion)',
      () => presenting(forgeToken({ key, header: { alg: 'RS256' }, claims: claims() })),
      401,
    ],
    [
      'ES256 in the header over an HMAC signature',
      () => presenting(forgeToken({ key, header: { alg: 'ES256' }, claims: claims() })),
      401,
    ],
    [
      'EdDSA in the header over an HMAC signature',
      () => presenting(forgeToken({ key, header: { alg: 'EdDSA' }, claims: claims() })),
      401,
    ],
    ['no alg at all', () => presenting(forgeToken({ key, header: { alg: undefined } })), 401],
    [
      "an embedded jwk carrying the attacker's key",
      () => {
        const own = foreignKey()
        return presenting(
          forgeToken({
            key: own,
            header: {
              kid: key.kid,
              jwk: { kty: 'oct', k: Buffer.from(own.key).toString('base64url') },
            },
          }),
        )
      },
      401,
    ],
    [
      'a jku naming a key set URL',
      () =>
        presenting(
          forgeToken({
            key: foreignKey(),
            header: { kid: key.kid, jku: `http://127.0.0.1:${keyServerPort}/jwks.json` },
          }),
        ),
      401,
    ],
    [
      'an x5u naming a certificate URL',
      () =>
        presenting(
          forgeToken({
            key: foreignKey(),
            header: { kid: key.kid, x5u: `http://127.0.0.1:${keyServerPort}/cert.pem` },
          }),
        ),
      401,
    ],
    [
      'an unknown critical header',
      () => presenting(forgeToken({ key, header: { crit: ['exp-check'], 'exp-check': false } })),
      401,
    ],
    [
      'b64: false (unencoded payload)',
      () => presenting(forgeToken({ key, header: { b64: false, crit: ['b64'] } })),
      401,
    ],
  ]
  it.each(cases)('refuses %s', async (_name, build, status) => runCase(build, status))

  it('never fetched a key from a URL a token named', () => {
    expect(keyServerHits).toBe(0)
  })
})

describe('where the credential is carried', () => {
  const cases: Case[] = [
    [
      'a valid token in the query string (access_token)',
      () => ({ path: `/v1/instructions?access_token=${valid}` }),
      400,
    ],
    [
      'a valid token in the query string next to a valid header',
      () => ({ path: `/v1/instructions?token=${valid}`, headers: [bearer(valid)] }),
      400,
    ],
    [
      'a valid token in a cookie',
      () => ({ headers: [['Cookie', `token=${valid}; access_token=${valid}; briefd=${valid}`]] }),
      401,
    ],
    [
      'a valid token twice (two Authorization headers)',
      () => ({ headers: [bearer(valid), bearer(valid)] }),
      400,
    ],
    [
      'a valid and a forged token (two Authorization headers)',
      () => ({ headers: [bearer(valid), bearer(forgeToken({ key: foreignKey() }))] }),
      400,
    ],
    [
      'two tokens in one header, comma-joined',
      () => ({ headers: [['Authorization', `Bearer ${valid}, Bearer ${valid}`]] }),
      400,
    ],
    ['a valid token in X-Access-Token', () => ({ headers: [['X-Access-Token', valid]] }), 401],
    [
      'a valid token in Proxy-Authorization',
      () => ({ headers: [['Proxy-Authorization', `Bearer ${valid}`]] }),
      401,
    ],
    [
      'a valid token in a form body',
      () => ({
        method: 'GET',
        headers: [['Content-Type', 'application/x-www-form-urlencoded']],
        body: `access_token=${valid}`,
      }),
      401,
    ],
    ['the bootstrap credential as a session token', () => presenting(daemon.bootstrap()), 401],
    [
      'the bootstrap credential to revoke a session',
      () => ({ ...presenting(daemon.bootstrap()), method: 'DELETE', path: '/v1/sessions/current' }),
      401,
    ],
    [
      'the bootstrap credential for a template',
      () => ({ ...presenting(daemon.bootstrap()), path: '/v1/templates/verdict' }),
      401,
    ],
    [
      'a session token as the bootstrap credential',
      () => ({ ...presenting(valid), method: 'POST', path: '/v1/sessions', body: '{}' }),
      401,
    ],
    [
      'a session token for the status report (bootstrap only)',
      () => ({ ...presenting(valid), path: '/v1/status' }),
      401,
    ],
    [
      'a bootstrap credential with one character changed',
      () => {
        const b = daemon.bootstrap()
        return {
          ...presenting(`${b.slice(0, -1)}${b.endsWith('A') ? 'B' : 'A'}`),
          method: 'POST',
          path: '/v1/sessions',
        }
      },
      401,
    ],
    [
      'a bootstrap credential cut short',
      () => ({
        ...presenting(daemon.bootstrap().slice(0, -4)),
        method: 'POST',
        path: '/v1/sessions',
      }),
      401,
    ],
  ]
  it.each(cases)('refuses %s', async (_name, build, status) => runCase(build, status))

  it('minted no session for any refused credential, and still serves the valid one', async () => {
    // The control session, plus those the expiry and revocation cases minted themselves.
    const live = daemon.handle.liveSessions()
    expect(live).toBeLessThanOrEqual(4)
    expect(
      (await rawRequest(daemon.port, { path: '/v1/instructions', headers: [bearer(valid)] }))
        .status,
    ).toBe(200)
  })
})

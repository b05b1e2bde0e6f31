/**
 * Property tests (fast-check, bounded for CI): hostile tokens, template names and raw HTTP
 * requests against the real daemon. Properties: no crash, no 5xx, no confidential byte in
 * any answer to a request without a valid token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { issueSessionToken, verifySessionToken } from '../../src/tokens/session-token.js'
import { isValidTemplateName } from '../../src/content/names.js'
import { BriefdError } from '../../src/shared/errors.js'
import { makeContent, leakedCanaries, type TestContent } from '../helpers/content.js'
import { rawExchange, parseResponse } from '../helpers/http.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 200)
let content: TestContent
let daemon: TestDaemon
let token: string

beforeAll(async () => {
  content = makeContent()
  daemon = await startTestDaemon({
    contentDir: content.dir,
    env: { BRIEFD_RATE_ANONYMOUS: '1000000/1000000' },
  })
  token = (await daemon.newSession()).token
})
afterAll(async () => {
  await daemon.close()
})

const b64url = fc.string({
  unit: fc.constantFrom(
    ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split(''),
  ),
  maxLength: 300,
})

describe('verifySessionToken (fuzz)', () => {
  it('rejects every mutation of a valid token with a BriefdError, never anything else', async () => {
    const key = { kid: 'k-0000000000000000', key: new Uint8Array(32).fill(3) }
    const now = Math.floor(Date.now() / 1000)
    const valid = await issueSessionToken(key, {
      sessionId: '0b9f3c3e-6a51-4c5e-9d5e-2f4a7f1d2c3b',
      issuedAt: now,
      expiresAt: now + 600,
    })
    const lookup = (kid: string) => (kid === key.kid ? key : undefined)
    await expect(verifySessionToken(valid, lookup)).resolves.toMatchObject({
      sessionId: '0b9f3c3e-6a51-4c5e-9d5e-2f4a7f1d2c3b',
    })
    const [h, p, sig] = valid.split('.') as [string, string, string]
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 500 }),
          fc.tuple(b64url, b64url, b64url).map(([a, b, c]) => `${a}.${b}.${c}`),
          fc
            .tuple(fc.nat({ max: valid.length - 1 }), fc.string({ minLength: 1, maxLength: 1 }))
            .map(([i, ch]) => valid.slice(0, i) + ch + valid.slice(i + 1)),
          fc.json().map((j) => `${Buffer.from(j).toString('base64url')}.${p}.${sig}`),
          fc.json().map((j) => `${h}.${Buffer.from(j).toString('base64url')}.${sig}`),
        ),
        async (candidate) => {
          // base64url has spare bits in a segment's last character: a variant that decodes to
          // the very same bytes is the same token, not a forgery.
          const bytes = (t: string) =>
            t
              .split('.')
              .map((x) => Buffer.from(x, 'base64url').toString('hex'))
              .join('.')
          if (
            candidate === valid ||
            (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(candidate) &&
              bytes(candidate) === bytes(valid))
          )
            return
          try {
            await verifySessionToken(candidate, lookup)
            expect.unreachable('accepted a forged token')
          } catch (err) {
            expect(err).toBeInstanceOf(BriefdError)
          }
        },
      ),
      { numRuns: RUNS },
    )
  })
})

describe('template names (fuzz)', () => {
  it('accepts only plain names, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (name) => {
        if (isValidTemplateName(name)) expect(name).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]*$/)
        else expect(name === '' || /[^A-Za-z0-9_-]|^[_-]/.test(name) || name.length > 64).toBe(true)
      }),
      { numRuns: RUNS * 5 },
    )
  })
})

const pathSegment = fc.oneof(
  fc.constantFrom(
    'v1',
    'templates',
    'instructions',
    'voice',
    'briefing',
    'sessions',
    'current',
    'health',
    'status',
    '..',
    '.',
    '',
    '%2e%2e',
    '%2F',
    '%252F',
    '%00',
    'verdict',
    'hidden',
    '%C0%AE',
    '\\',
    'ver%64ict',
  ),
  fc.string({ unit: fc.constantFrom(..."abcXYZ019-_.~%/:@!$&'()*+,;=".split('')), maxLength: 20 }),
)
const method = fc.constantFrom(
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'OPTIONS',
  'PATCH',
  'TRACE',
  'CONNECT',
  'FOO',
)
const header = fc.tuple(
  fc.constantFrom(
    'Authorization',
    'Cookie',
    'Origin',
    'Host',
    'X-Forwarded-For',
    'If-None-Match',
    'Content-Type',
    'Accept',
    'X-Token',
    'Forwarded',
  ),
  fc.oneof(
    fc.string({ unit: fc.constantFrom(...'abc XYZ019=;,.:/-_"\''.split('')), maxLength: 80 }),
    fc.constant('Bearer x.y.z'),
    fc.constant('null'),
  ),
)

describe('HTTP routes (fuzz)', () => {
  it('never answers 5xx and never leaks content to a request without a valid token', async () => {
    await fc.assert(
      fc.asyncProperty(
        method,
        fc.array(pathSegment, { maxLength: 5 }),
        fc.array(header, { maxLength: 4 }),
        fc.option(fc.string({ maxLength: 200 })),
        async (m, segs, headers, body) => {
          const path = `/${segs.join('/')}`
          const lines = [`${m} ${path} HTTP/1.1`]
          if (!headers.some(([k]) => k === 'Host')) lines.push(`Host: 127.0.0.1:${daemon.port}`)
          for (const [k, v] of headers) lines.push(`${k}: ${v}`)
          if (body !== null) lines.push(`Content-Length: ${Buffer.byteLength(body)}`)
          lines.push('Connection: close')
          const raw = await rawExchange(
            daemon.port,
            `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`,
            5000,
          )
          const res = parseResponse(raw)
          expect(res.status === 0 || res.status < 500, `${m} ${path} → ${res.status}`).toBe(true)
          expect(leakedCanaries(content, raw)).toEqual([])
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('keeps serving a valid session after the fuzzing', async () => {
    const raw = await rawExchange(
      daemon.port,
      `GET /v1/instructions HTTP/1.1\r\nHost: 127.0.0.1:${daemon.port}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
    )
    expect(parseResponse(raw).status).toBe(200)
  })
})

/**
 * Adversarial suite: requests. Host and Origin tricks (DNS rebinding, `null`, case, ports,
 * IPv6 forms), CORS preflights, path traversal and unicode in template names, odd paths,
 * wrong methods and oversized requests, sent over real HTTP to the real daemon, mostly *with a
 * valid session token* (the strongest attacker short of the key). Each case asserts the status,
 * that no CORS grant is ever made, and that no confidential byte and no secret appears in the
 * response, the daemon's log lines or its audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeContent, type TestContent } from '../helpers/content.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { parseResponse, rawExchange, rawRequest, type RawResponse } from '../helpers/http.js'
import { daemonTrail, leaksIn } from '../helpers/leaks.js'

const ALLOWED_ORIGIN = 'http://127.0.0.1:3000'
let content: TestContent
let daemon: TestDaemon
let token: string
let P = 0

beforeAll(async () => {
  content = makeContent()
  daemon = await startTestDaemon({
    contentDir: content.dir,
    env: { BRIEFD_RATE_ANONYMOUS: '100000/100000' },
    flags: { allowOrigin: [ALLOWED_ORIGIN] },
  })
  token = (await daemon.newSession()).token
  P = daemon.port
})
afterAll(async () => {
  await daemon.close()
})

const bearer = (): [string, string] => ['Authorization', `Bearer ${token}`]

interface Attempt {
  method?: string
  path: string
  headers?: [string, string][]
  body?: string
  noHost?: boolean
  /** Send these bytes instead of building a request. */
  raw?: string
}
type Case = [name: string, build: () => Attempt, status: number | number[]]

async function attempt(a: Attempt): Promise<RawResponse> {
  const res =
    a.raw !== undefined
      ? parseResponse(await rawExchange(P, a.raw, 5000))
      : await rawRequest(P, {
          method: a.method ?? 'GET',
          path: a.path,
          headers: a.headers ?? [],
          ...(a.body !== undefined ? { body: a.body } : {}),
          ...(a.noHost ? { noHost: true } : {}),
        })
  const secrets = [token, daemon.bootstrap()]
  expect(leaksIn(content, res.raw, secrets)).toEqual([])
  expect(leaksIn(content, daemonTrail(daemon), secrets)).toEqual([])
  // No response ever grants a cross-origin read.
  expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-allow'))).toEqual([])
  return res
}

async function runCase(build: Case[1], status: Case[2]): Promise<RawResponse> {
  const res = await attempt(build())
  if (Array.isArray(status)) expect(status).toContain(res.status)
  else expect(res.status).toBe(status)
  return res
}

/** GET /v1/instructions with a valid token and this Host header. */
const withHost = (host: string): Attempt => ({
  path: '/v1/instructions',
  headers: [['Host', host], bearer()],
})
/** GET /v1/instructions with a valid token and this Origin header. */
const withOrigin = (origin: string): Attempt => ({
  path: '/v1/instructions',
  headers: [['Origin', origin], bearer()],
})
/** GET of `path` with a valid token. */
const withToken = (path: string, method = 'GET'): Attempt => ({ method, path, headers: [bearer()] })

describe('Host header (DNS rebinding), with a valid token', () => {
  const cases: Case[] = [
    ['a foreign name with the port', () => withHost(`evil.example:${P}`), 403],
    ['a foreign name without a port', () => withHost('evil.example'), 403],
    [
      'a rebinding name that starts with localhost',
      () => withHost(`localhost.evil.example:${P}`),
      403,
    ],
    ['a wildcard-DNS name for 127.0.0.1', () => withHost(`127.0.0.1.nip.io:${P}`), 403],
    ['localhost without the port', () => withHost('localhost'), 403],
    ['127.0.0.1 without the port', () => withHost('127.0.0.1'), 403],
    ['[::1] without the port', () => withHost('[::1]'), 403],
    ['localhost with another port', () => withHost('localhost:1'), 403],
    ['127.0.0.1 with the next port', () => withHost(`127.0.0.1:${P + 1}`), 403],
    ['the port with a leading zero', () => withHost(`127.0.0.1:0${P}`), 403],
    ['localhost with a trailing dot', () => withHost(`localhost.:${P}`), 403],
    ['the short form 127.1', () => withHost(`127.1:${P}`), 403],
    ['0.0.0.0', () => withHost(`0.0.0.0:${P}`), 403],
    ['a hex IPv4 (0x7f.1)', () => withHost(`0x7f.1:${P}`), 403],
    ['a decimal IPv4 (2130706433)', () => withHost(`2130706433:${P}`), [400, 403]],
    ['another loopback address (127.0.0.2)', () => withHost(`127.0.0.2:${P}`), 403],
    ['an IPv4-mapped IPv6 loopback', () => withHost(`[::ffff:127.0.0.1]:${P}`), [400, 403]],
    ['the long IPv6 loopback', () => withHost(`[0:0:0:0:0:0:0:1]:${P}`), [400, 403]],
    ['an IPv6 address with a zone id', () => withHost(`[fe80::1%25lo]:${P}`), 400],
    ['userinfo before the host', () => withHost(`user@127.0.0.1:${P}`), 400],
    ['an empty Host', () => withHost(''), 400],
    ['a list of hosts', () => withHost(`localhost:${P}, evil.example`), [400, 403]],
    [
      'two Host headers, ours first',
      () => ({
        path: '/v1/instructions',
        headers: [['Host', `127.0.0.1:${P}`], ['Host', 'evil.example'], bearer()],
      }),
      [400, 403],
    ],
    [
      'two Host headers, ours second',
      () => ({
        path: '/v1/instructions',
        headers: [['Host', 'evil.example'], ['Host', `127.0.0.1:${P}`], bearer()],
      }),
      [400, 403],
    ],
    [
      'no Host header (HTTP/1.1)',
      () => ({ path: '/v1/instructions', headers: [bearer()], noHost: true }),
      400,
    ],
    [
      'no Host header (HTTP/1.0)',
      () => ({
        path: '',
        raw: `GET /v1/instructions HTTP/1.0\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      }),
      400,
    ],
    [
      'an absolute-form target naming a foreign host',
      () => withToken('http://evil.example/v1/instructions'),
      400,
    ],
    [
      'an absolute-form target naming this daemon',
      () => withToken(`http://127.0.0.1:${P}/v1/instructions`),
      400,
    ],
  ]
  it.each(cases)('refuses %s', async (_name, build, status) => void (await runCase(build, status)))

  it.each([`LOCALHOST:PORT`, `LocalHost:PORT`, `[::1]:PORT`, `localhost:PORT`])(
    'accepts %s (host names are case-insensitive)',
    async (host) => {
      const res = await rawRequest(P, withHost(host.replace('PORT', String(P))))
      expect(res.status).toBe(200)
    },
  )
})

describe('Origin header and CORS, with a valid token', () => {
  const cases: Case[] = [
    ['a foreign web page', () => withOrigin('https://evil.example'), 403],
    ['Origin null (sandboxed frame, file:// page, redirect)', () => withOrigin('null'), 403],
    ['an empty Origin', () => withOrigin(''), 403],
    [
      "the daemon's own origin (not on the allow-list)",
      () => withOrigin(`http://127.0.0.1:${P}`),
      403,
    ],
    ["localhost with the daemon's port", () => withOrigin(`http://localhost:${P}`), 403],
    ["[::1] with the daemon's port", () => withOrigin(`http://[::1]:${P}`), 403],
    ['a file:// origin', () => withOrigin('file://'), 403],
    [
      'a browser extension',
      () => withOrigin('chrome-extension://abcdefghijklmnopabcdefghijklmnop'),
      403,
    ],
    ['the allowed origin in upper case', () => withOrigin(ALLOWED_ORIGIN.toUpperCase()), 403],
    ['the allowed origin with a trailing slash', () => withOrigin(`${ALLOWED_ORIGIN}/`), 403],
    ['the allowed origin with a longer port', () => withOrigin(`${ALLOWED_ORIGIN}0`), 403],
    [
      'the allowed origin as a prefix of a foreign host',
      () => withOrigin(`${ALLOWED_ORIGIN}.evil.example`),
      403,
    ],
    [
      'the allowed origin over https',
      () => withOrigin(ALLOWED_ORIGIN.replace('http:', 'https:')),
      403,
    ],
    [
      'the allowed origin and a foreign one',
      () => ({
        path: '/v1/instructions',
        headers: [['Origin', ALLOWED_ORIGIN], ['Origin', 'https://evil.example'], bearer()],
      }),
      403,
    ],
    [
      'a foreign origin on /health',
      () => ({ path: '/health', headers: [['Origin', 'https://evil.example']] }),
      403,
    ],
    [
      'a foreign origin without a token (origin first: a page learns nothing, not even 401)',
      () => ({ path: '/v1/instructions', headers: [['Origin', 'https://evil.example']] }),
      403,
    ],
  ]
  it.each(cases)('refuses %s', async (_name, build, status) => void (await runCase(build, status)))

  const preflight = (origin: string | undefined, path = '/v1/instructions'): Attempt => ({
    method: 'OPTIONS',
    path,
    headers: [
      ...(origin === undefined ? [] : [['Origin', origin] as [string, string]]),
      ['Access-Control-Request-Method', 'GET'],
      ['Access-Control-Request-Headers', 'authorization'],
    ],
  })
  const preflights: Case[] = [
    ['a preflight from a foreign page', () => preflight('https://evil.example'), 403],
    ['a preflight from Origin null', () => preflight('null'), 403],
    [
      'a preflight for session issuance',
      () => preflight('https://evil.example', '/v1/sessions'),
      403,
    ],
    [
      'a preflight from the allowed origin (CORS is never granted)',
      () => preflight(ALLOWED_ORIGIN),
      405,
    ],
    ['a preflight without an Origin', () => preflight(undefined), 405],
    ['OPTIONS *', () => ({ method: 'OPTIONS', path: '*' }), 400],
  ]
  it.each(preflights)(
    'answers %s without any CORS grant',
    async (_name, build, status) => void (await runCase(build, status)),
  )

  it('serves the allowed origin (the control)', async () => {
    expect((await rawRequest(P, withOrigin(ALLOWED_ORIGIN))).status).toBe(200)
  })
})

describe('template names and paths, with a valid token', () => {
  const template = (name: string): Attempt => withToken(`/v1/templates/${name}`)
  const names: Case[] = [
    ['an encoded ../ to another document', () => template('..%2Finstructions'), 400],
    [
      'an encoded ../../ to a state file',
      () => template('..%2F..%2F..%2Fstate%2Fsessions.jsonl'),
      400,
    ],
    ['a double-encoded ../', () => template('..%252Finstructions'), 400],
    ['encoded dots (%2e%2e)', () => template('%2e%2e'), 404],
    [
      'a name with an encoded slash into another template',
      () => template('verdict%2F..%2Fhidden'),
      400,
    ],
    ['encoded backslashes', () => template('%5C..%5Cinstructions'), 400],
    ['a NUL byte', () => template('verdict%00'), 400],
    ['a file extension', () => template('verdict.md'), 400],
    ['a dot file', () => template('.hidden'), 400],
    ['a trailing space', () => template('verdict%20'), 400],
    ['an encoded #', () => template('verdict%23x'), 400],
    ['a name of 65 characters', () => template('a'.repeat(65)), 400],
    ['another letter case (no such file)', () => template('VERDICT'), 404],
    ['an accented letter', () => template('v%C3%A9rdict'), 400],
    ['a right-to-left override', () => template('%E2%80%AEverdict'), 400],
    ['a dotless i (upper-cases to I)', () => template('verd%C4%B1ct'), 400],
    ['a Cyrillic look-alike letter', () => template('v%D0%B5rdict'), 400],
    ['fullwidth dots and slash', () => template('%EF%BC%8E%EF%BC%8E%EF%BC%8Finstructions'), 400],
    ['overlong UTF-8 dots (%C0%AE)', () => template('%C0%AE%C0%AE%2Finstructions'), 400],
    ['a zero-width space', () => template('verdict%E2%80%8B'), 400],
    ['a combining accent', () => template('hid%CC%81den'), 400],
    ['invalid UTF-8', () => template('%ff%fe'), 400],
  ]
  it.each(names)('refuses %s', async (_name, build, status) => void (await runCase(build, status)))

  const paths: Case[] = [
    ['a doubled slash', () => withToken('/v1//instructions'), 404],
    ['a leading doubled slash', () => withToken('//v1/instructions'), 404],
    ['a trailing slash', () => withToken('/v1/instructions/'), 404],
    ['an upper-case route', () => withToken('/V1/INSTRUCTIONS'), 404],
    ['a ;parameter', () => withToken('/v1/instructions;x'), 404],
    ['an encoded slash in the route', () => withToken('/v1%2Finstructions'), 404],
    ['an encoded trailing slash', () => withToken('/v1/instructions%2F'), 404],
    ['a backslash', () => withToken('/v1\\instructions'), 400],
    ['an encoded NUL after the route', () => withToken('/v1/instructions%00'), 404],
    ['a file extension on the route', () => withToken('/v1/instructions.json'), 404],
    ['an extra segment after a template', () => withToken('/v1/templates/verdict/extra'), 404],
    ['an empty template name', () => withToken('/v1/templates/'), 404],
    ['a dot-dot template name', () => withToken('/v1/templates/..'), 404],
    ['an empty query string', () => withToken('/v1/instructions?'), 400],
    ['a query string on /health', () => ({ path: '/health?x=1' }), 400],
    ['a path of 16 KiB', () => withToken(`/${'a'.repeat(16 * 1024)}`), 431],
  ]
  it.each(paths)('refuses %s', async (_name, build, status) => void (await runCase(build, status)))

  const dotted = [
    '/v1/./instructions',
    '/./v1/instructions',
    '/v1/templates/../instructions',
    '/v1/sessions/current/../../instructions',
    '/v1/templates/./verdict',
  ]
  it.each(dotted)(
    'resolves dot segments in %s before routing: without a token it is a 401',
    async (path) => {
      await runCase(() => ({ path }), 401)
    },
  )

  it.each(dotted)(
    'resolves dot segments in %s before routing: with a token it reaches only the route it names',
    async (path) => {
      const normal = new URL(`http://x${path}`).pathname
      const [a, b] = await Promise.all([
        rawRequest(P, withToken(path)),
        rawRequest(P, withToken(normal)),
      ])
      expect(a.status).toBe(200)
      expect(JSON.parse(a.body)).toEqual(JSON.parse(b.body))
    },
  )
})

describe('methods, with a valid token', () => {
  const cases: Case[] = [
    ['POST on a document', () => withToken('/v1/instructions', 'POST'), 405],
    ['PUT on a document', () => withToken('/v1/instructions', 'PUT'), 405],
    ['PATCH on a document', () => withToken('/v1/instructions', 'PATCH'), 405],
    ['DELETE on a document', () => withToken('/v1/instructions', 'DELETE'), 405],
    [
      'TRACE (it would echo the Authorization header)',
      () => withToken('/v1/instructions', 'TRACE'),
      405,
    ],
    ['PROPFIND', () => withToken('/v1/instructions', 'PROPFIND'), 405],
    ['a made-up method', () => withToken('/v1/instructions', 'FOO'), 400],
    ['a lower-case method', () => withToken('/v1/instructions', 'get'), 400],
    [
      'CONNECT to the daemon itself',
      () => ({
        path: '',
        raw: `CONNECT 127.0.0.1:${P} HTTP/1.1\r\nHost: 127.0.0.1:${P}\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      }),
      0,
    ],
    [
      'PUT of a template with a body',
      () => ({ ...withToken('/v1/templates/verdict', 'PUT'), body: 'overwritten {{x}}' }),
      405,
    ],
    ['DELETE of a template', () => withToken('/v1/templates/verdict', 'DELETE'), 405],
    [
      'POST with X-HTTP-Method-Override: GET',
      () => ({
        ...withToken('/v1/instructions', 'POST'),
        headers: [bearer(), ['X-HTTP-Method-Override', 'GET']],
      }),
      405,
    ],
    ['GET on the session list', () => withToken('/v1/sessions'), 405],
    [
      'DELETE of another session by id',
      () => withToken('/v1/sessions/0b9f3c3e-6a51-4c5e-9d5e-2f4a7f1d2c3b', 'DELETE'),
      404,
    ],
    ['PUT on the current session', () => withToken('/v1/sessions/current', 'PUT'), 405],
  ]
  it.each(cases)('refuses %s', async (_name, build, status) => {
    const res = await runCase(build, status)
    if (status === 405)
      expect(res.headers.allow).toMatch(/^(GET, HEAD|POST|GET, DELETE, HEAD|GET, HEAD, DELETE)$/)
    if (status === 0) expect(res.raw).toBe('')
  })

  it('answers HEAD with the headers of the document and no body', async () => {
    const res = await runCase(() => withToken('/v1/instructions', 'HEAD'), 200)
    expect(res.body).toBe('')
    expect(res.headers.etag).toMatch(/^"/)
  })

  it('left the template untouched', () => {
    expect(readFileSync(join(content.dir, 'templates', 'verdict.md'), 'utf8')).toContain(
      content.canary.template,
    )
  })
})

describe('oversized and malformed requests', () => {
  const bootstrap = (): [string, string] => ['Authorization', `Bearer ${daemon.bootstrap()}`]
  const cases: Case[] = [
    [
      'one header of 20 KiB',
      () => ({ path: '/v1/instructions', headers: [bearer(), ['X-Big', 'x'.repeat(20 * 1024)]] }),
      431,
    ],
    [
      '300 small headers (over 8 KiB in all)',
      () => ({
        path: '/v1/instructions',
        headers: [
          bearer(),
          ...Array.from({ length: 300 }, (_, i): [string, string] => [`X-H${i}`, 'v'.repeat(30)]),
        ],
      }),
      431,
    ],
    [
      'a declared body of 17 KiB',
      () => ({
        method: 'POST',
        path: '/v1/sessions',
        headers: [bootstrap()],
        body: 'x'.repeat(17 * 1024),
      }),
      413,
    ],
    [
      'a chunked body of 24 KiB',
      () => {
        const chunk = 'x'.repeat(8 * 1024)
        return {
          method: 'POST',
          path: '/v1/sessions',
          headers: [bootstrap(), ['Transfer-Encoding', 'chunked']],
          body: `${[chunk, chunk, chunk].map((c) => `2000\r\n${c}\r\n`).join('')}0\r\n\r\n`,
        }
      },
      413,
    ],
    [
      'a negative Content-Length',
      () => ({
        method: 'POST',
        path: '/v1/sessions',
        headers: [bootstrap(), ['Content-Length', '-1']],
        body: '',
      }),
      400,
    ],
    [
      'Content-Length and Transfer-Encoding together (smuggling)',
      () => ({
        method: 'POST',
        path: '/v1/sessions',
        headers: [bootstrap(), ['Content-Length', '5'], ['Transfer-Encoding', 'chunked']],
        body: '0\r\n\r\n',
      }),
      400,
    ],
    [
      'two different Content-Lengths',
      () => ({
        method: 'POST',
        path: '/v1/sessions',
        headers: [bootstrap(), ['Content-Length', '1'], ['Content-Length', '2']],
        body: 'ab',
      }),
      400,
    ],
    [
      'a session request whose body is not JSON',
      () => ({
        method: 'POST',
        path: '/v1/sessions',
        headers: [bootstrap()],
        body: '{"ttl_seconds": 60',
      }),
      400,
    ],
    [
      'a session request for a lifetime under a minute',
      () => ({
        method: 'POST',
        path: '/v1/sessions',
        headers: [bootstrap()],
        body: '{"ttl_seconds": 1}',
      }),
      400,
    ],
    [
      'a session request with a prototype-polluting body',
      () => ({
        method: 'POST',
        path: '/v1/sessions',
        headers: [bootstrap()],
        body: '{"__proto__": {"ttl_seconds": 1}, "ttl_seconds": "60"}',
      }),
      400,
    ],
    [
      'a header line without a colon',
      () => ({
        path: '',
        raw: `GET /v1/instructions HTTP/1.1\r\nHost: 127.0.0.1:${P}\r\nAuthorization: Bearer ${token}\r\nno colon here\r\n\r\n`,
      }),
      400,
    ],
    [
      'a bare LF request',
      () => ({
        path: '',
        raw: `GET /v1/instructions HTTP/1.1\nHost: 127.0.0.1:${P}\nAuthorization: Bearer ${token}\n\n`,
      }),
      400,
    ],
    [
      'an HTTP/2 preface on the HTTP/1.1 port',
      () => ({ path: '', raw: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' }),
      400,
    ],
  ]
  it.each(cases)('refuses %s', async (_name, build, status) => void (await runCase(build, status)))
})

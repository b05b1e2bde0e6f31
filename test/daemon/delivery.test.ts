import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SignJWT } from 'jose'
import { makeContent, leakedCanaries, type TestContent } from '../helpers/content.js'
import { rawRequest, type RawResponse } from '../helpers/http.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'

let content: TestContent
let daemon: TestDaemon
let token: string
const seen: RawResponse[] = []

async function get(
  path: string,
  headers: [string, string][] = [],
  method = 'GET',
): Promise<RawResponse> {
  const res = await rawRequest(daemon.port, { method, path, headers })
  seen.push(res)
  return res
}
const bearer = (t: string): [string, string] => ['Authorization', `Bearer ${t}`]

beforeAll(async () => {
  content = makeContent()
  // Generous anonymous limits here: this file is about delivery, not rate limiting.
  daemon = await startTestDaemon({
    contentDir: content.dir,
    env: { BRIEFD_RATE_ANONYMOUS: '10000/1000' },
  })
  token = (await daemon.newSession()).token
})
afterAll(async () => {
  await daemon.close()
})

describe('GET /health', () => {
  it('answers 200 {"status":"ok"} without auth and says nothing about content', async () => {
    const res = await get('/health')
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toEqual({ status: 'ok' })
  })
})

describe('document delivery with a valid session', () => {
  it.each([
    ['/v1/instructions', 'instructions', ['preamble', 'instructions']],
    ['/v1/voice', 'voice', ['preamble', 'voice']],
    ['/v1/briefing', 'briefing', ['preamble', 'briefing']],
    ['/v1/templates/verdict', 'verdict', ['template']],
  ] as const)('serves %s', async (path, name, parts) => {
    const res = await get(path, [bearer(token)])
    expect(res.status).toBe(200)
    const doc = JSON.parse(res.body) as { name: string; content: string; etag: string }
    expect(doc.name).toBe(name)
    for (const p of parts) expect(doc.content).toContain(content.canary[p])
    expect(res.headers.etag).toBe(doc.etag)
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.headers['content-type']).toMatch(/^application\/json/)
  })

  it('puts the preamble before the instructions', async () => {
    const doc = JSON.parse((await get('/v1/instructions', [bearer(token)])).body) as {
      content: string
    }
    expect(doc.content.indexOf(content.canary.preamble)).toBeLessThan(
      doc.content.indexOf(content.canary.instructions),
    )
  })

  it('answers 304 for a matching If-None-Match, and 200 for a stale one', async () => {
    const first = await get('/v1/templates/verdict', [bearer(token)])
    const etag = first.headers.etag ?? ''
    const again = await get('/v1/templates/verdict', [bearer(token), ['If-None-Match', etag]])
    expect(again.status).toBe(304)
    expect(again.body).toBe('')
    const weak = await get('/v1/templates/verdict', [
      bearer(token),
      ['If-None-Match', `"nope", W/${etag}`],
    ])
    expect(weak.status).toBe(304)
    const stale = await get('/v1/templates/verdict', [bearer(token), ['If-None-Match', '"stale"']])
    expect(stale.status).toBe(200)
  })

  it('answers 404 for an unknown template when the token is valid', async () => {
    const res = await get('/v1/templates/does-not-exist', [bearer(token)])
    expect(res.status).toBe(404)
    expect(JSON.parse(res.body)).toEqual({
      error: 'not_found',
      error_description: expect.any(String),
    })
  })

  it('answers a template that is a symlink out of the content dir with a clean 404, no path or content', async () => {
    const { mkdtempSync, symlinkSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const outside = join(mkdtempSync(join(tmpdir(), 'briefd-outside-')), 'secret.md')
    writeFileSync(outside, 'OUTSIDE-THE-CONTENT-DIR')
    symlinkSync(outside, join(content.dir, 'templates', 'escape.md'))
    const res = await get('/v1/templates/escape', [bearer(token)])
    const none = await get('/v1/templates/does-not-exist', [bearer(token)])
    expect(res.status).toBe(404)
    expect(res.body).toBe(none.body)
    expect(res.raw).not.toContain('OUTSIDE')
    expect(res.raw).not.toContain(outside)
    expect(daemon.logs.join('\n')).toContain('resolves outside the content dir')
  })

  it('describes the current session without any content', async () => {
    const res = await get('/v1/sessions/current', [bearer(token)])
    expect(res.status).toBe(200)
    const body = JSON.parse(res.body) as Record<string, unknown>
    expect(Object.keys(body).sort()).toEqual(['expires_at', 'session_id'])
  })

  it('serves edits without a restart (hot reload)', async () => {
    const file = join(content.dir, 'templates', 'verdict.md')
    const before = readFileSync(file, 'utf8')
    const first = JSON.parse((await get('/v1/templates/verdict', [bearer(token)])).body) as {
      etag: string
    }
    writeFileSync(file, `${before}Edited line.\n`)
    try {
      let doc = { content: '', etag: first.etag }
      // The watcher usually fires at once; the stat re-check guarantees it within ~1 s.
      for (let i = 0; i < 30 && doc.etag === first.etag; i++) {
        await new Promise((r) => setTimeout(r, 100))
        doc = JSON.parse((await get('/v1/templates/verdict', [bearer(token)])).body) as typeof doc
      }
      expect(doc.content).toContain('Edited line.')
      expect(doc.etag).not.toBe(first.etag)
      const old = await get('/v1/templates/verdict', [bearer(token), ['If-None-Match', first.etag]])
      expect(old.status).toBe(200)
    } finally {
      writeFileSync(file, before)
    }
  })
})

describe('requests without a valid token', () => {
  const docs = [
    '/v1/instructions',
    '/v1/voice',
    '/v1/briefing',
    '/v1/templates/verdict',
    '/v1/templates/no-such-template',
  ]

  it.each(docs)('%s without Authorization → 401 with a plain Bearer challenge', async (path) => {
    const res = await get(path)
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer realm="briefd"')
    expect(JSON.parse(res.body)).toMatchObject({ error: 'unauthorized' })
  })

  it.each(docs)('%s with a garbage token → 401 invalid_token', async (path) => {
    const res = await get(path, [bearer('garbage')])
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer realm="briefd", error="invalid_token"')
    expect(JSON.parse(res.body)).toEqual({
      error: 'invalid_token',
      error_description: expect.any(String),
    })
  })

  it('makes an unknown template look exactly like a known one', async () => {
    const known = await get('/v1/templates/verdict', [bearer('x.y.z')])
    const unknown = await get('/v1/templates/no-such-template', [bearer('x.y.z')])
    expect(unknown.status).toBe(known.status)
    expect(unknown.body).toBe(known.body)
    const { date: _a, ...kh } = known.headers
    const { date: _b, ...uh } = unknown.headers
    expect(uh).toEqual(kh)
  })

  it('rejects a tampered token', async () => {
    const [h, p, s] = token.split('.') as [string, string, string]
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>
    payload.exp = Number(payload.exp) + 3600
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`
    expect((await get('/v1/instructions', [bearer(forged)])).status).toBe(401)
    const flipped = `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'AB' : 'AA'}`
    expect((await get('/v1/instructions', [bearer(flipped)])).status).toBe(401)
  })

  it('rejects a token signed with another key, even with the right kid and claims', async () => {
    const kid = (
      JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as { kid: string }
    ).kid
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'briefd-session+jwt', kid })
      .setIssuer('briefd')
      .setAudience('briefd:session')
      .setSubject('0b9f3c3e-6a51-4c5e-9d5e-2f4a7f1d2c3b')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new Uint8Array(32).fill(7))
    expect((await get('/v1/instructions', [bearer(forged)])).status).toBe(401)
  })

  it('refuses the bootstrap credential as a session token', async () => {
    expect((await get('/v1/instructions', [bearer(daemon.bootstrap())])).status).toBe(401)
  })

  it('refuses a session token as the bootstrap credential', async () => {
    const res = await rawRequest(daemon.port, {
      method: 'POST',
      path: '/v1/sessions',
      headers: [bearer(token)],
      body: '{}',
    })
    expect(res.status).toBe(401)
  })

  it('refuses a token in the query string (400) and never logs it', async () => {
    const res = await get(`/v1/instructions?access_token=${token}`)
    expect(res.status).toBe(400)
    const withHeader = await get(`/v1/instructions?x=1`, [bearer(token)])
    expect(withHeader.status).toBe(400)
    expect(daemon.logs.join('')).not.toContain(token)
  })

  it('ignores a token in a cookie', async () => {
    const res = await get('/v1/instructions', [['Cookie', `token=${token}; access_token=${token}`]])
    expect(res.status).toBe(401)
  })

  it('refuses two Authorization headers (400)', async () => {
    const res = await get('/v1/instructions', [bearer(token), bearer(token)])
    expect(res.status).toBe(400)
  })

  it('answers another scheme with the plain 401 challenge, and a malformed Bearer with 400', async () => {
    const basic = await get('/v1/instructions', [
      ['Authorization', `Basic ${Buffer.from('a:b').toString('base64')}`],
    ])
    expect(basic.status).toBe(401)
    expect(basic.headers['www-authenticate']).toBe('Bearer realm="briefd"')
    expect(
      (await get('/v1/instructions', [['Authorization', `Bearer ${token} extra`]])).status,
    ).toBe(400)
  })
})

describe('template names', () => {
  it.each([
    '..%2Finstructions',
    '..%2F..%2F..%2Fetc%2Fpasswd',
    '%2E%2E%2Finstructions',
    '..%252Finstructions',
    '.hidden',
    'verdict.md',
    'ver%00dict',
    'v%C3%A9rdict',
    '%E2%80%AEverdict',
    'a'.repeat(65),
  ])('refuses %s with a valid token and serves nothing', async (name) => {
    const res = await get(`/v1/templates/${name}`, [bearer(token)])
    expect([400, 404]).toContain(res.status)
    expect(leakedCanaries(content, res.body)).toEqual([])
  })

  it('does not let ../ in the path reach another document', async () => {
    for (const path of [
      '/v1/templates/../instructions',
      '/v1/templates/..%2f..%2finstructions',
      '/v1/templates//verdict',
      '/v1/templates/./verdict',
    ]) {
      const res = await get(path)
      expect(res.status).not.toBe(200)
      expect(leakedCanaries(content, res.body)).toEqual([])
    }
  })
})

describe('HTTP hygiene', () => {
  it('answers unknown routes 404 and wrong methods 405 with Allow, as JSON', async () => {
    const nf = await get('/v2/nothing')
    expect(nf.status).toBe(404)
    expect(JSON.parse(nf.body)).toMatchObject({ error: 'not_found' })
    const mna = await get('/v1/instructions', [bearer(token)], 'POST')
    expect(mna.status).toBe(405)
    expect(mna.headers.allow).toBe('GET, HEAD')
    const put = await get('/v1/templates/verdict', [], 'PUT')
    expect(put.status).toBe(405)
  })

  it('sends the security headers on every response', async () => {
    for (const res of [
      await get('/health'),
      await get('/v1/instructions'),
      await get('/nope'),
      await get('/v1/instructions', [bearer(token)]),
    ]) {
      expect(res.headers['cache-control']).toBe('no-store')
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['x-frame-options']).toBe('DENY')
      expect(res.headers['content-security-policy']).toContain("default-src 'none'")
      expect(res.headers['referrer-policy']).toBe('no-referrer')
    }
  })

  it('refuses a declared body over 16 KiB with 413', async () => {
    const res = await rawRequest(daemon.port, {
      method: 'POST',
      path: '/v1/sessions',
      headers: [bearer(daemon.bootstrap())],
      body: 'x'.repeat(17 * 1024),
    })
    expect(res.status).toBe(413)
  })

  it('refuses a chunked body over 16 KiB with 413', async () => {
    const chunk = 'x'.repeat(8 * 1024)
    const body =
      [chunk, chunk, chunk].map((c) => `${c.length.toString(16)}\r\n${c}\r\n`).join('') +
      '0\r\n\r\n'
    const res = await rawRequest(daemon.port, {
      method: 'POST',
      path: '/v1/sessions',
      headers: [bearer(daemon.bootstrap()), ['Transfer-Encoding', 'chunked']],
      body,
    })
    expect(res.status).toBe(413)
  })

  it('never shows a stack trace', async () => {
    const res = await rawRequest(daemon.port, {
      method: 'POST',
      path: '/v1/sessions',
      headers: [bearer(daemon.bootstrap())],
      body: '{not json',
    })
    expect(res.status).toBe(400)
    expect(res.body).not.toMatch(/at .*\.js|Error:/)
  })
})

describe('leaks', () => {
  it('no response to an unauthenticated or rejected request contains confidential text', () => {
    const denied = seen.filter((r) => r.status >= 400 || r.status === 0)
    expect(denied.length).toBeGreaterThan(20)
    for (const r of denied) expect(leakedCanaries(content, r.raw)).toEqual([])
  })

  it('no daemon log line contains a token, the bootstrap credential or content', () => {
    const log = daemon.logs.join('')
    expect(log).not.toContain(token)
    expect(log).not.toContain(daemon.bootstrap())
    expect(leakedCanaries(content, log)).toEqual([])
  })
})

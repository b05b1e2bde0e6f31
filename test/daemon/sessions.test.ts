import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { SignJWT, UnsecuredJWT } from 'jose'
import { makeContent } from '../helpers/content.js'
import { rawRequest } from '../helpers/http.js'
import { daemonsClosedAfterEach, startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { tempDir } from '../helpers/tmp.js'

const start = daemonsClosedAfterEach()
const bearer = (t: string): [string, string] => ['Authorization', `Bearer ${t}`]
const status = async (d: TestDaemon, token: string, path = '/v1/instructions'): Promise<number> =>
  (await rawRequest(d.port, { path, headers: [bearer(token)] })).status

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >
}
function header(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >
}
function signingKey(stateDir: string, kid: string): Uint8Array {
  const ring = JSON.parse(readFileSync(join(stateDir, 'signing-keys.json'), 'utf8')) as {
    keys: { kid: string; secret: string }[]
  }
  const k = ring.keys.find((x) => x.kid === kid)
  if (!k) throw new Error('no such key')
  return new Uint8Array(Buffer.from(k.secret, 'base64url'))
}

describe('POST /v1/sessions', () => {
  it('issues a 24 h HS256 session token bound to a random UUID', async () => {
    const d = await start({ contentDir: makeContent().dir })
    const res = await rawRequest(d.port, {
      method: 'POST',
      path: '/v1/sessions',
      headers: [bearer(d.bootstrap())],
    })
    expect(res.status).toBe(201)
    const body = JSON.parse(res.body) as { token: string; session_id: string; expires_at: string }
    expect(body.session_id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    expect(header(body.token)).toMatchObject({ alg: 'HS256', typ: 'briefd-session+jwt' })
    const c = claims(body.token)
    expect(c).toMatchObject({ sub: body.session_id, aud: 'briefd:session', iss: 'briefd' })
    expect(Number(c.exp) - Number(c.iat)).toBe(24 * 3600)
    expect(Date.parse(body.expires_at)).toBe(Number(c.exp) * 1000)
    expect(res.headers['cache-control']).toBe('no-store')
  })

  it('honours a shorter requested lifetime and caps a longer one', async () => {
    const d = await start({ contentDir: makeContent().dir, flags: { sessionTtl: '2h' } })
    const short = await d.newSession(600)
    expect(Number(claims(short.token).exp) - Number(claims(short.token).iat)).toBe(600)
    const long = await d.newSession(30 * 24 * 3600)
    expect(Number(claims(long.token).exp) - Number(claims(long.token).iat)).toBe(7200)
  })

  it('refuses a missing or wrong bootstrap credential', async () => {
    const d = await start({ contentDir: makeContent().dir })
    expect((await rawRequest(d.port, { method: 'POST', path: '/v1/sessions' })).status).toBe(401)
    const wrong = `briefd_bs_${'A'.repeat(43)}`
    expect(
      (await rawRequest(d.port, { method: 'POST', path: '/v1/sessions', headers: [bearer(wrong)] }))
        .status,
    ).toBe(401)
  })
})

describe('token verification', () => {
  it('refuses an expired token', async () => {
    let now = Date.now()
    const d = await start({ contentDir: makeContent().dir, now: () => now })
    const { token } = await d.newSession(60)
    expect(await status(d, token)).toBe(200)
    now += 61_000 + 5_000
    expect(await status(d, token)).toBe(401)
  })

  it('refuses a token that is not yet valid (iat in the future)', async () => {
    const d = await start({ contentDir: makeContent().dir })
    const { token } = await d.newSession()
    const kid = String(header(token).kid)
    const future = Math.floor(Date.now() / 1000) + 3600
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'briefd-session+jwt', kid })
      .setIssuer('briefd')
      .setAudience('briefd:session')
      .setSubject('0b9f3c3e-6a51-4c5e-9d5e-2f4a7f1d2c3b')
      .setIssuedAt(future)
      .setExpirationTime(future + 600)
      .sign(signingKey(d.stateDir, kid))
    expect(await status(d, forged)).toBe(401)
  })

  it.each([
    ['wrong audience', { aud: 'someone-else' }],
    ['wrong issuer', { iss: 'not-briefd' }],
    ['wrong type', { typ: 'JWT' }],
    ['no expiry', { exp: null }],
    ['a lifetime beyond the cap', { life: 30 * 24 * 3600 }],
    ['a malformed session id', { sub: '../../etc/passwd' }],
  ] as const)('refuses a correctly signed token with %s', async (_name, change) => {
    const d = await start({ contentDir: makeContent().dir })
    const { token } = await d.newSession()
    const kid = String(header(token).kid)
    const now = Math.floor(Date.now() / 1000)
    const c: Record<string, unknown> = { ...change }
    let jwt = new SignJWT({})
      .setProtectedHeader({
        alg: 'HS256',
        typ: 'typ' in c ? String(c.typ) : 'briefd-session+jwt',
        kid,
      })
      .setIssuer('iss' in c ? String(c.iss) : 'briefd')
      .setAudience('aud' in c ? String(c.aud) : 'briefd:session')
      .setSubject('sub' in c ? String(c.sub) : '0b9f3c3e-6a51-4c5e-9d5e-2f4a7f1d2c3b')
      .setIssuedAt(now)
    if (!('exp' in c)) jwt = jwt.setExpirationTime(now + ('life' in c ? Number(c.life) : 600))
    expect(await status(d, await jwt.sign(signingKey(d.stateDir, kid)))).toBe(401)
  })

  it('refuses alg none and algorithm confusion', async () => {
    const d = await start({ contentDir: makeContent().dir })
    const { token } = await d.newSession()
    const kid = String(header(token).kid)
    const payload = claims(token)
    const none = new UnsecuredJWT(payload).encode()
    expect(await status(d, none)).toBe(401)
    const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url')
    const [, p] = token.split('.')
    for (const alg of ['none', 'NONE', 'nOnE', 'HS512', 'RS256', 'ES256']) {
      expect(await status(d, `${b64({ alg, typ: 'briefd-session+jwt', kid })}.${p}.`)).toBe(401)
      expect(
        await status(
          d,
          `${b64({ alg, typ: 'briefd-session+jwt', kid })}.${p}.${token.split('.')[2]}`,
        ),
      ).toBe(401)
    }
    const hs512 = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS512', typ: 'briefd-session+jwt', kid })
      .sign(new Uint8Array(64).fill(1))
    expect(await status(d, hs512)).toBe(401)
  })

  it.each([
    ['truncated', (t: string) => t.slice(0, -10)],
    ['missing signature', (t: string) => t.split('.').slice(0, 2).join('.') + '.'],
    ['two segments', (t: string) => t.split('.').slice(0, 2).join('.')],
    [
      'JSON serialization',
      (t: string) =>
        JSON.stringify({
          protected: t.split('.')[0],
          payload: t.split('.')[1],
          signature: t.split('.')[2],
        }),
    ],
    ['oversized', (t: string) => `${t}${'A'.repeat(5000)}`],
    ['padded', (t: string) => `${t}==`],
  ])('refuses a %s token', async (_name, mangle) => {
    const d = await start({
      contentDir: makeContent().dir,
      env: { BRIEFD_RATE_ANONYMOUS: '1000/100' },
    })
    const { token } = await d.newSession()
    const res = await rawRequest(d.port, {
      path: '/v1/instructions',
      headers: [['Authorization', `Bearer ${mangle(token)}`]],
    })
    expect([400, 401]).toContain(res.status)
  })
})

describe('revocation', () => {
  it('DELETE /v1/sessions/current revokes the token (204), then it is refused', async () => {
    const d = await start({ contentDir: makeContent().dir })
    const { token } = await d.newSession()
    expect(await status(d, token)).toBe(200)
    const del = await rawRequest(d.port, {
      method: 'DELETE',
      path: '/v1/sessions/current',
      headers: [bearer(token)],
    })
    expect(del.status).toBe(204)
    expect(await status(d, token)).toBe(401)
    expect(
      (
        await rawRequest(d.port, {
          method: 'DELETE',
          path: '/v1/sessions/current',
          headers: [bearer(token)],
        })
      ).status,
    ).toBe(401)
  })

  it('keeps tokens valid and revocations in force across a daemon restart', async () => {
    const content = makeContent()
    const stateDir = `${tempDir()}/state`
    const first = await startTestDaemon({ contentDir: content.dir, stateDir })
    const kept = (await first.newSession()).token
    const revoked = (await first.newSession()).token
    expect(
      (
        await rawRequest(first.port, {
          method: 'DELETE',
          path: '/v1/sessions/current',
          headers: [bearer(revoked)],
        })
      ).status,
    ).toBe(204)
    await first.close()
    const second = await start({ contentDir: content.dir, stateDir })
    expect(await status(second, kept)).toBe(200)
    expect(await status(second, revoked)).toBe(401)
    expect(second.handle.liveSessions()).toBe(1)
  })

  it('forgets revocations once the token would have expired anyway', async () => {
    let now = Date.now()
    const content = makeContent()
    const stateDir = `${tempDir()}/state`
    const first = await startTestDaemon({ contentDir: content.dir, stateDir, now: () => now })
    const { token } = await first.newSession(60)
    await rawRequest(first.port, {
      method: 'DELETE',
      path: '/v1/sessions/current',
      headers: [bearer(token)],
    })
    await first.close()
    const ledger = (): string => readFileSync(join(stateDir, 'sessions.jsonl'), 'utf8')
    expect(ledger()).toContain('"revoke"')
    now += 120_000
    const second = await start({ contentDir: content.dir, stateDir, now: () => now })
    expect(ledger()).toBe('')
    expect(second.handle.liveSessions()).toBe(0)
  })
})

describe('briefd key rotate', () => {
  it('signs new tokens with a new key while tokens of the old key stay valid', async () => {
    const d = await start({ contentDir: makeContent().dir })
    const old = (await d.newSession()).token
    expect(await status(d, old)).toBe(200)
    const out = execFileSync(
      process.execPath,
      ['bin/briefd.js', 'key', 'rotate', '--state-dir', d.stateDir],
      { encoding: 'utf8' },
    )
    expect(out).toMatch(
      /^new signing key k-[0-9a-f]{16}; tokens signed with k-[0-9a-f]{16} stay valid until they expire\n$/,
    )
    const fresh = (await d.newSession()).token
    expect(header(fresh).kid).not.toBe(header(old).kid)
    expect(await status(d, fresh)).toBe(200)
    expect(await status(d, old)).toBe(200)
    // A restarted daemon still knows both keys.
    const stateDir = d.stateDir
    await d.close()
    const again = await start({ contentDir: d.contentDir, stateDir })
    expect(await status(again, old)).toBe(200)
    expect(await status(again, fresh)).toBe(200)
  })
})

describe('audit log', () => {
  it('records issue, delivery, denial and revocation as JSON lines, 0600, without any token', async () => {
    const d = await start({ contentDir: makeContent().dir })
    const { token, session_id } = await d.newSession()
    await status(d, token, '/v1/templates/verdict')
    await status(d, 'not.a.token')
    await rawRequest(d.port, {
      method: 'DELETE',
      path: '/v1/sessions/current',
      headers: [bearer(token)],
    })
    await d.close()
    const path = join(d.stateDir, 'audit.log')
    const text = readFileSync(path, 'utf8')
    const { statSync } = await import('node:fs')
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(text).not.toContain(token)
    expect(text).not.toContain(d.bootstrap())
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    for (const l of lines) expect(Date.parse(String(l.time))).not.toBeNaN()
    expect(lines).toContainEqual(
      expect.objectContaining({ event: 'session.issued', session_id, status: 201 }),
    )
    expect(lines).toContainEqual(
      expect.objectContaining({
        event: 'document.delivered',
        session_id,
        principal: { kind: 'session', subject: session_id },
        status: 200,
        route: 'GET /v1/templates/:name',
        document: 'template:verdict',
      }),
    )
    expect(lines).toContainEqual(
      expect.objectContaining({
        event: 'request.denied',
        status: 401,
        route: 'GET /v1/instructions',
        reason: 'ERR_SESSION_INVALID',
      }),
    )
    expect(lines).toContainEqual(
      expect.objectContaining({ event: 'session.revoked', session_id, status: 204 }),
    )
  })
})

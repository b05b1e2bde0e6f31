/**
 * `briefd login` against a real authorization server (oidc-provider over HTTPS): the test is
 * the user's browser, submitting oidc-provider's own login and consent pages. Covers the
 * authorization code flow with PKCE and the loopback redirect, a wrong state, a replayed
 * callback, a resource the server does not serve, the device flow, refresh-token rotation,
 * a revoked sign-in, concurrent refreshes, client credentials, and logout's revocation.
 */
import { readFileSync, statSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { login, logout, whoami } from '../../src/signin/login.js'
import { remoteCredential, unverifiedClaims } from '../../src/signin/credential.js'
import { credentialPath, readSignin } from '../../src/signin/store.js'
import { TestBrowser } from '../helpers/browser.js'
import { Lines, startSigninBed, type SigninBed } from '../helpers/signin.js'
import { tempDir } from '../helpers/tmp.js'
import { expectRejection as expectBriefdError } from '../helpers/briefd-error.js'

let bed: SigninBed

beforeAll(async () => {
  bed = await startSigninBed({ accessTokenTtl: 20 })
})
afterAll(async () => {
  await bed.close()
})

const envWith = (): Record<string, string> => ({ BRIEFD_CONFIG_DIR: tempDir('briefd-cfg-') })

/** Signs in through the browser flow, the test playing the browser. */
async function browserLogin(
  env: Record<string, string>,
  browser = new TestBrowser(),
): Promise<{ callback: URL; lines: Lines }> {
  const lines = new Lines()
  const done = login({
    remote: bed.remote,
    clientId: 'briefd-cli',
    noBrowser: true,
    env,
    say: lines.say,
  })
  const url = await lines.next(/^https:\/\//)
  const run = await browser.walk(url, { login: 'alice', stopAt: 'http://127.0.0.1:' })
  expect(run.status).toBe(200)
  await done
  return { callback: run.finalUrl, lines }
}

describe('authorization code + PKCE with a loopback redirect', () => {
  it('signs in, stores a refresh token in a 0600 file, and whoami shows no secret', async () => {
    const env = envWith()
    const { callback, lines } = await browserLogin(env)
    // The printed URL is the authorization endpoint with PKCE S256, state and resource.
    const printed = new URL(lines.lines.find((l) => l.startsWith('https://')) ?? '')
    expect(printed.origin).toBe(bed.as.issuer)
    expect(printed.searchParams.get('code_challenge_method')).toBe('S256')
    expect(printed.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(printed.searchParams.get('resource')).toBe(bed.remote)
    expect(printed.searchParams.get('scope')).toBe('briefd:read')
    expect(printed.searchParams.get('redirect_uri')).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/callback$/,
    )
    expect(callback.host).toBe(new URL(printed.searchParams.get('redirect_uri') ?? '').host)

    const path = credentialPath(bed.remote, env)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(statSync(`${env.BRIEFD_CONFIG_DIR}/credentials`).mode & 0o777).toBe(0o700)
    const stored = readSignin(bed.remote, env)
    expect(stored?.refresh_token).toBeTruthy()
    const claims = unverifiedClaims(stored?.access_token ?? '')
    expect(claims?.aud).toBe(bed.remote)
    expect(claims?.sub).toBe('alice')

    const me = whoami(bed.remote, env)
    expect(me).toMatchObject({ subject: 'alice', tenant: 'acme', scopes: ['briefd:read'] })
    const shown = JSON.stringify(me)
    for (const secret of [stored?.refresh_token, stored?.access_token])
      expect(shown).not.toContain(secret)
    expect(lines.lines.join('\n')).not.toContain(stored?.refresh_token ?? 'x')
  })

  it('refuses a callback with the wrong state and stores nothing', async () => {
    const env = envWith()
    const lines = new Lines()
    const done = login({
      remote: bed.remote,
      clientId: 'briefd-cli',
      noBrowser: true,
      env,
      say: lines.say,
    })
    done.catch(() => undefined)
    const url = await lines.next(/^https:\/\//)
    const run = await new TestBrowser().walk(url, {
      stopAt: 'http://127.0.0.1:',
      dontFollowStop: true,
    })
    const code = run.finalUrl.searchParams.get('code') ?? ''
    expect(code).not.toBe('')
    const forged = new URL(run.finalUrl)
    forged.searchParams.set('state', 'attacker-state')
    const res = await fetch(forged)
    expect(res.status).toBe(400)
    const err = await expectBriefdError(done, 'ERR_SIGNIN_FAILED')
    expect(err.message).toMatch(/wrong state/)
    expect(err.message).not.toContain(code)
    expect(readSignin(bed.remote, env)).toBeUndefined()
  })

  it('a replayed callback finds no listener, and the stored sign-in is unchanged', async () => {
    const env = envWith()
    const { callback } = await browserLogin(env)
    const before = readFileSync(credentialPath(bed.remote, env), 'utf8')
    await expect(fetch(callback)).rejects.toThrow()
    expect(readFileSync(credentialPath(bed.remote, env), 'utf8')).toBe(before)
  })

  it('a resource the authorization server does not serve gets no token', async () => {
    const other = await startSigninBed({ resources: ['https://elsewhere.example'] })
    try {
      const env = envWith()
      const lines = new Lines()
      const done = login({
        remote: other.remote,
        clientId: 'briefd-cli',
        noBrowser: true,
        env,
        say: lines.say,
      })
      done.catch(() => undefined)
      const url = await lines.next(/^https:\/\//)
      await new TestBrowser().walk(url, { stopAt: 'http://127.0.0.1:' })
      const err = await expectBriefdError(done, 'ERR_SIGNIN_FAILED')
      expect(err.message).toMatch(/invalid_target/)
      expect(readSignin(other.remote, env)).toBeUndefined()
    } finally {
      await other.close()
    }
  })
})

describe('client identity', () => {
  it('without --client-id, registers itself (RFC 7591) and signs in', async () => {
    const env = envWith()
    const lines = new Lines()
    const done = login({ remote: bed.remote, noBrowser: true, env, say: lines.say })
    const url = new URL(await lines.next(/^https:\/\//))
    const clientId = url.searchParams.get('client_id') ?? ''
    expect(clientId).not.toBe('')
    expect(clientId).not.toBe('briefd-cli')
    await new TestBrowser().walk(url.href, { stopAt: 'http://127.0.0.1:' })
    await done
    expect(readSignin(bed.remote, env)?.client_id).toBe(clientId)
    await expect(remoteCredential(bed.remote, { env, forceRefresh: true })).resolves.toBeTruthy()
  })
})

describe('device authorization grant', () => {
  it('prints the verification URI and user code, polls at the interval the server names, and signs in', async () => {
    const env = envWith()
    const lines = new Lines()
    const waits: number[] = []
    const done = login({
      remote: bed.remote,
      clientId: 'briefd-cli',
      device: true,
      env,
      say: lines.say,
      // The real interval is 5 s; the test waits 150 ms and records what was asked for.
      sleep: (ms) => {
        waits.push(ms)
        return new Promise((r) => setTimeout(r, 150))
      },
    })
    const open = await lines.next(/^To sign in, open /)
    const code = (await lines.next(/code: /)).split('code: ')[1] ?? ''
    const uri = open.replace('To sign in, open ', '')
    expect(new URL(uri).origin).toBe(bed.as.issuer)
    // Let it poll a few times (pending, then slow_down) before the user acts.
    while (waits.length < 3) await new Promise((r) => setTimeout(r, 50))
    const run = await new TestBrowser().walk(uri, { login: 'bob', userCode: code })
    expect(run.status).toBe(200)
    const r = await done
    expect(r.subject).toBe('bob')
    // The server's interval (5 s), asked for before every poll, never faster.
    expect(waits.length).toBeGreaterThanOrEqual(3)
    expect(waits.every((w) => w >= 5000)).toBe(true)
    expect(readSignin(bed.remote, env)?.refresh_token).toBeTruthy()
  })
})

describe('refresh', () => {
  it('rotates the refresh token on every refresh and stores it before use; the old one is dead', async () => {
    const env = envWith()
    await browserLogin(env)
    const first = readSignin(bed.remote, env)?.refresh_token ?? ''
    // Access tokens live 20 s, inside the 30 s margin: every call refreshes.
    const a = await remoteCredential(bed.remote, { env })
    const second = readSignin(bed.remote, env)?.refresh_token ?? ''
    expect(second).not.toBe(first)
    expect(readSignin(bed.remote, env)?.access_token).toBe(a.value)
    const b = await remoteCredential(bed.remote, { env })
    expect(b.value).not.toBe(a.value)
    expect(readSignin(bed.remote, env)?.refresh_token).not.toBe(second)
    expect(unverifiedClaims(b.value)?.aud).toBe(bed.remote)
  })

  it('two processes refreshing at once do not spend the same refresh token', async () => {
    const env = envWith()
    await browserLogin(env)
    const [a, b] = await Promise.all([
      remoteCredential(bed.remote, { env, forceRefresh: true }),
      remoteCredential(bed.remote, { env, forceRefresh: true }),
    ])
    expect(a.value).toBeTruthy()
    expect(b.value).toBeTruthy()
    // The sign-in still works: no reuse was detected, which would have revoked it.
    await expect(remoteCredential(bed.remote, { env })).resolves.toBeTruthy()
  })

  it('a revoked sign-in says to sign in again, naming the command, and leaks nothing', async () => {
    const env = envWith()
    await browserLogin(env)
    const stored = readSignin(bed.remote, env)
    // Reusing a rotated refresh token makes the server revoke the whole grant.
    await remoteCredential(bed.remote, { env })
    const replay = await fetch(`${bed.as.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: stored?.refresh_token ?? '',
        client_id: 'briefd-cli',
      }),
    })
    expect(replay.status).toBe(400)
    const err = await expectBriefdError(
      remoteCredential(bed.remote, { env }),
      'ERR_SIGNIN_REQUIRED',
    )
    expect(err.message).toContain(`briefd login ${bed.remote}`)
    const now = readSignin(bed.remote, env)
    for (const s of [stored?.refresh_token, now?.refresh_token, now?.access_token])
      expect(err.message).not.toContain(s)
  })

  it('logout revokes the refresh token at the authorization server and deletes the file', async () => {
    const env = envWith()
    await browserLogin(env)
    const refresh = readSignin(bed.remote, env)?.refresh_token ?? ''
    const r = await logout(bed.remote, env)
    expect(r).toEqual({ removed: true, revoked: true })
    expect(readSignin(bed.remote, env)).toBeUndefined()
    const res = await fetch(`${bed.as.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refresh,
        client_id: 'briefd-cli',
      }),
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant')
  })
})

describe('machines', () => {
  it('client credentials: the secret stays in its own file, tokens are for the daemon', async () => {
    const env = envWith()
    const dir = tempDir()
    const secretFile = `${dir}/secret`
    const { writeFileSync } = await import('node:fs')
    writeFileSync(secretFile, 'secret-of-ci-machine-0123456789abcdef\n', { mode: 0o600 })
    const r = await login({
      remote: bed.remote,
      clientId: 'ci-machine',
      clientSecretFile: secretFile,
      env,
      say: () => undefined,
    })
    expect(r.kind).toBe('client_credentials')
    const raw = readFileSync(credentialPath(bed.remote, env), 'utf8')
    expect(raw).not.toContain('secret-of-ci-machine')
    const cred = await remoteCredential(bed.remote, { env, forceRefresh: true })
    expect(unverifiedClaims(cred.value)).toMatchObject({ aud: bed.remote, tenant: 'acme-ci' })
  })

  it('a client secret file others can read is refused with the chmod that fixes it', async () => {
    const dir = tempDir()
    const { writeFileSync } = await import('node:fs')
    writeFileSync(`${dir}/secret`, 'secret-of-ci-machine-0123456789abcdef\n', { mode: 0o644 })
    const err = await expectBriefdError(
      login({
        remote: bed.remote,
        clientId: 'ci-machine',
        clientSecretFile: `${dir}/secret`,
        env: envWith(),
        say: () => undefined,
      }),
      'ERR_FILE_UNSAFE',
    )
    expect(err.message).toContain('chmod 600')
    expect(err.message).not.toContain('secret-of')
  })
})

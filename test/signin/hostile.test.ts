/**
 * Hostile inputs to sign-in, each refused with one clear line that leaks nothing: metadata
 * that points at another origin or at http://, authorization servers that are not https,
 * huge metadata, redirects (to a non-loopback address or to http), plain-http remotes, and
 * credential files that are symlinks, readable by others or owned by someone else.
 */
import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { discover } from '../../src/signin/discovery.js'
import { openBrowser } from '../../src/signin/browser.js'
import { login } from '../../src/signin/login.js'
import { credentialPath, credentialsDir, readSignin } from '../../src/signin/store.js'
import { remoteCredential } from '../../src/signin/credential.js'
import { parseRemoteUrl } from '../../src/signin/urls.js'
import { sendJson, startHttpsServer, type TestHttpsServer } from '../helpers/https-server.js'
import { expectBriefdError, expectRejection } from '../helpers/briefd-error.js'
import { tempDir } from '../helpers/tmp.js'

const servers: TestHttpsServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

/** A daemon whose metadata, and an authorization server whose metadata, say what the test wants. */
async function hostile(
  prm: (origin: string, asOrigin: string) => unknown,
  asMeta: (asOrigin: string) => unknown = (o) => ({
    issuer: o,
    authorization_endpoint: `${o}/auth`,
    token_endpoint: `${o}/token`,
  }),
): Promise<{ remote: string; as: TestHttpsServer; daemon: TestHttpsServer }> {
  const as = await startHttpsServer((req, res, origin) => {
    if (req.url?.startsWith('/.well-known/')) sendJson(res, 200, asMeta(origin))
    else sendJson(res, 404, {})
  })
  const daemon = await startHttpsServer((req, res, origin) => {
    if (req.url === '/.well-known/oauth-protected-resource')
      sendJson(res, 200, prm(origin, as.origin))
    else sendJson(res, 404, {})
  })
  servers.push(as, daemon)
  return { remote: daemon.origin, as, daemon }
}

describe('discovery refuses', () => {
  it('an authorization_servers entry that is not https', async () => {
    const h = await hostile((o) => ({ resource: o, authorization_servers: ['http://127.0.0.1:1'] }))
    const err = await expectRejection(discover(new URL(h.remote)), 'ERR_REMOTE_INVALID')
    expect(err.message).toMatch(/authorization_servers\[0\].*not an https/)
  })

  it('metadata describing another resource (another origin)', async () => {
    const h = await hostile((_o, a) => ({
      resource: 'https://evil.example',
      authorization_servers: [a],
    }))
    const err = await expectRejection(discover(new URL(h.remote)), 'ERR_REMOTE_INVALID')
    expect(err.message).toMatch(/describes https:\/\/evil\.example/)
  })

  it('but accepts the same resource with a trailing slash', async () => {
    const h = await hostile((o, a) => ({ resource: `${o}/`, authorization_servers: [a] }))
    const found = await discover(new URL(h.remote))
    expect(found.resource).toBe(`${h.remote}/`)
  })

  it('authorization server endpoints on another origin or on http', async () => {
    for (const [endpoint, why] of [
      ['https://evil.example/auth', /another|not the issuer's origin/],
      ['http://127.0.0.1:9/auth', /not an https/],
    ] as const) {
      const h = await hostile(
        (o, a) => ({ resource: o, authorization_servers: [a] }),
        (o) => ({ issuer: o, authorization_endpoint: endpoint, token_endpoint: `${o}/token` }),
      )
      const err = await expectRejection(discover(new URL(h.remote)), 'ERR_AUTH_SERVER_INVALID')
      expect(err.message).toMatch(why)
    }
  })

  it('authorization server metadata naming another issuer', async () => {
    const h = await hostile(
      (o, a) => ({ resource: o, authorization_servers: [a] }),
      () => ({ issuer: 'https://evil.example', token_endpoint: 'https://evil.example/token' }),
    )
    await expectRejection(discover(new URL(h.remote)), 'ERR_AUTH_SERVER_INVALID')
  })

  it('huge metadata, without reading it all', async () => {
    const daemon = await startHttpsServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(`{"resource":"${'x'.repeat(2 * 1024 * 1024)}"}`)
    })
    servers.push(daemon)
    const err = await expectRejection(discover(new URL(daemon.origin)), 'ERR_REMOTE_INVALID')
    expect(err.message).toMatch(/more than 65536 bytes/)
  })

  it('a redirect, to a non-loopback address or to http, is not followed', async () => {
    for (const to of ['https://10.0.0.1/.well-known/x', 'http://127.0.0.1:9/x']) {
      const daemon = await startHttpsServer((_req, res) => {
        res.writeHead(302, { location: to }).end()
      })
      servers.push(daemon)
      const err = await expectRejection(discover(new URL(daemon.origin)), 'ERR_REMOTE_INVALID')
      expect(err.message).toMatch(/redirected .*follows no redirects/)
    }
  })
})

describe('URLs', () => {
  it('plain http is refused for anything but loopback', () => {
    const err = expectBriefdError(
      () => parseRemoteUrl('http://briefd.example.com'),
      'ERR_REMOTE_INVALID',
    )
    expect(err.message).toMatch(/must be https/)
    expect(parseRemoteUrl('http://127.0.0.1:7866').host).toBe('127.0.0.1:7866')
    expectBriefdError(
      () => parseRemoteUrl('https://user:pw@briefd.example.com'),
      'ERR_REMOTE_INVALID',
    )
  })

  it('the browser is never pointed at a non-https URL', () => {
    expectBriefdError(
      () => openBrowser(new URL('http://127.0.0.1:9/auth?x=$(touch /tmp/pwned)')),
      'ERR_AUTH_SERVER_INVALID',
    )
  })
})

describe('credential files', () => {
  const remote = 'https://briefd.example.com'
  function setup(): { env: Record<string, string>; path: string } {
    const env = { BRIEFD_CONFIG_DIR: tempDir('briefd-cfg-') }
    mkdirSync(credentialsDir(env), { recursive: true, mode: 0o700 })
    return { env, path: credentialPath(remote, env) }
  }
  const record = JSON.stringify({
    version: 1,
    kind: 'user',
    remote,
    resource: remote,
    scopes: [],
    refresh_token: 'rt-secret-value',
    updated_at: '',
  })

  it('a symlink is refused', async () => {
    const { env, path } = setup()
    const target = `${tempDir()}/elsewhere.json`
    writeFileSync(target, record, { mode: 0o600 })
    symlinkSync(target, path)
    const err = expectBriefdError(() => readSignin(remote, env), 'ERR_FILE_UNSAFE')
    expect(err.message).toMatch(/symlink/)
    await expectRejection(remoteCredential(remote, { env }), 'ERR_FILE_UNSAFE')
  })

  it('an open mode is refused, naming the fix, and the secret is not quoted', () => {
    const { env, path } = setup()
    writeFileSync(path, record, { mode: 0o600 })
    chmodSync(path, 0o644)
    const err = expectBriefdError(() => readSignin(remote, env), 'ERR_FILE_UNSAFE')
    expect(err.message).toContain('chmod 600')
    expect(err.message).not.toContain('rt-secret-value')
  })

  it('a file owned by another user is refused', () => {
    const { env, path } = setup()
    writeFileSync(path, record, { mode: 0o600 })
    if (process.geteuid?.() !== 0) return // only root can hand a file to someone else
    chownSync(path, 12345, 12345)
    const err = expectBriefdError(() => readSignin(remote, env), 'ERR_FILE_UNSAFE')
    expect(err.message).toMatch(/owned by uid 12345/)
  })

  it('a credentials dir others can enter is refused', () => {
    const { env } = setup()
    chmodSync(credentialsDir(env), 0o755)
    expectBriefdError(() => readSignin(remote, env), 'ERR_DIR_UNSAFE')
  })

  it('login writes nothing through a symlink planted at the credential path', async () => {
    const { env, path } = setup()
    const target = `${tempDir()}/victim`
    writeFileSync(target, 'untouched', { mode: 0o600 })
    symlinkSync(target, path)
    const keyFile = `${tempDir()}/key`
    writeFileSync(keyFile, 'bk_test_key\n', { mode: 0o600 })
    await login({ remote, apiKeyFile: keyFile, env, say: () => undefined })
    const { readFileSync, lstatSync } = await import('node:fs')
    expect(readFileSync(target, 'utf8')).toBe('untouched')
    expect(lstatSync(path).isSymbolicLink()).toBe(false)
  })
})

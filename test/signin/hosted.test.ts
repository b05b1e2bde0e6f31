/**
 * Sign-in against the real hosted daemon (`serve --resource` over HTTPS with the run's test
 * CA) and a real oidc-provider: discovery from the daemon's own metadata, the browser flow,
 * `session start --remote` writing only a briefd session token, content over HTTPS, a long
 * session across many session-token lifetimes renewed from the sign-in, sign-out mid-session,
 * the headers helper's cache, API keys, a token for another resource, and the authorization
 * server being down during session start.
 */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { resolve as resolvePath } from 'node:path'
import { childEnv } from '../helpers/mcp.js'
import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKey, revokeApiKey } from '../../src/apikeys/store.js'
import { BriefdClient } from '../../src/client/briefd-client.js'
import { exchangeForSession } from '../../src/client/session-exchange.js'
import { createDeadline } from '../../src/hooks/deadline.js'
import { startHostSession } from '../../src/hooks/session-hooks.js'
import { readTokenFile } from '../../src/host/token-file.js'
import { remoteRenewer } from '../../src/mcp/remote-renew.js'
import { runRemoteDoctor } from '../../src/doctor/remote.js'
import { silentLogger } from '../../src/shared/log.js'
import { authorizationHeaders } from '../../src/signin/headers.js'
import { login, logout } from '../../src/signin/login.js'
import { readSignin, writeSignin } from '../../src/signin/store.js'
import { TestBrowser } from '../helpers/browser.js'
import { makeContent, type TestContent } from '../helpers/content.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { TestAuthServer } from '../helpers/oidc.js'
import { Lines } from '../helpers/signin.js'
import { testTls } from '../helpers/tls.js'
import { tempDir } from '../helpers/tmp.js'
import { expectRejection } from '../helpers/briefd-error.js'

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address() as { port: number }
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

let content: TestContent
let daemon: TestDaemon
let as: TestAuthServer
let remote: string
/** The daemon's clock runs ahead by this much: session tokens expire without waiting. */
let offset = 0

beforeAll(async () => {
  content = makeContent()
  // A template only the scoring scope may read, for the step-up hint.
  writeFileSync(`${content.dir}/templates/scoring-rubric.md`, 'SCORING rubric\n', { mode: 0o600 })
  writeFileSync(
    `${content.dir}/access.json`,
    JSON.stringify({
      scopes: { default: 'briefd:read', documents: { 'templates/scoring-*': 'briefd:scoring' } },
    }),
    { mode: 0o600 },
  )
  const port = await freePort()
  remote = `https://127.0.0.1:${port}`
  as = await TestAuthServer.start({
    clients: [{ clientId: 'ci-machine' }],
    publicClients: ['briefd-cli'],
    resources: [remote, 'https://other.example'],
    accessTokenTtl: 3600,
  })
  const tls = testTls()
  daemon = await startTestDaemon({
    contentDir: content.dir,
    port,
    now: () => Date.now() + offset,
    flags: {
      resource: remote,
      issuer: [as.issuer],
      tlsCert: tls.certPath,
      tlsKey: tls.keyPath,
      sessionTtl: '1m',
    },
  })
}, 60_000)

afterAll(async () => {
  await daemon?.close()
  await as?.close()
})

interface Signed {
  env: Record<string, string>
  tokenFile: string
}

async function signIn(user = 'alice', scopes = ['briefd:read']): Promise<Signed> {
  const dir = tempDir('briefd-user-')
  const env = { BRIEFD_CONFIG_DIR: `${dir}/config`, BRIEFD_TOKEN_FILE: `${dir}/token.json` }
  const lines = new Lines()
  const done = login({
    remote,
    clientId: 'briefd-cli',
    noBrowser: true,
    scopes,
    env,
    say: lines.say,
  })
  const url = await lines.next(/^https:\/\//)
  await new TestBrowser().walk(url, { login: user, stopAt: 'http://127.0.0.1:' })
  await done
  return { env, tokenFile: env.BRIEFD_TOKEN_FILE }
}

const start = (s: Signed, budgetMs = 5000): ReturnType<typeof startHostSession> =>
  startHostSession({
    deadline: createDeadline(budgetMs),
    logger: silentLogger,
    env: s.env,
    remote: new URL(remote),
    host: null as never,
  })

function client(s: Signed): BriefdClient {
  return new BriefdClient({
    env: s.env,
    timeoutMs: 3000,
    cacheTtlMs: 1,
    renewSession: remoteRenewer(new URL(remote), s.env, silentLogger),
  })
}

describe('session start --remote', () => {
  it('discovers from the daemon, exchanges the sign-in, and writes only a session token', async () => {
    const s = await signIn()
    const stored = readSignin(remote, s.env)
    const asRequests = as.requests.length
    const r = await start(s)
    // A valid cached access token: the exchange is the only request, none to the authorization server.
    expect(as.requests.length).toBe(asRequests)
    const raw = readFileSync(s.tokenFile, 'utf8')
    const record = readTokenFile(s.tokenFile)
    expect(r.sessionId).toBe(record.session_id)
    expect(record.daemon_url).toBe(remote)
    for (const secret of [stored?.access_token, stored?.refresh_token])
      expect(raw).not.toContain(secret)
    const c = client(s)
    const instructions = await c.instructions()
    expect(instructions.source).toBe('daemon')
    expect(instructions.text).toContain(content.canary.instructions)
    const t = await c.render('verdict', { verdict: 'APPROVE', target: 'x' })
    expect(t.text).toContain(content.canary.template)
  })

  it('a session outlives many session tokens, renewed from the sign-in without a restart', async () => {
    const s = await signIn()
    await start(s)
    const c = client(s)
    const seen = new Set<string>()
    for (let i = 0; i < 5; i++) {
      offset += 70_000 // the session token (1 min) has expired by the daemon's clock
      await new Promise((r) => setTimeout(r, 5)) // past the 1 ms content cache
      const r = await c.template('verdict')
      // 'cache' is a 304 from the daemon (the ETag still matches), which needs a valid token too.
      expect(['daemon', 'cache']).toContain(r.source)
      expect(r.reason).toBeUndefined()
      expect(r.text).toContain(content.canary.template)
      seen.add(readTokenFile(s.tokenFile).token)
    }
    expect(seen.size).toBe(5)
  })

  it('recovers without a restart when the authorization server was down at renewal time', async () => {
    const s = await signIn()
    await start(s)
    let later = 0
    const c = new BriefdClient({
      env: s.env,
      timeoutMs: 3000,
      cacheTtlMs: 1,
      now: () => Date.now() + later,
      renewSession: remoteRenewer(new URL(remote), s.env, silentLogger),
    })
    const stored = readSignin(remote, s.env)
    if (!stored) throw new Error('not signed in')
    writeSignin({ ...stored, access_expires_at: Date.now() - 1000 }, s.env)
    await as.stop()
    try {
      offset += 70_000
      const down = await c.template('verdict', { fallback: 'generic' })
      expect(down.source).toBe('fallback')
      expect(down.reason?.code).toBe('ERR_AUTH_SERVER_UNAVAILABLE')
    } finally {
      await as.start()
    }
    later += 31_000 // the next renewal attempt is due
    await new Promise((r) => setTimeout(r, 5))
    const back = await c.template('verdict', { fallback: 'generic' })
    expect(back.source).toBe('daemon')
    expect(back.text).toContain(content.canary.template)
  })

  it('sign-out mid-session ends it: generic content once the session token is refused', async () => {
    const s = await signIn()
    await start(s)
    const c = client(s)
    expect((await c.template('verdict')).source).toBe('daemon')
    await logout(remote, s.env)
    offset += 70_000
    const r = await c.template('verdict', { fallback: 'generic' })
    expect(r.source).toBe('fallback')
    expect(r.text).toBe('generic')
    expect(r.reason?.code).toBe('ERR_SIGNIN_REQUIRED')
    expect(r.reason?.message).toContain(`briefd login ${remote}`)
  })

  it('with the authorization server down and the access token expired, fails within its deadline naming the fix', async () => {
    const s = await signIn()
    const stored = readSignin(remote, s.env)
    if (!stored) throw new Error('not signed in')
    writeSignin({ ...stored, access_expires_at: Date.now() - 1000 }, s.env)
    await as.stop()
    try {
      const t0 = performance.now()
      const err = await expectRejection(start(s, 2000), 'ERR_AUTH_SERVER_UNAVAILABLE')
      expect(performance.now() - t0).toBeLessThan(2500)
      expect(err.message).toMatch(/briefd doctor --remote/)
      expect(err.message).not.toContain(stored.refresh_token)
    } finally {
      await as.start()
    }
    // Back up: the refresh token was not lost.
    await expect(start(s)).resolves.toBeTruthy()
  })
})

describe('credentials the daemon refuses', () => {
  it('a token for another resource gets no session', async () => {
    const other = await as.mint({ clientId: 'ci-machine', resource: 'https://other.example' })
    const err = await expectRejection(
      exchangeForSession({ url: remote, credential: other, timeoutMs: 3000 }),
      'ERR_DAEMON_REJECTED',
    )
    expect(err.details.status).toBe(401)
  })

  it('an API key signs a machine in; revoking it ends the session after renewal', async () => {
    const created = await createApiKey(daemon.stateDir, {
      name: 'ci',
      scopes: ['briefd:read'],
      ttlSeconds: 3600,
    })
    const dir = tempDir('briefd-ci-')
    writeFileSync(`${dir}/key`, `${created.key}\n`, { mode: 0o600 })
    const s: Signed = {
      env: { BRIEFD_CONFIG_DIR: `${dir}/config`, BRIEFD_TOKEN_FILE: `${dir}/token.json` },
      tokenFile: `${dir}/token.json`,
    }
    await login({ remote, apiKeyFile: `${dir}/key`, env: s.env, say: () => undefined })
    await expect.poll(async () => (await start(s).catch(() => undefined)) !== undefined).toBe(true)
    expect(readFileSync(s.tokenFile, 'utf8')).not.toContain(created.key)
    const c = client(s)
    expect((await c.instructions()).text).toContain(content.canary.instructions)
    await revokeApiKey(daemon.stateDir, created.record.id)
    await expect
      .poll(async () => (await c.voice({ fallback: 'generic' })).source, { timeout: 8000 })
      .toBe('fallback')
  })
})

describe('scopes', () => {
  it('403 insufficient_scope names the scope and the login --scope step-up', async () => {
    const s = await signIn()
    await start(s)
    const r = await client(s).template('scoring-rubric', { fallback: 'generic' })
    expect(r.source).toBe('fallback')
    expect(r.reason?.code).toBe('ERR_SCOPE_INSUFFICIENT')
    expect(r.reason?.message).toContain(`briefd login ${remote} --scope "briefd:scoring"`)
    // The step-up it names works: signed in with the scope, the template arrives.
    const up = await signIn('alice', ['briefd:read', 'briefd:scoring'])
    await start(up)
    const again = await client(up).template('scoring-rubric')
    expect(again.source).toBe('daemon')
    expect(again.text).toContain('SCORING rubric')
  })
})

describe('briefd headers', () => {
  it('prints a session token, never the access token, and reuses it while valid', async () => {
    const s = await signIn()
    const stored = readSignin(remote, s.env)
    const a = await authorizationHeaders(remote, { env: s.env, timeoutMs: 5000 })
    expect(Object.keys(a)).toEqual(['Authorization'])
    expect(a.Authorization).not.toContain(stored?.access_token ?? 'x')
    const requestsBefore = as.requests.length
    const t0 = performance.now()
    const b = await authorizationHeaders(remote, { env: s.env, timeoutMs: 5000 })
    expect(performance.now() - t0).toBeLessThan(150)
    expect(b).toEqual(a)
    expect(as.requests.length).toBe(requestsBefore)
    const token = a.Authorization.replace('Bearer ', '')
    const res = await fetch(`${remote}/v1/instructions`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(res.status).toBe(200)
  })
})

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** The built CLI (run `npm run build` first), as a user would run it. */
function briefd(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [resolvePath('bin/briefd.js'), ...args],
      { env: childEnv(env), timeout: 20_000 },
      (err, stdout, stderr) =>
        done({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    )
  })
}

describe('the briefd CLI for a machine with an API key', () => {
  it('login --api-key-file, whoami, headers, session start --remote, install --remote, logout', async () => {
    const created = await createApiKey(daemon.stateDir, {
      name: 'ci-cli',
      scopes: ['briefd:read'],
      ttlSeconds: 3600,
    })
    const dir = tempDir('briefd-cli-')
    writeFileSync(`${dir}/key`, `${created.key}\n`, { mode: 0o600 })
    const env = { BRIEFD_CONFIG_DIR: `${dir}/config`, BRIEFD_TOKEN_FILE: `${dir}/token.json` }

    const signed = await briefd(['login', remote, '--api-key-file', `${dir}/key`], env)
    expect(signed).toMatchObject({ code: 0, stdout: '' })
    expect(signed.stderr).toContain(`Signed in to ${remote}`)

    const me = await briefd(['whoami', remote], env)
    expect(me.code).toBe(0)
    expect(JSON.parse(me.stdout)).toMatchObject({ remote, kind: 'api_key' })
    expect(me.stdout + me.stderr).not.toContain(created.key)

    await expect
      .poll(async () => (await briefd(['headers', remote], env)).code, { timeout: 8000 })
      .toBe(0)
    const h = await briefd(['headers', remote], env)
    expect(h.stdout.split('\n').filter((l) => l !== '')).toHaveLength(1)
    const headers = JSON.parse(h.stdout) as Record<string, string>
    expect(Object.keys(headers)).toEqual(['Authorization'])
    expect(headers.Authorization).toMatch(/^Bearer \S+$/)
    expect(headers.Authorization).not.toContain(created.key)
    const res = await fetch(`${remote}/v1/instructions`, {
      headers: { authorization: headers.Authorization ?? '' },
    })
    expect(res.status).toBe(200)

    const hook = await briefd(['session', 'start', '--remote', remote], env)
    expect(hook).toMatchObject({ code: 0, stdout: '' })
    expect(readTokenFile(env.BRIEFD_TOKEN_FILE).daemon_url).toBe(remote)

    const project = tempDir('briefd-proj-')
    const inst = await briefd(
      ['install', '--remote', remote, '--transport', 'http', '--project-dir', project],
      env,
    )
    expect(inst.code).toBe(0)
    const mcp = JSON.parse(readFileSync(`${project}/.mcp.json`, 'utf8'))
    expect(mcp.mcpServers.briefd).toMatchObject({ type: 'http', url: `${remote}/mcp` })
    expect(mcp.mcpServers.briefd.headersHelper).toMatch(/headers https:\/\/127\.0\.0\.1:\d+$/)
    const stdio = tempDir('briefd-proj-')
    await briefd(['install', '--remote', remote, '--project-dir', stdio], env)
    const settings = readFileSync(`${stdio}/.claude/settings.json`, 'utf8')
    expect(settings).toContain(`session start --remote ${remote}`)
    expect(settings).toContain(env.BRIEFD_CONFIG_DIR) // the credentials dir is read-denied
    expect(JSON.parse(readFileSync(`${stdio}/.mcp.json`, 'utf8')).mcpServers.briefd.args).toContain(
      '--remote',
    )

    const out = await briefd(['logout', remote], env)
    expect(out.code).toBe(0)
    expect(existsSync(`${dir}/config/credentials`)).toBe(true)
    expect((await briefd(['whoami', remote], env)).stderr).toContain(`briefd login ${remote}`)
  })

  it('BRIEFD_API_KEY alone is enough: no login, nothing stored', async () => {
    const created = await createApiKey(daemon.stateDir, {
      name: 'ci-env',
      scopes: ['briefd:read'],
      ttlSeconds: 3600,
    })
    const config = `${tempDir()}/config`
    const env = { BRIEFD_CONFIG_DIR: config, BRIEFD_API_KEY: created.key }
    await expect
      .poll(async () => (await briefd(['headers', remote], env)).code, { timeout: 8000 })
      .toBe(0)
    const h = await briefd(['headers', remote], env)
    expect(JSON.parse(h.stdout).Authorization).not.toContain(created.key)
    expect(existsSync(config)).toBe(false)
  })

  it('refuses plain http to a non-loopback host with one line, exit 1', async () => {
    const r = await briefd(['login', 'http://briefd.example.com'], {
      BRIEFD_CONFIG_DIR: tempDir(),
    })
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/must be https/)
  })
})

describe('briefd doctor --remote', () => {
  it('passes every check for a signed-in user, through a real briefd mcp initialize', async () => {
    const s = await signIn()
    const results = await runRemoteDoctor(new URL(remote), { env: s.env })
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['sign-in', 'pass'],
      ['reachable (TLS)', 'pass'],
      ['metadata', 'pass'],
      ['token exchange', 'pass'],
      ['briefd mcp', 'pass'],
    ])
    const printed = JSON.stringify(results)
    expect(printed).not.toContain(content.canary.instructions)
    expect(printed).not.toContain(readSignin(remote, s.env)?.refresh_token ?? 'x')
  })

  it('without a sign-in, names the fix and skips what depends on it', async () => {
    const results = await runRemoteDoctor(new URL(remote), {
      env: { BRIEFD_CONFIG_DIR: tempDir() },
    })
    expect(results[0]).toMatchObject({
      name: 'sign-in',
      status: 'fail',
      fix: `briefd login ${remote}`,
    })
    expect(results.find((r) => r.name === 'token exchange')?.status).toBe('skip')
    expect(results.find((r) => r.name === 'metadata')?.status).toBe('pass')
  })
})

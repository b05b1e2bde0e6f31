// The Claude Code host simulation against a hosted daemon: `briefd serve --resource` over
// HTTPS (the run's test CA, trusted through NODE_EXTRA_CA_CERTS) and a real oidc-provider.
// The user signs in once (the test plays the browser); then the host's hooks and `briefd mcp`
// run with BRIEFD_REMOTE: confidential instructions and a template arrive, `/clear` keeps the
// session, sign-out mid-session ends it, and nothing but a session token reaches the token file.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { makeContent, leakedCanaries, type TestContent } from '../helpers/content.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { startSimulatedHost, type SimulatedHost } from '../helpers/claude-host.js'
import { firstText, GENERIC, testManifest } from '../helpers/mcp.js'
import { TestAuthServer } from '../helpers/oidc.js'
import { TestBrowser } from '../helpers/browser.js'
import { Lines } from '../helpers/signin.js'
import { testTls } from '../helpers/tls.js'
import { tempDir } from '../helpers/tmp.js'
import { login, logout } from '../../src/signin/login.js'
import { readSignin } from '../../src/signin/store.js'

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
let manifest: string
let offset = 0
const hosts: SimulatedHost[] = []

beforeAll(async () => {
  content = makeContent()
  const port = await freePort()
  remote = `https://127.0.0.1:${port}`
  as = await TestAuthServer.start({
    clients: [],
    publicClients: ['briefd-cli'],
    resources: [remote],
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
  manifest = join(tempDir(), 'tools.json')
  writeFileSync(manifest, JSON.stringify(testManifest()))
}, 60_000)
afterAll(async () => {
  await daemon?.close()
  await as?.close()
})
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close()
})

async function signedInHost(): Promise<SimulatedHost & { config: string; runtime: string }> {
  const config = join(tempDir('briefd-user-'), 'config')
  const lines = new Lines()
  const done = login({
    remote,
    clientId: 'briefd-cli',
    noBrowser: true,
    env: { BRIEFD_CONFIG_DIR: config },
    say: lines.say,
  })
  await new TestBrowser().walk(await lines.next(/^https:\/\//), { stopAt: 'http://127.0.0.1:' })
  await done
  const runtime = join(tempDir(), 'run')
  const h = await startSimulatedHost({
    BRIEFD_CONFIG_DIR: config,
    BRIEFD_RUNTIME_DIR: runtime,
    BRIEFD_TOOLS: manifest,
    BRIEFD_REMOTE: remote,
    BRIEFD_CACHE_TTL_MS: '1',
  })
  hosts.push(h)
  return Object.assign(h, { config, runtime })
}

const START = { hook_event_name: 'SessionStart', source: 'startup', session_id: 's-1' }
const END = (reason: string) => ({ hook_event_name: 'SessionEnd', reason, session_id: 's-1' })

function expectQuietHook(r: { code: number | null; stdout: string; stderr: string }): void {
  expect(r.code).toBe(0)
  expect(r.stdout).toBe('')
  expect(leakedCanaries(content, r.stderr)).toEqual([])
}

const verdict = { name: 'give_verdict', arguments: { verdict: 'APPROVE', target: 'x' } }

describe('a Claude Code host against a hosted briefd', () => {
  it('delivers confidential instructions and a template; the token file holds only a session token', async () => {
    const h = await signedInHost()
    expectQuietHook(await h.hook('start', START))
    const files = readdirSync(h.runtime).filter((f) => f.endsWith('.json'))
    expect(files).toHaveLength(1)
    const raw = readFileSync(join(h.runtime, files[0] ?? ''), 'utf8')
    const stored = readSignin(remote, { BRIEFD_CONFIG_DIR: h.config })
    expect(raw).toContain(remote)
    for (const secret of [stored?.access_token, stored?.refresh_token])
      expect(raw).not.toContain(secret)
    await h.spawnMcp()
    await h.connect()
    expect(h.client.getInstructions()).toContain(content.canary.instructions)
    expect(firstText(await h.client.callTool(verdict))).toContain(content.canary.template)
    // SessionEnd: the file goes, and the hosted daemon revokes the session token.
    const token = JSON.parse(raw).token as string
    expectQuietHook(await h.hook('end', END('logout')))
    expect(readdirSync(h.runtime).filter((f) => f.endsWith('.json'))).toHaveLength(0)
    const res = await fetch(`${remote}/v1/instructions`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(res.status).toBe(401)
  })

  it('keeps working across /clear and after the session token expired', async () => {
    const h = await signedInHost()
    expectQuietHook(await h.hook('start', START))
    await h.spawnMcp()
    await h.connect()
    expectQuietHook(await h.hook('end', END('clear')))
    expectQuietHook(await h.hook('start', { ...START, source: 'clear' }))
    expect(firstText(await h.client.callTool(verdict))).toContain(content.canary.template)
    offset += 70_000 // the 1-minute session token has expired: briefd mcp renews it
    expect(firstText(await h.client.callTool(verdict))).toContain(content.canary.template)
  })

  it('sign-out mid-session: generic content from the next fetch once the token is refused', async () => {
    const h = await signedInHost()
    expectQuietHook(await h.hook('start', START))
    await h.spawnMcp()
    await h.connect()
    expect(firstText(await h.client.callTool(verdict))).toContain(content.canary.template)
    await logout(remote, { BRIEFD_CONFIG_DIR: h.config })
    offset += 70_000
    const text = firstText(await h.client.callTool(verdict))
    expect(text).toContain(
      GENERIC.verdict.replace('{{verdict}}', 'APPROVE').replace('{{target}}', 'x'),
    )
    expect(text).not.toContain(content.canary.template)
    expect(h.stderr()).toContain(`briefd login ${remote}`)
  })

  it('a hook without a sign-in exits 0 with one line naming the fix', async () => {
    const runtime = join(tempDir(), 'run')
    const h = await startSimulatedHost({
      BRIEFD_CONFIG_DIR: join(tempDir(), 'nobody'),
      BRIEFD_RUNTIME_DIR: runtime,
      BRIEFD_TOOLS: manifest,
      BRIEFD_REMOTE: remote,
    })
    hosts.push(h)
    const r = await h.hook('start', START)
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('')
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain(`run: briefd login ${remote}`)
  })
})

// Issue 4's host simulation: a stand-in `claude` process runs the session hooks through
// `/bin/sh -c` with hook JSON on stdin and `briefd mcp` as its own child (directly, and once
// behind npx), against the real daemon. Confidential instructions must arrive whichever of
// hook and server starts first; SessionEnd must cut the session off; `/clear` must not.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { makeContent, leakedCanaries, type TestContent } from '../helpers/content.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { startSimulatedHost, type SimulatedHost } from '../helpers/claude-host.js'
import { firstText, GENERIC, sourceOf, testManifest } from '../helpers/mcp.js'
import { rawRequest } from '../helpers/http.js'
import { tempDir } from '../helpers/tmp.js'

let content: TestContent
let daemon: TestDaemon
let manifest: string
const hosts: SimulatedHost[] = []

beforeAll(async () => {
  content = makeContent()
  daemon = await startTestDaemon({ contentDir: content.dir })
  manifest = join(tempDir(), 'tools.json')
  writeFileSync(manifest, JSON.stringify(testManifest()))
})
afterAll(async () => {
  await daemon.close()
})
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close()
})

async function host(
  runtimeDir: string = join(tempDir(), 'run'),
): Promise<SimulatedHost & { runtimeDir: string }> {
  const h = await startSimulatedHost({
    BRIEFD_STATE_DIR: daemon.stateDir,
    BRIEFD_RUNTIME_DIR: runtimeDir,
    BRIEFD_TOOLS: manifest,
  })
  hosts.push(h)
  return Object.assign(h, { runtimeDir })
}

const START = {
  hook_event_name: 'SessionStart',
  source: 'startup',
  session_id: 's-1',
  cwd: '/tmp',
  transcript_path: '/tmp/t.jsonl',
}
const END = (reason: string) => ({
  hook_event_name: 'SessionEnd',
  reason,
  session_id: 's-1',
  cwd: '/tmp',
  transcript_path: '/tmp/t.jsonl',
})

function expectQuietHook(r: { code: number | null; stdout: string; stderr: string }): void {
  expect(r.code).toBe(0)
  expect(r.stdout).toBe('')
  expect(leakedCanaries(content, r.stderr)).toEqual([])
}

function expectJsonRpcOnly(h: SimulatedHost): void {
  const out = Buffer.concat(h.transport.raw).toString('utf8')
  for (const line of out.split('\n').filter((l) => l !== ''))
    expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' })
}

describe('a Claude Code host with the briefd hooks and MCP server', () => {
  it('delivers the confidential instructions when the hook runs first', async () => {
    const h = await host()
    expectQuietHook(await h.hook('start', START))
    await h.spawnMcp()
    await h.connect()
    expect(h.client.getInstructions()).toContain(content.canary.instructions)
    const r = await h.client.callTool({
      name: 'give_verdict',
      arguments: { verdict: 'APPROVE', target: 'x' },
    })
    expect(firstText(r)).toContain(content.canary.template)
    expectJsonRpcOnly(h)
  })

  it.each([300, 1000])(
    'delivers them when the hook runs %i ms after the server started',
    async (lateMs) => {
      const h = await host()
      await h.spawnMcp()
      const initialized = h.connect()
      await sleep(lateMs)
      expectQuietHook(await h.hook('start', START))
      await initialized
      expect(h.client.getInstructions()).toContain(content.canary.instructions)
      expect(h.stderr()).not.toMatch(/warn/)
    },
  )

  it('delivers them when the server runs behind npx', async () => {
    const h = await host()
    expectQuietHook(await h.hook('start', START))
    await h.spawnMcp('npx')
    await h.connect()
    expect(h.client.getInstructions()).toContain(content.canary.instructions)
  })

  it('falls back after SessionEnd: the token is revoked and the file gone', async () => {
    const h = await host()
    expectQuietHook(await h.hook('start', START))
    await h.spawnMcp()
    await h.connect()
    const tokenFile = readdirSync(h.runtimeDir).find((f) => f.startsWith('host-'))
    expect(tokenFile).toBeDefined()
    const { readFileSync } = await import('node:fs')
    const { token } = JSON.parse(readFileSync(join(h.runtimeDir, tokenFile ?? ''), 'utf8')) as {
      token: string
    }
    expectQuietHook(await h.hook('end', END('prompt_input_exit')))
    expect(existsSync(join(h.runtimeDir, tokenFile ?? ''))).toBe(false)
    expect(
      (
        await rawRequest(daemon.port, {
          path: '/v1/sessions/current',
          headers: [['Authorization', `Bearer ${token}`]],
        })
      ).status,
    ).toBe(401)
    const r = await h.client.callTool({ name: 'hidden', arguments: {} })
    expect(sourceOf(r)).toBe('fallback')
    expect(firstText(r)).toContain('GENERIC-HIDDEN')
    expect(leakedCanaries(content, JSON.stringify(r))).toEqual([])
  })

  it('keeps working across /clear (SessionEnd clear, then SessionStart clear)', async () => {
    const h = await host()
    expectQuietHook(await h.hook('start', START))
    await h.spawnMcp()
    await h.connect()
    const { readFileSync } = await import('node:fs')
    const file = join(
      h.runtimeDir,
      readdirSync(h.runtimeDir).find((f) => f.startsWith('host-')) ?? '',
    )
    const before = JSON.parse(readFileSync(file, 'utf8')) as { token: string; session_id: string }
    expectQuietHook(await h.hook('end', END('clear')))
    expectQuietHook(await h.hook('start', { ...START, source: 'clear', session_id: 's-2' }))
    const after = JSON.parse(readFileSync(file, 'utf8')) as { token: string; session_id: string }
    expect(after.session_id).not.toBe(before.session_id)
    // The old token is revoked once its replacement is in place.
    const old = await rawRequest(daemon.port, {
      path: '/v1/sessions/current',
      headers: [['Authorization', `Bearer ${before.token}`]],
    })
    expect(old.status).toBe(401)
    const r = await h.client.callTool({ name: 'hidden', arguments: {} })
    expect(sourceOf(r)).toBe('current')
    expect(firstText(r)).toContain(content.canary.secretTemplate)
  })

  it('keeps two hosts side by side apart', async () => {
    const runtimeDir = join(tempDir(), 'shared-run')
    const a = await host(runtimeDir)
    const b = await host(runtimeDir)
    expectQuietHook(await a.hook('start', START))
    await a.spawnMcp()
    await b.spawnMcp()
    await Promise.all([a.connect(), b.connect()])
    expect(a.client.getInstructions()).toContain(content.canary.instructions)
    // b's hook never ran: b must not pick up a's token.
    expect(b.client.getInstructions()).toBe(GENERIC.instructions)
    expect(leakedCanaries(content, b.client.getInstructions() ?? '')).toEqual([])
    expectQuietHook(await b.hook('start', START))
    expect(readdirSync(runtimeDir).filter((f) => f.startsWith('host-'))).toHaveLength(2)
    expect(firstText(await b.client.callTool({ name: 'hidden', arguments: {} }))).toContain(
      content.canary.secretTemplate,
    )
    expectQuietHook(await a.hook('end', END('logout')))
    expect(sourceOf(await a.client.callTool({ name: 'hidden', arguments: {} }))).toBe('fallback')
    expect(
      sourceOf(
        await b.client.callTool({
          name: 'give_verdict',
          arguments: { verdict: 'REJECT', target: 'y' },
        }),
      ),
    ).toBe('current')
  })
})

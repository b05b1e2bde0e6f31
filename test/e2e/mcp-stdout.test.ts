// stdout of `briefd mcp` belongs to JSON-RPC: a raw session (no SDK client in between) whose
// every stdout line must be a JSON-RPC message, through normal calls, invalid input, garbage
// on stdin and fallbacks; and start-up errors that print one stderr line and nothing else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { leakedCanaries, type TestContent } from '../helpers/content.js'
import type { TestDaemon } from '../helpers/daemon.js'
import { BIN, childEnv, writeSessionTokenFile } from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'
import { startMcpFixture } from '../helpers/mcp-fixture.js'

let content: TestContent
let daemon: TestDaemon
let manifestPath: string
let tokenPath: string

beforeAll(async () => {
  ;({ content, daemon, manifestPath, tokenPath } = await startMcpFixture())
})
afterAll(async () => {
  await daemon.close()
})

interface Run {
  stdout: Buffer
  stderr: string
  code: number | null
}

/** Runs `briefd mcp`, writes `lines` to stdin one by one, closes stdin once `expectReplies` answers came. */
async function run(
  args: string[],
  env: Record<string, string>,
  lines: string[],
  expectReplies: number,
): Promise<Run> {
  const child = spawn(process.execPath, [BIN, 'mcp', ...args], {
    env: childEnv(env),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const exited = once(child, 'exit') as Promise<[number | null]>
  const out: Buffer[] = []
  let stderr = ''
  let replies = 0
  const done = new Promise<void>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      out.push(d)
      replies += d
        .toString('utf8')
        .split('\n')
        .filter((l) => l.includes('"id"')).length
      if (replies >= expectReplies) resolve()
    })
    void exited.then(() => resolve())
  })
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()))
  // A process that exits at once closes its stdin: ignore EPIPE on our side.
  child.stdin.on('error', () => {})
  for (const l of lines) child.stdin.write(`${l}\n`)
  await done
  child.stdin.end()
  const [code] = await exited
  return { stdout: Buffer.concat(out), stderr, code }
}

const init = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'raw', version: '1' },
  },
}
const session = [
  JSON.stringify(init),
  JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
  JSON.stringify({
    jsonrpc: '2.0',
    id: 3,
    method: 'tools/call',
    params: { name: 'give_verdict', arguments: { verdict: 'APPROVE', target: 'x\ny' } },
  }),
  JSON.stringify({
    jsonrpc: '2.0',
    id: 4,
    method: 'tools/call',
    params: { name: 'give_verdict', arguments: { verdict: 42 } },
  }),
  JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'no-such-tool' } }),
  JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'prompts/get', params: { name: 'briefing' } }),
  JSON.stringify({
    jsonrpc: '2.0',
    id: 7,
    method: 'tools/call',
    params: { name: 'missing', arguments: {} },
  }),
  'this is not json',
  JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'no/such/method' }),
  JSON.stringify({
    jsonrpc: '2.0',
    id: 9,
    method: 'tools/call',
    params: { name: 'read_briefing', arguments: { x: 1 } },
  }),
  JSON.stringify({ jsonrpc: '2.0', id: 10, method: 'ping' }),
]

function expectOnlyJsonRpc(stdout: Buffer): unknown[] {
  const text = stdout.toString('utf8')
  expect(text.endsWith('\n')).toBe(true)
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const msg = JSON.parse(line) as Record<string, unknown>
      expect(msg.jsonrpc).toBe('2.0')
      expect('result' in msg || 'error' in msg || 'method' in msg).toBe(true)
      return msg
    })
}

describe('briefd mcp stdout', () => {
  it.each([
    [
      'with a valid token',
      () => ({
        BRIEFD_TOOLS: manifestPath,
        BRIEFD_TOKEN_FILE: tokenPath,
        BRIEFD_LOG_LEVEL: 'debug',
      }),
    ],
    ['without a token', () => ({ BRIEFD_TOOLS: manifestPath, BRIEFD_LOG_LEVEL: 'debug' })],
    [
      'with the daemon unreachable',
      () => {
        const path = join(tempDir('briefd-down-'), 'token.json')
        writeSessionTokenFile(
          path,
          { token: 't', session_id: 's', expires_at: new Date(Date.now() + 60_000).toISOString() },
          'http://127.0.0.1:9',
        )
        return { BRIEFD_TOOLS: manifestPath, BRIEFD_TOKEN_FILE: path, BRIEFD_LOG_LEVEL: 'debug' }
      },
    ],
  ])('carries nothing but JSON-RPC %s', async (_label, env) => {
    const r = await run([], env(), session, 10)
    const messages = expectOnlyJsonRpc(r.stdout)
    expect(messages.map((m) => (m as { id?: unknown }).id)).toEqual(
      expect.arrayContaining([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
    )
    expect(r.code).toBe(0)
    expect(leakedCanaries(content, r.stderr)).toEqual([])
  })

  it.each([
    [['--help'], 0, /Usage: briefd mcp/],
    [['--timeout-ms', 'soon'], 1, /--timeout-ms must be an integer 1–60000 \(got "soon"\)/],
    [['--grace-ms=-5'], 1, /--grace-ms must be an integer 0–10000/],
    [['--cache-ttl-ms', '0'], 1, /--cache-ttl-ms must be an integer/],
    [['--cache-max', '1e3'], 1, /--cache-max must be an integer/],
    [['--bogus'], 1, /unknown option "--bogus"/],
    [['--timout-ms', '5'], 1, /unknown option "--timout-ms"; did you mean --timeout-ms\?/],
    [['--tools'], 1, /--tools needs a value/],
    [
      ['--tools', '/nonexistent/tools.json'],
      1,
      /tool manifest \/nonexistent\/tools.json does not exist/,
    ],
  ])(
    'prints nothing on stdout for %j and exits %i with one stderr message',
    async (args, code, message) => {
      const r = await run(args, { BRIEFD_TOOLS: manifestPath }, [JSON.stringify(init)], 1)
      expect(r.stdout.length).toBe(0)
      expect(r.code).toBe(code)
      expect(r.stderr).toMatch(message)
      if (code !== 0) expect(r.stderr.trim().split('\n')).toHaveLength(1)
    },
  )

  it.each([
    ['BRIEFD_TIMEOUT_MS', 'x'],
    ['BRIEFD_GRACE_MS', '99999'],
    ['BRIEFD_CACHE_TTL_MS', '-1'],
    ['BRIEFD_CACHE_MAX', '0'],
  ])('refuses %s=%s naming the variable', async (name, value) => {
    const r = await run(
      [],
      { BRIEFD_TOOLS: manifestPath, [name]: value },
      [JSON.stringify(init)],
      1,
    )
    expect(r.stdout.length).toBe(0)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`${name} must be an integer`)
  })
})

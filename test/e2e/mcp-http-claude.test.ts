// The README's Claude Code commands for /mcp, run with the real (pinned) Claude Code CLI:
// `claude mcp add --transport http NAME URL --header "Authorization: Bearer …"` with a token from
// `briefd token`, then `claude mcp list`, which connects to the endpoint. The daemon is a real
// `briefd serve --tools` process (the CLI runs synchronously, so it cannot share our loop).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { ensureClaudeCode, runClaude, type ClaudeCode } from '../helpers/claude-code.js'
import { BIN, EXAMPLE_TOOLS, childEnv } from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'

let claude: ClaudeCode
let child: ChildProcess
let url: string
let stateDir: string

beforeAll(async () => {
  claude = ensureClaudeCode()
  stateDir = join(tempDir('briefd-claude-http-'), 'state')
  child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--port',
      '0',
      '--state-dir',
      stateDir,
      '--content',
      'examples/content',
      '--tools',
      EXAMPLE_TOOLS,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: childEnv() },
  )
  let stderr = ''
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listen line: ${stderr}`)), 15_000)
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString()
      const m = /daemon listening on (http:\/\/\S+)/.exec(stderr)
      if (m?.[1]) {
        clearTimeout(timer)
        resolve(m[1])
      }
    })
  })
}, 300_000)
afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    await exited
  }
})

describe('Claude Code with --transport http', { timeout: 180_000 }, () => {
  const cc = (skip: (note?: string) => void): Extract<ClaudeCode, { ok: true }> => {
    if (!claude.ok && claude.offline) skip(claude.reason)
    if (!claude.ok) throw new Error(claude.reason)
    return claude as Extract<ClaudeCode, { ok: true }>
  }

  it('adds /mcp with a bearer header from `briefd token`, and connects', ({ skip }) => {
    const token = execFileSync(
      process.execPath,
      [BIN, 'token', '--state-dir', stateDir, '--ttl', '1h'],
      {
        env: childEnv(),
        encoding: 'utf8',
      },
    ).trim()
    const o = { cwd: tempDir('briefd-claude-proj-'), env: { HOME: tempDir('briefd-claude-home-') } }
    const add = runClaude(
      cc(skip),
      [
        'mcp',
        'add',
        '--transport',
        'http',
        'reviewer',
        `${url}/mcp`,
        '--header',
        `Authorization: Bearer ${token}`,
      ],
      o,
    )
    expect(add.status, add.stdout + add.stderr).toBe(0)
    const list = runClaude(cc(skip), ['mcp', 'list'], o)
    const line = list.stdout.split('\n').find((l) => l.startsWith('reviewer:'))
    expect(line, list.stdout + list.stderr).toContain(`${url}/mcp (HTTP)`)
    expect(line).toContain('✔ Connected')
    expect(list.stdout + list.stderr).not.toContain(token)
  })

  it('without the header, does not connect', ({ skip }) => {
    const o = { cwd: tempDir('briefd-claude-proj-'), env: { HOME: tempDir('briefd-claude-home-') } }
    const add = runClaude(
      cc(skip),
      ['mcp', 'add', '--transport', 'http', 'reviewer', `${url}/mcp`],
      o,
    )
    expect(add.status, add.stdout + add.stderr).toBe(0)
    const list = runClaude(cc(skip), ['mcp', 'list'], o)
    const line = list.stdout.split('\n').find((l) => l.startsWith('reviewer:'))
    expect(line, list.stdout + list.stderr).toBeDefined()
    expect(line).not.toContain('✔ Connected')
  })
})

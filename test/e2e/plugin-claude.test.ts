// A plugin built by `briefd plugin build` from the example manifest, checked the way its
// users will meet it: the real Claude Code CLI (pinned) validates it and connects to its MCP
// server; the bundled hooks and MCP server, copied where no node_modules exist, get the
// confidential content from a real daemon; and no line of the content is inside it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import {
  CLAUDE_CODE_VERSION,
  ensureClaudeCode,
  runClaude,
  type ClaudeCode,
} from '../helpers/claude-code.js'
import { contentPieces, filesUnder, leaks } from '../helpers/content-scan.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { rawRequest } from '../helpers/http.js'
import { BIN, childEnv, firstText, sourceOf } from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'

const CONTENT_DIR = resolve('examples/content')
const RUNTIME = 'runtime/briefd.mjs'

let claude: ClaudeCode
let built: string
let daemon: TestDaemon

beforeAll(async () => {
  built = join(tempDir('briefd-plugin-'), 'lanternfish')
  const r = spawnSync(
    process.execPath,
    [
      BIN,
      'plugin',
      'build',
      '--manifest',
      'examples/tools.json',
      '--out',
      built,
      '--content',
      CONTENT_DIR,
    ],
    { encoding: 'utf8' },
  )
  if (r.status !== 0) throw new Error(`plugin build failed: ${r.stderr}`)
  daemon = await startTestDaemon({ contentDir: CONTENT_DIR })
  claude = ensureClaudeCode()
  // Said out loud, not only in the skip note: a skipped CLI check must never pass unnoticed.
  if (!claude.ok)
    console.warn(`plugin-claude: skipping the Claude Code CLI checks: ${claude.reason}`)
}, 300_000)
afterAll(async () => {
  await daemon?.close()
})

/** A copy of the plugin in a fresh temp dir, with no node_modules in it or above it. */
function isolatedCopy(): string {
  const dir = join(tempDir('briefd-plugin-copy-'), 'plugin')
  cpSync(built, dir, { recursive: true })
  for (let d = dir; ; d = dirname(d)) {
    expect(existsSync(join(d, 'node_modules')), `node_modules in ${d}`).toBe(false)
    if (dirname(d) === d) break
  }
  return dir
}

// Each case runs the CLI (a 400 MB native binary) once to three times: slow on a busy machine.
describe('the built plugin in the real Claude Code CLI', { timeout: 180_000 }, () => {
  const cc = (skip: (note?: string) => void): Extract<ClaudeCode, { ok: true }> => {
    if (!claude.ok && claude.offline) skip(claude.reason)
    if (!claude.ok) throw new Error(claude.reason)
    return claude as Extract<ClaudeCode, { ok: true }>
  }
  const isolatedEnv = (): Record<string, string> => ({
    HOME: tempDir('briefd-claude-home-'),
    BRIEFD_STATE_DIR: join(tempDir('briefd-claude-state-'), 'state'),
    BRIEFD_RUNTIME_DIR: join(tempDir('briefd-claude-run-'), 'run'),
  })

  it(`is the pinned CLI (${CLAUDE_CODE_VERSION})`, ({ skip }) => {
    const r = runClaude(cc(skip), ['--version'], { cwd: tempDir(), env: isolatedEnv() })
    expect(r.stdout.trim()).toBe(`${CLAUDE_CODE_VERSION} (Claude Code)`)
  })

  it('passes `claude plugin validate`', ({ skip }) => {
    const r = runClaude(cc(skip), ['plugin', 'validate', isolatedCopy()], {
      cwd: tempDir(),
      env: isolatedEnv(),
    })
    expect(r.stdout).toContain('Validation passed')
    expect(r.status).toBe(0)
  })

  it('`claude --plugin-dir DIR mcp list` connects to its MCP server', ({ skip }) => {
    const dir = isolatedCopy()
    const r = runClaude(cc(skip), ['--plugin-dir', dir, 'mcp', 'list'], {
      cwd: tempDir(),
      env: isolatedEnv(),
    })
    const line = r.stdout.split('\n').find((l) => l.startsWith('plugin:lanternfish:lanternfish:'))
    expect(line, r.stdout + r.stderr).toContain(`${dir}/${RUNTIME} mcp --tools ${dir}/tools.json`)
    expect(line).toContain('✔ Connected')
  })

  it('installs from a marketplace that lists it, and connects', ({ skip }) => {
    const market = tempDir('briefd-market-')
    cpSync(built, join(market, 'lanternfish'), { recursive: true })
    mkdirSync(join(market, '.claude-plugin'))
    writeFileSync(
      join(market, '.claude-plugin', 'marketplace.json'),
      JSON.stringify({
        name: 'briefd-test-market',
        owner: { name: 'briefd tests' },
        plugins: [{ name: 'lanternfish', source: './lanternfish', description: 'test' }],
      }),
    )
    const o = { cwd: tempDir(), env: isolatedEnv() }
    const add = runClaude(cc(skip), ['plugin', 'marketplace', 'add', market], o)
    expect(add.status, add.stdout + add.stderr).toBe(0)
    const install = runClaude(cc(skip), ['plugin', 'install', 'lanternfish@briefd-test-market'], o)
    expect(install.stdout).toContain(
      'Successfully installed plugin: lanternfish@briefd-test-market',
    )
    const list = runClaude(cc(skip), ['mcp', 'list'], o)
    const line = list.stdout
      .split('\n')
      .find((l) => l.startsWith('plugin:lanternfish:lanternfish:'))
    expect(line, list.stdout + list.stderr).toContain('✔ Connected')
  })
})

describe('the bundled briefd, with no node_modules', () => {
  const hookInput = (event: 'SessionStart' | 'SessionEnd'): string =>
    JSON.stringify({
      session_id: randomBytes(8).toString('hex'),
      hook_event_name: event,
      ...(event === 'SessionStart' ? { source: 'startup' } : { reason: 'prompt_input_exit' }),
      cwd: '/tmp',
    })

  it('runs the session hooks and the MCP server, which gets the confidential content', async () => {
    const dir = isolatedCopy()
    const tokenFile = join(tempDir('briefd-token-'), 'token.json')
    const env = childEnv({
      BRIEFD_STATE_DIR: daemon.stateDir,
      BRIEFD_RUNTIME_DIR: join(tempDir(), 'run'),
      BRIEFD_TOKEN_FILE: tokenFile,
      BRIEFD_TIMEOUT_MS: '5000',
    })
    // Asynchronous: the daemon runs in this process and must keep answering meanwhile. The
    // deadlines are generous because a shared 2-core test machine can take a second to start
    // Node; the time budgets themselves are tested in test/e2e/session-hooks.test.ts.
    const hook = (verb: 'start' | 'end', event: 'SessionStart' | 'SessionEnd') =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
        const child = spawn(
          process.execPath,
          [join(dir, RUNTIME), 'session', verb, '--deadline', '8000'],
          {
            cwd: dir,
            env,
          },
        )
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()))
        child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()))
        child.once('close', (status) => done({ status, stdout, stderr }))
        child.stdin.end(hookInput(event))
      })

    const start = await hook('start', 'SessionStart')
    expect([start.status, start.stdout, start.stderr]).toEqual([0, '', ''])
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600)
    const token = (JSON.parse(readFileSync(tokenFile, 'utf8')) as { token: string }).token

    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [join(dir, RUNTIME), 'mcp', '--tools', join(dir, 'tools.json')],
      cwd: dir,
      env,
      stderr: 'pipe',
    })
    let mcpStderr = ''
    transport.stderr?.on('data', (d: Buffer) => void (mcpStderr += d.toString()))
    const client = new Client({ name: 'briefd-test', version: '1.0.0' })
    await client.connect(transport)
    try {
      expect(mcpStderr).toBe('')
      const instructions = readFileSync(join(CONTENT_DIR, 'instructions.md'), 'utf8').trim()
      expect(client.getInstructions()).toContain(instructions.split('\n')[0])
      const r = await client.callTool({ name: 'review_verdict', arguments: { verdict: 'APPROVE' } })
      expect(sourceOf(r)).toBe('current')
      const template = readFileSync(join(CONTENT_DIR, 'templates', 'review-verdict.md'), 'utf8')
      const firstLine = template.split('\n').find((l) => l.trim().length > 20 && !l.includes('{{'))
      expect(firstText(r)).toContain(firstLine?.trim())
    } finally {
      await client.close()
    }

    const status = async (): Promise<number> =>
      (
        await rawRequest(daemon.port, {
          path: '/v1/sessions/current',
          headers: [['Authorization', `Bearer ${token}`]],
        })
      ).status
    expect(await status()).toBe(200)
    const end = await hook('end', 'SessionEnd')
    expect([end.status, end.stdout, end.stderr]).toEqual([0, '', ''])
    expect(existsSync(tokenFile)).toBe(false)
    expect(await status()).toBe(401)
  })
})

describe('the bundled briefd as a daemon launcher', () => {
  it('starts the background daemon from itself (as the plugin README tells users), and stops it', () => {
    const dir = isolatedCopy()
    const env = childEnv({
      BRIEFD_STATE_DIR: join(tempDir('briefd-state-'), 'state'),
      BRIEFD_RUNTIME_DIR: join(tempDir(), 'run'),
    })
    const briefd = (...args: string[]) =>
      spawnSync(process.execPath, [join(dir, RUNTIME), ...args], {
        cwd: tempDir(),
        env,
        encoding: 'utf8',
        timeout: 30_000,
      })
    const content = join(tempDir('briefd-content-'), 'content')
    cpSync(CONTENT_DIR, content, { recursive: true })
    try {
      const start = briefd('start', '--port', '0', '--content', content)
      expect(start.status, start.stderr).toBe(0)
      const status = briefd('status')
      expect(status.status).toBe(0)
      expect(status.stdout).toContain(content)
      // doctor from the bundle: its own MCP server (with the plugin's manifest) gets the
      // confidential instructions, and a content dir outside the plugin draws no warning.
      const doctor = briefd('doctor', '--project-dir', tempDir())
      expect(doctor.stdout).toMatch(
        /^ok {4}briefd mcp +briefd mcp initialized with the confidential instructions/m,
      )
      expect(doctor.stdout).not.toContain('content placement')
    } finally {
      expect(briefd('stop').status).toBe(0)
    }
  })
})

describe('what the plugin holds', () => {
  it('none of the content dir (the leak scan finds the content in the content dir itself)', () => {
    const pieces = contentPieces(CONTENT_DIR)
    expect(leaks(pieces, CONTENT_DIR).length).toBeGreaterThan(0)
    expect(leaks(pieces, built)).toEqual([])
  })

  it('exactly the plugin files, every path through ${CLAUDE_PLUGIN_ROOT}', () => {
    expect(
      filesUnder(built)
        .map((f) => f.slice(built.length + 1))
        .sort(),
    ).toEqual(
      [
        '.claude-plugin/plugin.json',
        '.mcp.json',
        'README.md',
        'hooks/hooks.json',
        RUNTIME,
        'tools.json',
      ].sort(),
    )
    for (const f of ['.claude-plugin/plugin.json', '.mcp.json', 'hooks/hooks.json', 'README.md']) {
      const text = readFileSync(join(built, f), 'utf8')
      expect(text, f).not.toContain(resolve('.'))
      expect(text, f).not.toContain(built)
    }
    expect(readFileSync(join(built, 'tools.json'))).toEqual(readFileSync('examples/tools.json'))
  })
})

// `briefd mcp` start-up against real hosts' orderings: the SessionStart hook writing the token
// file after the server was spawned, a hung daemon, and token files the server must refuse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chmodSync, chownSync, copyFileSync, symlinkSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { leakedCanaries, type TestContent } from '../helpers/content.js'
import type { TestDaemon } from '../helpers/daemon.js'
import { firstText, GENERIC, sourceOf, startMcp, writeSessionTokenFile } from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'
import { startMcpFixture } from '../helpers/mcp-fixture.js'

let content: TestContent
let daemon: TestDaemon
let manifestPath: string

beforeAll(async () => {
  ;({ content, daemon, manifestPath } = await startMcpFixture())
})
afterAll(async () => {
  await daemon.close()
})

describe('briefd mcp when the hook writes the token file after the server started', () => {
  it.each([300, 1000])(
    'uses the confidential instructions when the token file appears %i ms after spawn',
    async (delayMs) => {
      const tokenPath = join(tempDir('briefd-late-'), 'token.json')
      const session = await daemon.newSession()
      const started = Date.now()
      const timer = setTimeout(() => writeSessionTokenFile(tokenPath, session, daemon.url), delayMs)
      const mcp = await startMcp({
        env: { BRIEFD_TOOLS: manifestPath, BRIEFD_TOKEN_FILE: tokenPath },
      })
      try {
        clearTimeout(timer)
        expect(Date.now() - started).toBeGreaterThanOrEqual(delayMs)
        expect(mcp.client.getInstructions()).toContain(content.canary.instructions)
        expect(mcp.stderr()).not.toMatch(/warn/)
      } finally {
        await mcp.close()
      }
    },
  )

  it('falls back to the generic instructions once the grace period is over, then picks up the token on the next call', async () => {
    const tokenPath = join(tempDir('briefd-late-'), 'token.json')
    const mcp = await startMcp({
      env: { BRIEFD_TOOLS: manifestPath, BRIEFD_TOKEN_FILE: tokenPath, BRIEFD_GRACE_MS: '200' },
    })
    try {
      expect(mcp.client.getInstructions()).toBe(GENERIC.instructions)
      expect(mcp.stderr()).toMatch(/warn: .*token file .* does not exist/)
      writeSessionTokenFile(tokenPath, await daemon.newSession(), daemon.url)
      const r = await mcp.client.callTool({
        name: 'give_verdict',
        arguments: { verdict: 'APPROVE', target: 'x' },
      })
      expect(sourceOf(r)).toBe('current')
      expect(firstText(r)).toContain(content.canary.template)
    } finally {
      await mcp.close()
    }
  })
})

describe('briefd mcp with a daemon that accepts connections and never answers', () => {
  let hung: Server
  const sockets: Socket[] = []
  beforeAll(async () => {
    hung = createServer((s) => void sockets.push(s))
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve))
  })
  afterAll(async () => {
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => hung.close(() => resolve()))
  })

  it('answers initialize and tool calls within the timeout plus a margin, with generic content', async () => {
    const port = (hung.address() as { port: number }).port
    const tokenPath = join(tempDir('briefd-hung-'), 'token.json')
    writeSessionTokenFile(
      tokenPath,
      {
        token: 'hung-token',
        session_id: 's',
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
      },
      `http://127.0.0.1:${port}`,
    )
    // Baseline: the same server start-up without a token (no daemon request at all).
    const t0 = Date.now()
    const bare = await startMcp({ env: { BRIEFD_TOOLS: manifestPath } })
    const baseline = Date.now() - t0
    await bare.close()

    const t1 = Date.now()
    const mcp = await startMcp({
      env: { BRIEFD_TOOLS: manifestPath, BRIEFD_TOKEN_FILE: tokenPath },
      args: ['--timeout-ms', '300'],
    })
    try {
      const init = Date.now() - t1
      expect(init).toBeLessThan(baseline + 300 + 1500)
      expect(mcp.client.getInstructions()).toBe(GENERIC.instructions)
      expect(mcp.stderr()).toMatch(/did not answer within 300 ms/)
      const t2 = Date.now()
      const r = await mcp.client.callTool({
        name: 'give_verdict',
        arguments: { verdict: 'APPROVE', target: 'x' },
      })
      expect(Date.now() - t2).toBeLessThan(300 + 700)
      expect(r._meta).toMatchObject({
        'briefd/source': 'fallback',
        'briefd/reason': 'ERR_DAEMON_TIMEOUT',
      })
      expect(firstText(r)).toBe('GENERIC-VERDICT APPROVE for x')
    } finally {
      await mcp.close()
    }
  })
})

describe('briefd mcp with a token file it must refuse', () => {
  const refused: [string, (path: string) => string][] = [
    [
      'readable by others (0644)',
      (path) => {
        chmodSync(path, 0o644)
        return path
      },
    ],
    [
      'a symlink',
      (path) => {
        const link = `${path}.link`
        symlinkSync(path, link)
        return link
      },
    ],
  ]
  if (typeof process.getuid === 'function' && process.getuid() === 0) {
    refused.push([
      'owned by another user',
      (path) => {
        const other = `${path}.other`
        copyFileSync(path, other)
        chmodSync(other, 0o600)
        chownSync(other, 65534, 65534)
        return other
      },
    ])
  }

  it.each(refused)('falls back with a warning when the token file is %s', async (_label, spoil) => {
    const tokenPath = join(tempDir('briefd-refused-'), 'token.json')
    writeSessionTokenFile(tokenPath, await daemon.newSession(), daemon.url)
    const path = spoil(tokenPath)
    const mcp = await startMcp({ env: { BRIEFD_TOOLS: manifestPath, BRIEFD_TOKEN_FILE: path } })
    try {
      expect(mcp.client.getInstructions()).toBe(GENERIC.instructions)
      const warnings = mcp
        .stderr()
        .split('\n')
        .filter((l) => l.includes('warn'))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain(path)
      const r = await mcp.client.callTool({
        name: 'give_verdict',
        arguments: { verdict: 'APPROVE', target: 'x' },
      })
      expect(sourceOf(r)).toBe('fallback')
      expect(leakedCanaries(content, JSON.stringify(r) + mcp.stderr())).toEqual([])
    } finally {
      await mcp.close()
    }
  })

  it('never sends the token to a daemon URL that is not loopback', async () => {
    const tokenPath = join(tempDir('briefd-refused-'), 'token.json')
    writeSessionTokenFile(tokenPath, await daemon.newSession(), 'http://example.com:80')
    const mcp = await startMcp({
      env: { BRIEFD_TOOLS: manifestPath, BRIEFD_TOKEN_FILE: tokenPath },
    })
    try {
      expect(mcp.client.getInstructions()).toBe(GENERIC.instructions)
      expect(mcp.stderr()).toMatch(/not on loopback/)
    } finally {
      await mcp.close()
    }
  })
})

// `briefd mcp` through daemon outages and token changes, without a restart: the daemon
// killed and restarted mid-session, stale-if-error, one daemon request for concurrent calls,
// and a token replaced (a new session after /clear) or revoked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { revokeSession } from '../../src/client/session-api.js'
import { makeContent, leakedCanaries, type TestContent } from '../helpers/content.js'
import { startTestDaemon } from '../helpers/daemon.js'
import {
  deliveries,
  denials,
  firstText,
  sourceOf,
  spawnDaemon,
  startMcp,
  testManifest,
  writeSessionTokenFile,
  type DaemonProcess,
  type McpSession,
} from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'

let content: TestContent
let manifestPath: string

beforeAll(() => {
  content = makeContent()
  manifestPath = join(tempDir('briefd-mcp-'), 'tools.json')
  writeFileSync(manifestPath, JSON.stringify(testManifest()))
})

const verdict = { name: 'give_verdict', arguments: { verdict: 'APPROVE', target: 'main' } }

describe('briefd mcp when the daemon is killed and restarted mid-session', () => {
  let daemon: DaemonProcess
  let mcp: McpSession
  let stateDir: string
  beforeAll(async () => {
    stateDir = join(tempDir('briefd-state-'), 'state')
    daemon = await spawnDaemon({ contentDir: content.dir, stateDir })
    const tokenPath = join(tempDir('briefd-token-'), 'token.json')
    writeSessionTokenFile(tokenPath, await daemon.newSession(), daemon.url)
    // A 1 ms TTL: every call revalidates, so each one shows what the daemon's state allows.
    mcp = await startMcp({
      env: { BRIEFD_TOOLS: manifestPath, BRIEFD_TOKEN_FILE: tokenPath, BRIEFD_CACHE_TTL_MS: '1' },
    })
  })
  afterAll(async () => {
    await mcp.close()
    await daemon.kill()
  })

  it('serves confidential content, then the stale copy or the fallback while the daemon is down, then recovers', async () => {
    expect(mcp.client.getInstructions()).toContain(content.canary.instructions)
    const live = await mcp.client.callTool(verdict)
    expect(sourceOf(live)).toBe('current')
    expect(firstText(live)).toContain(content.canary.template)

    await daemon.kill()
    // Fetched before: stale-if-error serves the copy we hold.
    const stale = await mcp.client.callTool(verdict)
    expect(stale._meta).toMatchObject({
      'briefd/source': 'stale',
      'briefd/reason': 'ERR_DAEMON_UNREACHABLE',
    })
    expect(firstText(stale)).toBe(firstText(live))
    // Never fetched: the generic fallback, as a result (not an error).
    const fallback = await mcp.client.callTool({ name: 'hidden', arguments: {} })
    expect(fallback.isError).toBeFalsy()
    expect(fallback._meta).toMatchObject({
      'briefd/source': 'fallback',
      'briefd/reason': 'ERR_DAEMON_UNREACHABLE',
    })
    expect(firstText(fallback)).toBe('GENERIC-HIDDEN')
    expect(mcp.stderr()).toMatch(/warn: .*not reachable/)

    daemon = await spawnDaemon({ contentDir: content.dir, stateDir, port: daemon.port })
    const recovered = await mcp.client.callTool({ name: 'hidden', arguments: {} })
    expect(sourceOf(recovered)).toBe('current')
    expect(firstText(recovered)).toContain(content.canary.secretTemplate)
    expect(leakedCanaries(content, mcp.stderr())).toEqual([])
  })
})

describe('briefd mcp with concurrent calls for one uncached template', () => {
  it('makes one daemon request', async () => {
    const daemon = await startTestDaemon({ contentDir: content.dir })
    const tokenPath = join(tempDir('briefd-token-'), 'token.json')
    writeSessionTokenFile(tokenPath, await daemon.newSession(), daemon.url)
    const mcp = await startMcp({
      env: { BRIEFD_TOOLS: manifestPath, BRIEFD_TOKEN_FILE: tokenPath },
    })
    try {
      expect(deliveries(daemon.stateDir, 'template:verdict')).toBe(0)
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          mcp.client.callTool({
            name: 'give_verdict',
            arguments: { verdict: 'APPROVE', target: `t${i}` },
          }),
        ),
      )
      results.forEach((r, i) =>
        expect(firstText(r)).toContain(`for t${i}. ${content.canary.template}`),
      )
      expect(deliveries(daemon.stateDir, 'template:verdict')).toBe(1)
      await mcp.client.callTool(verdict)
      expect(deliveries(daemon.stateDir, 'template:verdict')).toBe(1)
    } finally {
      await mcp.close()
      await daemon.close()
    }
  })
})

describe('briefd mcp when the session token changes', () => {
  it('uses a replaced token on the next call, and stops serving content once its token is revoked', async () => {
    const daemon = await startTestDaemon({ contentDir: content.dir })
    const tokenPath = join(tempDir('briefd-token-'), 'token.json')
    const first = await daemon.newSession()
    writeSessionTokenFile(tokenPath, first, daemon.url)
    const mcp = await startMcp({
      env: { BRIEFD_TOOLS: manifestPath, BRIEFD_TOKEN_FILE: tokenPath, BRIEFD_CACHE_TTL_MS: '1' },
    })
    try {
      expect(sourceOf(await mcp.client.callTool(verdict))).toBe('current')

      // /clear: SessionEnd revokes the old token, SessionStart writes a new one.
      await revokeSession({ url: daemon.url, token: first.token, timeoutMs: 2000 })
      writeSessionTokenFile(tokenPath, await daemon.newSession(), daemon.url)
      const afterClear = await mcp.client.callTool(verdict)
      expect(sourceOf(afterClear)).toBe('current')
      expect(firstText(afterClear)).toContain(content.canary.template)

      // The session ends and no new token comes: a 401 is a refusal, so no stale copy either.
      const { token } = JSON.parse(readFileSync(tokenPath, 'utf8')) as { token: string }
      await revokeSession({ url: daemon.url, token, timeoutMs: 2000 })
      const refused = await mcp.client.callTool(verdict)
      expect(refused._meta).toMatchObject({
        'briefd/source': 'fallback',
        'briefd/reason': 'ERR_DAEMON_REJECTED',
      })
      expect(firstText(refused)).toBe('GENERIC-VERDICT APPROVE for main')
      // The refused token is not sent again (no 401 storm) until the token file changes.
      const denied = denials(daemon.stateDir)
      for (let i = 0; i < 5; i++)
        expect(sourceOf(await mcp.client.callTool(verdict))).toBe('fallback')
      expect(denials(daemon.stateDir)).toBe(denied)
      writeSessionTokenFile(tokenPath, await daemon.newSession(), daemon.url)
      expect(sourceOf(await mcp.client.callTool(verdict))).toBe('current')
    } finally {
      await mcp.close()
      await daemon.close()
    }
  })
})

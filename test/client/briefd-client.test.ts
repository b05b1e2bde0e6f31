import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { BriefdClient } from '../../src/client/briefd-client.js'
import { revokeSession } from '../../src/client/session-api.js'
import { makeContent, type TestContent } from '../helpers/content.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { auditEntries, deliveries, denials, writeSessionTokenFile } from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'

let content: TestContent
let daemon: TestDaemon

beforeAll(async () => {
  content = makeContent()
  daemon = await startTestDaemon({ contentDir: content.dir })
})
afterAll(async () => {
  await daemon.close()
})

async function withToken(): Promise<{ path: string; env: Record<string, string> }> {
  const path = join(tempDir('briefd-client-'), 'token.json')
  writeSessionTokenFile(path, await daemon.newSession(), daemon.url)
  return { path, env: { BRIEFD_TOKEN_FILE: path } }
}

describe('BriefdClient', () => {
  it('fetches every kind of document from the daemon', async () => {
    const { env } = await withToken()
    const client = new BriefdClient({ env })
    expect(await client.instructions()).toMatchObject({
      source: 'daemon',
      text: expect.stringContaining(content.canary.instructions),
    })
    expect(await client.voice()).toMatchObject({
      source: 'daemon',
      text: expect.stringContaining(content.canary.voice),
    })
    expect(await client.briefing()).toMatchObject({
      source: 'daemon',
      text: expect.stringContaining(content.canary.briefing),
    })
    expect(await client.template('verdict')).toMatchObject({
      source: 'daemon',
      text: `Verdict: {{verdict}} for {{target}}. ${content.canary.template}\n`,
    })
    expect(await client.render('verdict', { verdict: 'OK', target: ['a', 'b'] })).toMatchObject({
      source: 'cache',
      text: `Verdict: OK for a\nb. ${content.canary.template}\n`,
    })
  })

  it('revalidates an expired entry with If-None-Match (304) and keeps the text', async () => {
    const { env } = await withToken()
    let t = 0
    const client = new BriefdClient({ env, cacheTtlMs: 1000, monotonicNow: () => t })
    const first = await client.voice()
    t += 2000
    const second = await client.voice()
    expect(second).toEqual({ text: first.text, source: 'daemon' })
    const voice = auditEntries(daemon.stateDir).filter(
      (e) => e.event === 'document.delivered' && e.document === 'voice',
    )
    expect(voice.slice(-2).map((e) => e.status)).toEqual([200, 304])
  })

  it('returns the fallback, not an exception, for a name that cannot be a template, without asking the daemon', async () => {
    const { env } = await withToken()
    const before = auditEntries(daemon.stateDir).length
    const r = await new BriefdClient({ env }).render(
      '../sessions/current',
      {},
      { fallback: 'generic' },
    )
    expect(r).toMatchObject({
      text: 'generic',
      source: 'fallback',
      reason: { code: 'ERR_CONTENT_NAME_INVALID' },
    })
    expect(auditEntries(daemon.stateDir).length).toBe(before)
  })

  it('renders the fallback with the same values', async () => {
    const r = await new BriefdClient({ env: {} }).render(
      'verdict',
      { v: 'X' },
      { fallback: 'generic {{v}}' },
    )
    expect(r).toMatchObject({
      text: 'generic X',
      source: 'fallback',
      reason: { code: 'ERR_TOKEN_NOT_FOUND' },
    })
  })

  it('re-reads the token file once after a 401 and uses the new token', async () => {
    // The hook replaces the token between our read and the daemon's answer: the first lookup
    // of BRIEFD_TOKEN_FILE finds the revoked token, every later one the new token.
    const revoked = join(tempDir('briefd-client-'), 'token.json')
    const old = await daemon.newSession()
    writeSessionTokenFile(revoked, old, daemon.url)
    await revokeSession({ url: daemon.url, token: old.token, timeoutMs: 2000 })
    const { path: fresh } = await withToken()
    let lookups = 0
    const env = new Proxy({} as Record<string, string | undefined>, {
      get: (_t, key) =>
        key === 'BRIEFD_TOKEN_FILE' ? (lookups++ === 0 ? revoked : fresh) : undefined,
    })
    const denied = denials(daemon.stateDir)
    const delivered = deliveries(daemon.stateDir, 'template:verdict')
    expect(await new BriefdClient({ env }).template('verdict')).toMatchObject({
      source: 'daemon',
      text: expect.stringContaining(content.canary.template),
    })
    expect(lookups).toBe(2)
    expect(denials(daemon.stateDir)).toBe(denied + 1)
    expect(deliveries(daemon.stateDir, 'template:verdict')).toBe(delivered + 1)
  })

  it('does not send a refused token again until the token file changes', async () => {
    const { path, env } = await withToken()
    const session = await daemon.newSession()
    writeSessionTokenFile(path, session, daemon.url)
    await revokeSession({ url: daemon.url, token: session.token, timeoutMs: 2000 })
    const client = new BriefdClient({ env })
    const before = denials(daemon.stateDir)
    expect(await client.briefing({ fallback: 'g' })).toMatchObject({
      source: 'fallback',
      reason: { code: 'ERR_DAEMON_REJECTED' },
    })
    expect(denials(daemon.stateDir)).toBe(before + 1)
    for (let i = 0; i < 5; i++) await client.briefing()
    expect(denials(daemon.stateDir)).toBe(before + 1)
    writeSessionTokenFile(path, await daemon.newSession(), daemon.url)
    expect((await client.briefing()).source).toBe('daemon')
  })

  it('waits for a token file that appears during the grace period', async () => {
    const path = join(tempDir('briefd-client-'), 'token.json')
    const session = await daemon.newSession()
    const client = new BriefdClient({ env: { BRIEFD_TOKEN_FILE: path }, graceMs: 5000 })
    setTimeout(() => writeSessionTokenFile(path, session, daemon.url), 100)
    expect(await client.instructions({ waitForToken: true })).toMatchObject({
      source: 'daemon',
      text: expect.stringContaining(content.canary.instructions),
    })
  })

  it('does not wait when no token file location is known (no host found)', async () => {
    let lookups = 0
    const locateTokenFile = (): undefined => {
      lookups++
      return undefined
    }
    const r = await new BriefdClient({ env: {}, graceMs: 10_000, locateTokenFile }).instructions({
      waitForToken: true,
      fallback: 'generic',
    })
    expect(r).toMatchObject({
      text: 'generic',
      source: 'fallback',
      reason: { code: 'ERR_TOKEN_NOT_FOUND' },
    })
    expect(lookups).toBeLessThanOrEqual(2)
  })

  it.each([
    [{ timeoutMs: 0 }, /timeoutMs must be a positive integer/],
    [{ cacheTtlMs: 1.5 }, /cacheTtlMs must be a positive integer/],
    [{ graceMs: -1 }, /graceMs must be a non-negative integer/],
  ])('throws a TypeError for %j', (options, message) => {
    expect(() => new BriefdClient(options)).toThrow(TypeError)
    expect(() => new BriefdClient(options)).toThrow(message)
  })
})

/**
 * ApiKeyVerifier on real key files: the principal a key verifies to, every refusal with its
 * code, picking up changes made by another writer (time moved by the injected clock, plus
 * one real-time check against the real CLI), failing closed on an unreadable file, and
 * last-used times written in batches without losing a concurrent revocation.
 */
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { apiKeyChecksum } from '../../src/apikeys/format.js'
import { apiKeysPath, createApiKey, readApiKeyFile, revokeApiKey } from '../../src/apikeys/store.js'
import { ApiKeyVerifier, NO_EXPIRY_SECONDS } from '../../src/apikeys/verifier.js'
import { BriefdError } from '../../src/shared/errors.js'
import type { Logger } from '../../src/shared/log.js'
import { codeOf } from '../helpers/errors.js'
import { tempDir } from '../helpers/tmp.js'

const freshStateDir = (): string => join(tempDir(), 'state')

/** A clock the test moves by hand. */
function clock(start = Date.parse('2026-06-01T12:00:00Z')): {
  now: () => number
  tick: (ms: number) => void
} {
  let t = start
  return { now: () => t, tick: (ms) => void (t += ms) }
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  const push = (m: string): void => void lines.push(m)
  return { lines, debug: push, info: push, warn: push, error: push }
}

/** `key` with one secret character changed and a valid checksum, so only the hash can refuse it. */
function tamperSecret(key: string): string {
  const i = 40
  const body = `${key.slice(0, i)}${key[i] === 'a' ? 'b' : 'a'}${key.slice(i + 1, 70)}`
  return `${body}${apiKeyChecksum(body)}`
}

describe('ApiKeyVerifier.verify', () => {
  it('turns a key into an apikey principal with its id, tenant, scopes, expiry and rate key', async () => {
    const stateDir = freshStateDir()
    const c = clock()
    const { key, record } = await createApiKey(stateDir, {
      name: 'bot',
      scopes: ['briefd:read briefd:scoring'],
      tenant: 'acme',
      ttlSeconds: 3600,
      now: new Date(c.now()),
    })
    const v = new ApiKeyVerifier({ stateDir, now: c.now })
    const p = v.verify(key)
    expect(p.kind).toBe('apikey')
    expect(p.subject).toBe(record.id)
    expect(p.tenant).toBe('acme')
    expect(p.clientId).toBeUndefined()
    expect(p.sessionId).toBeUndefined()
    expect([...(p.scopes ?? [])]).toEqual(['briefd:read', 'briefd:scoring'])
    expect(p.expiresAt).toBe(Math.floor(c.now() / 1000) + 3600)
    expect(p.rateKey).toBe(`apikey:${record.id}`)
    expect(JSON.stringify(p)).not.toContain(key.slice(27, 70))
    await v.close()
  })

  it('gives a key without expiry the far-future sentinel and no tenant', async () => {
    const stateDir = freshStateDir()
    const { key } = await createApiKey(stateDir, { name: 'bot', scopes: ['briefd:read'] })
    const v = new ApiKeyVerifier({ stateDir })
    const p = v.verify(key)
    expect(p.expiresAt).toBe(NO_EXPIRY_SECONDS)
    expect(new Date(p.expiresAt * 1000).toISOString()).toBe('9999-12-31T23:59:59.000Z')
    expect(p.tenant).toBeUndefined()
    await v.close()
  })

  it('refuses a key with one secret character changed, an unknown id, and junk, all alike', async () => {
    const stateDir = freshStateDir()
    const { key } = await createApiKey(stateDir, { name: 'bot', scopes: ['briefd:read'] })
    const other = freshStateDir()
    const { key: foreign } = await createApiKey(other, { name: 'bot', scopes: ['briefd:read'] })
    const v = new ApiKeyVerifier({ stateDir })
    const checksumBroken = `${key.slice(0, 75)}${key[75] === 'a' ? 'b' : 'a'}`
    for (const bad of [tamperSecret(key), checksumBroken, foreign, '', 'briefd_ak_', `${key}x`]) {
      let err: unknown
      try {
        v.verify(bad)
      } catch (e) {
        err = e
      }
      expect(err instanceof BriefdError && err.code).toBe('ERR_APIKEY_INVALID')
      expect(err instanceof Error && err.message).toBe('the API key is not valid')
    }
    await v.close()
  })

  it('refuses a revoked key, and still does after a restart', async () => {
    const stateDir = freshStateDir()
    const c = clock()
    const { key, record } = await createApiKey(stateDir, { name: 'bot', scopes: ['briefd:read'] })
    const v = new ApiKeyVerifier({ stateDir, now: c.now })
    expect(v.verify(key).subject).toBe(record.id)
    await revokeApiKey(stateDir, record.id)
    c.tick(1000)
    expect(codeOf(() => v.verify(key))).toBe('ERR_APIKEY_REVOKED')
    expect(v.isLive(record.id)).toBe(false)
    expect(v.isRevoked(record.id)).toBe(true)
    await v.close()
    const restarted = new ApiKeyVerifier({ stateDir })
    expect(codeOf(() => restarted.verify(key))).toBe('ERR_APIKEY_REVOKED')
    expect(restarted.isLive(record.id)).toBe(false)
    await restarted.close()
  })

  it('refuses a key once its expiry has passed', async () => {
    const stateDir = freshStateDir()
    const c = clock()
    const { key, record } = await createApiKey(stateDir, {
      name: 'bot',
      scopes: ['briefd:read'],
      ttlSeconds: 60,
      now: new Date(c.now()),
    })
    const v = new ApiKeyVerifier({ stateDir, now: c.now })
    c.tick(59_999)
    expect(v.verify(key).subject).toBe(record.id)
    expect(v.isLive(record.id)).toBe(true)
    c.tick(1)
    expect(codeOf(() => v.verify(key))).toBe('ERR_APIKEY_EXPIRED')
    expect(v.isLive(record.id)).toBe(false)
    expect(v.isRevoked(record.id)).toBe(false)
    await v.close()
  })

  it('does not say revoked or expired to a caller who lacks the secret', async () => {
    const stateDir = freshStateDir()
    const c = clock()
    const { key, record } = await createApiKey(stateDir, {
      name: 'bot',
      scopes: ['briefd:read'],
      ttlSeconds: 1,
      now: new Date(c.now()),
    })
    await revokeApiKey(stateDir, record.id)
    const v = new ApiKeyVerifier({ stateDir, now: c.now })
    c.tick(5000)
    expect(codeOf(() => v.verify(tamperSecret(key)))).toBe('ERR_APIKEY_INVALID')
    await v.close()
  })
})

describe('ApiKeyVerifier reload', () => {
  it('honours a key created by another writer at once: an unknown id looks at the file again', async () => {
    const stateDir = freshStateDir()
    const c = clock()
    await createApiKey(stateDir, { name: 'first', scopes: ['briefd:read'] })
    const v = new ApiKeyVerifier({ stateDir, now: c.now })
    const { key, record } = await createApiKey(stateDir, { name: 'new', scopes: ['briefd:read'] })
    c.tick(60)
    expect(v.verify(key).subject).toBe(record.id)
    expect(v.size).toBe(2)
    await v.close()
  })

  it('refuses every key while the file is unreadable, logs it once, and recovers', async () => {
    const stateDir = freshStateDir()
    const c = clock()
    const log = recordingLogger()
    const { key, record } = await createApiKey(stateDir, { name: 'bot', scopes: ['briefd:read'] })
    const v = new ApiKeyVerifier({ stateDir, now: c.now, logger: log })
    expect(v.verify(key).subject).toBe(record.id)

    chmodSync(apiKeysPath(stateDir), 0o644)
    for (let i = 0; i < 5; i++) {
      c.tick(1000)
      expect(codeOf(() => v.verify(key))).toBe('ERR_APIKEY_UNAVAILABLE')
      expect(v.isLive(record.id)).toBe(false)
      expect(v.isRevoked(record.id)).toBe(true)
    }
    expect(log.lines).toHaveLength(1)
    expect(log.lines[0]).toContain('refusing every API key')
    expect(log.lines[0]).toContain('mode 0644')

    chmodSync(apiKeysPath(stateDir), 0o600)
    c.tick(1000)
    expect(v.verify(key).subject).toBe(record.id)
    expect(log.lines).toHaveLength(2)
    expect(log.lines.join('\n')).not.toContain(key)
    await v.close()
  })

  it('refuses every key once the state dir is opened to others, until it is closed again', async () => {
    const stateDir = freshStateDir()
    const c = clock()
    const { key, record } = await createApiKey(stateDir, { name: 'bot', scopes: ['briefd:read'] })
    const v = new ApiKeyVerifier({ stateDir, now: c.now })
    chmodSync(stateDir, 0o755)
    c.tick(1000)
    expect(codeOf(() => v.verify(key))).toBe('ERR_APIKEY_UNAVAILABLE')
    chmodSync(stateDir, 0o700)
    c.tick(1000)
    expect(v.verify(key).subject).toBe(record.id)
    await v.close()
  })

  it('refuses every key while the file holds broken JSON (a revocation may be in it)', async () => {
    const stateDir = freshStateDir()
    const c = clock()
    const { key } = await createApiKey(stateDir, { name: 'bot', scopes: ['briefd:read'] })
    const v = new ApiKeyVerifier({ stateDir, now: c.now })
    writeFileSync(apiKeysPath(stateDir), '{"version":1,"keys":[', { mode: 0o600 })
    c.tick(1000)
    expect(codeOf(() => v.verify(key))).toBe('ERR_APIKEY_UNAVAILABLE')
    await v.close()
  })

  it('accepts no key once the file is deleted', async () => {
    const stateDir = freshStateDir()
    const c = clock()
    const { key, record } = await createApiKey(stateDir, { name: 'bot', scopes: ['briefd:read'] })
    const v = new ApiKeyVerifier({ stateDir, now: c.now })
    rmSync(apiKeysPath(stateDir))
    c.tick(1000)
    expect(codeOf(() => v.verify(key))).toBe('ERR_APIKEY_INVALID')
    expect(v.isRevoked(record.id)).toBe(true)
    await v.close()
  })

  it('refuses to start on an unsafe key file', async () => {
    const stateDir = freshStateDir()
    await createApiKey(stateDir, { name: 'bot', scopes: ['briefd:read'] })
    chmodSync(apiKeysPath(stateDir), 0o640)
    expect(codeOf(() => new ApiKeyVerifier({ stateDir }))).toBe('ERR_FILE_UNSAFE')
  })

  it('picks up a key created and then revoked by the real CLI within 3 s, on the real clock', async () => {
    const stateDir = freshStateDir()
    await createApiKey(stateDir, { name: 'first', scopes: ['briefd:read'] })
    const v = new ApiKeyVerifier({ stateDir })
    const cli = (...args: string[]): string => {
      const r = spawnSync(process.execPath, ['bin/briefd.js', 'apikey', ...args], {
        encoding: 'utf8',
        env: { ...process.env, BRIEFD_STATE_DIR: stateDir },
        timeout: 15_000,
      })
      expect(r.status, r.stderr).toBe(0)
      return r.stdout.trim()
    }
    const waitFor = async (ok: () => boolean): Promise<number> => {
      const start = Date.now()
      while (!ok()) {
        if (Date.now() - start > 3000) throw new Error('not picked up within 3 s')
        await new Promise((r) => setTimeout(r, 50))
      }
      return Date.now() - start
    }
    const key = cli('create', '--name', 'new', '--scope', 'briefd:read')
    const id = key.slice(10, 26)
    expect(await waitFor(() => codeOf(() => v.verify(key)) === undefined)).toBeLessThan(3000)
    cli('revoke', id)
    expect(await waitFor(() => codeOf(() => v.verify(key)) === 'ERR_APIKEY_REVOKED')).toBeLessThan(
      3000,
    )
    expect(v.isLive(id)).toBe(false)
    await v.close()
  })
})

describe('ApiKeyVerifier last used', () => {
  it('writes nothing per request, then the latest use on flush, keeping a concurrent revocation', async () => {
    const stateDir = freshStateDir()
    const c = clock()
    const a = await createApiKey(stateDir, { name: 'a', scopes: ['briefd:read'] })
    const b = await createApiKey(stateDir, { name: 'b', scopes: ['briefd:read'] })
    const v = new ApiKeyVerifier({ stateDir, now: c.now, lastUsedFlushMs: 60_000 })
    const before = readFileSync(apiKeysPath(stateDir), 'utf8')
    for (let i = 0; i < 50; i++) {
      v.verify(a.key)
      c.tick(10)
    }
    v.verify(b.key)
    expect(readFileSync(apiKeysPath(stateDir), 'utf8')).toBe(before)

    await revokeApiKey(stateDir, b.record.id)
    await v.flush()
    const keys = new Map(readApiKeyFile(stateDir).keys.map((k) => [k.id, k]))
    expect(keys.get(a.record.id)?.last_used_at).toBe(new Date(c.now() - 10).toISOString())
    expect(keys.get(b.record.id)?.last_used_at).toBe(new Date(c.now()).toISOString())
    expect(keys.get(b.record.id)?.revoked_at).not.toBeNull()
    c.tick(1000)
    expect(codeOf(() => v.verify(b.key))).toBe('ERR_APIKEY_REVOKED')
    await v.close()
  })

  it('writes pending last-used times on close', async () => {
    const stateDir = freshStateDir()
    const c = clock()
    const a = await createApiKey(stateDir, { name: 'a', scopes: ['briefd:read'] })
    const v = new ApiKeyVerifier({ stateDir, now: c.now })
    v.verify(a.key)
    await v.close()
    expect(readApiKeyFile(stateDir).keys[0]?.last_used_at).toBe(new Date(c.now()).toISOString())
  })

  it('writes on its own timer after the flush interval', async () => {
    const stateDir = freshStateDir()
    const a = await createApiKey(stateDir, { name: 'a', scopes: ['briefd:read'] })
    const v = new ApiKeyVerifier({ stateDir, lastUsedFlushMs: 50 })
    v.verify(a.key)
    const deadline = Date.now() + 3000
    while (readApiKeyFile(stateDir).keys[0]?.last_used_at === null && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20))
    expect(readApiKeyFile(stateDir).keys[0]?.last_used_at).not.toBeNull()
    await v.close()
  })
})

/**
 * The API key file: hashes only, real 0600/0700 modes, the safe-file refusals, input checks,
 * and read-modify-writes under the lock that never lose a concurrent change.
 */
import { describe, expect, it } from 'vitest'
import {
  chmodSync,
  chownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import {
  apiKeysPath,
  createApiKey,
  readApiKeyFile,
  recordLastUsed,
  revokeApiKey,
} from '../../src/apikeys/store.js'
import { parseKeyTtl } from '../../src/apikeys/ttl.js'
import { BriefdError } from '../../src/shared/errors.js'
import { tempDir } from '../helpers/tmp.js'

const isRoot = process.getuid?.() === 0

async function codeOfAsync(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (err) {
    return err instanceof BriefdError ? err.code : `not a BriefdError: ${String(err)}`
  }
  return undefined
}
function thrown(fn: () => unknown): BriefdError | undefined {
  try {
    fn()
  } catch (err) {
    if (err instanceof BriefdError) return err
    throw err
  }
  return undefined
}

const freshStateDir = (): string => join(tempDir(), 'state')
const base = { name: 'ci', scopes: ['briefd:read'] }

describe('createApiKey', () => {
  it('creates the state dir 0700 and the key file 0600, holding the hash but never the key', async () => {
    const stateDir = freshStateDir()
    const { key, record } = await createApiKey(stateDir, {
      name: 'deploy bot',
      scopes: ['briefd:read briefd:scoring', 'briefd:read'],
      tenant: 'acme',
      ttlSeconds: 90 * 86400,
      now: new Date('2026-01-01T00:00:00Z'),
    })
    expect(statSync(stateDir).mode & 0o777).toBe(0o700)
    expect(statSync(apiKeysPath(stateDir)).mode & 0o777).toBe(0o600)
    const text = readFileSync(apiKeysPath(stateDir), 'utf8')
    expect(text).not.toContain(key)
    expect(text).not.toContain(key.slice(27, 70))
    expect(record).toMatchObject({
      name: 'deploy bot',
      scopes: ['briefd:read', 'briefd:scoring'],
      tenant: 'acme',
      created_at: '2026-01-01T00:00:00.000Z',
      expires_at: '2026-04-01T00:00:00.000Z',
      last_used_at: null,
      revoked_at: null,
    })
    expect(readApiKeyFile(stateDir).keys).toEqual([record])
    // No temp or lock file is left behind.
    expect(readdirSync(stateDir)).toEqual(['apikeys.json'])
  })

  it('keeps every key when many are created at once', async () => {
    const stateDir = freshStateDir()
    await createApiKey(stateDir, base)
    const made = await Promise.all(
      Array.from({ length: 12 }, (_, i) => createApiKey(stateDir, { ...base, name: `k${i}` })),
    )
    const ids = readApiKeyFile(stateDir).keys.map((k) => k.id)
    expect(ids).toHaveLength(13)
    for (const m of made) expect(ids).toContain(m.record.id)
  })

  it.each([
    [{ name: '', scopes: ['a'] }, '--name'],
    [{ name: 'two\nlines', scopes: ['a'] }, '--name'],
    [{ name: 'x'.repeat(101), scopes: ['a'] }, '--name'],
    [{ name: 'n', scopes: [] }, '--scope'],
    [{ name: 'n', scopes: ['  '] }, '--scope'],
    [{ name: 'n', scopes: ['briefd:"read"'] }, '--scope'],
    [{ name: 'n', scopes: ['a'], tenant: '../other' }, '--tenant'],
    [{ name: 'n', scopes: ['a'], tenant: '-lead' }, '--tenant'],
    [{ name: 'n', scopes: ['a'], tenant: 'x'.repeat(65) }, '--tenant'],
  ])('refuses %j with one line naming %s, and writes nothing', async (opts, flag) => {
    const stateDir = freshStateDir()
    let err: unknown
    try {
      await createApiKey(stateDir, opts)
    } catch (e) {
      err = e
    }
    expect(err instanceof BriefdError && err.code).toBe('ERR_CONFIG_INVALID')
    const message = err instanceof Error ? err.message : ''
    expect(message.startsWith(flag)).toBe(true)
    expect(message).not.toContain('\n')
    expect(() => statSync(apiKeysPath(stateDir))).toThrow()
  })

  it('refuses a key file that is a symlink, leaving its target alone', async () => {
    const stateDir = freshStateDir()
    mkdirSync(stateDir, { mode: 0o700 })
    const victim = join(tempDir(), 'victim.json')
    writeFileSync(victim, '{"version":1,"keys":[]}\n', { mode: 0o600 })
    symlinkSync(victim, apiKeysPath(stateDir))
    expect(await codeOfAsync(createApiKey(stateDir, base))).toBe('ERR_FILE_UNSAFE')
    expect(readFileSync(victim, 'utf8')).toBe('{"version":1,"keys":[]}\n')
  })

  it('refuses a state dir that group or others can enter', async () => {
    const stateDir = freshStateDir()
    mkdirSync(stateDir, { mode: 0o700 })
    chmodSync(stateDir, 0o755)
    expect(await codeOfAsync(createApiKey(stateDir, base))).toBe('ERR_DIR_UNSAFE')
  })

  it('refuses a key file others can read', async () => {
    const stateDir = freshStateDir()
    await createApiKey(stateDir, base)
    chmodSync(apiKeysPath(stateDir), 0o644)
    expect(await codeOfAsync(createApiKey(stateDir, base))).toBe('ERR_FILE_UNSAFE')
  })

  it.skipIf(!isRoot)('refuses a state dir owned by another user', async () => {
    const stateDir = freshStateDir()
    mkdirSync(stateDir, { mode: 0o700 })
    chownSync(stateDir, 12345, 12345)
    expect(await codeOfAsync(createApiKey(stateDir, base))).toBe('ERR_DIR_UNSAFE')
  })

  it.skipIf(!isRoot)('refuses a key file owned by another user', async () => {
    const stateDir = freshStateDir()
    await createApiKey(stateDir, base)
    chownSync(apiKeysPath(stateDir), 12345, 12345)
    expect(await codeOfAsync(createApiKey(stateDir, base))).toBe('ERR_FILE_UNSAFE')
  })
})

describe('readApiKeyFile', () => {
  it('reads a missing file as no keys', () => {
    const stateDir = freshStateDir()
    mkdirSync(stateDir, { mode: 0o700 })
    expect(readApiKeyFile(stateDir).keys).toEqual([])
  })

  it.each([
    ['not json', 'not valid JSON'],
    ['{"version":2,"keys":[]}', 'expected version 1'],
    ['{"version":1,"keys":[{"id":"../x"}]}', 'malformed id'],
    [
      '{"version":1,"keys":[{"id":"0123456789abcdef","name":"n","scopes":["a"],"tenant":null,"created_at":"2026-01-01T00:00:00Z","expires_at":null,"last_used_at":null,"revoked_at":"yesterday","sha256":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}',
      'key 0123456789abcdef has a malformed revoked_at',
    ],
  ])('refuses %s with ERR_FILE_INVALID naming the file and the problem', (body, why) => {
    const stateDir = freshStateDir()
    mkdirSync(stateDir, { mode: 0o700 })
    writeFileSync(apiKeysPath(stateDir), body, { mode: 0o600 })
    const err = thrown(() => readApiKeyFile(stateDir))
    expect(err?.code).toBe('ERR_FILE_INVALID')
    expect(err?.message).toContain(apiKeysPath(stateDir))
    expect(err?.message).toContain(why)
  })
})

describe('revokeApiKey', () => {
  it('marks the key revoked, keeps it listed, and is idempotent', async () => {
    const stateDir = freshStateDir()
    const { record } = await createApiKey(stateDir, base)
    const first = await revokeApiKey(stateDir, record.id, new Date('2026-02-02T00:00:00Z'))
    expect(first.alreadyRevoked).toBe(false)
    const second = await revokeApiKey(stateDir, record.id)
    expect(second.alreadyRevoked).toBe(true)
    const [k] = readApiKeyFile(stateDir).keys
    expect(k?.revoked_at).toBe('2026-02-02T00:00:00.000Z')
  })

  it('throws ERR_APIKEY_NOT_FOUND for an unknown or malformed id', async () => {
    const stateDir = freshStateDir()
    await createApiKey(stateDir, base)
    expect(await codeOfAsync(revokeApiKey(stateDir, '0123456789abcdef'))).toBe(
      'ERR_APIKEY_NOT_FOUND',
    )
    expect(await codeOfAsync(revokeApiKey(stateDir, '../../etc'))).toBe('ERR_APIKEY_NOT_FOUND')
  })

  it('is not undone by a last-used write and does not undo creates running alongside', async () => {
    const stateDir = freshStateDir()
    const a = await createApiKey(stateDir, base)
    const b = await createApiKey(stateDir, base)
    const used = new Map([
      [a.record.id, Date.parse('2026-03-03T00:00:00Z')],
      [b.record.id, Date.parse('2026-03-04T00:00:00Z')],
    ])
    const [, , c] = await Promise.all([
      revokeApiKey(stateDir, a.record.id),
      recordLastUsed(stateDir, used),
      createApiKey(stateDir, base),
    ])
    const keys = readApiKeyFile(stateDir).keys
    expect(keys.map((k) => k.id).sort()).toEqual([a.record.id, b.record.id, c.record.id].sort())
    const byId = new Map(keys.map((k) => [k.id, k]))
    expect(byId.get(a.record.id)?.revoked_at).not.toBeNull()
    expect(byId.get(a.record.id)?.last_used_at).toBe('2026-03-03T00:00:00.000Z')
    expect(byId.get(b.record.id)?.last_used_at).toBe('2026-03-04T00:00:00.000Z')
  })
})

describe('recordLastUsed', () => {
  it('never moves a last-used time backwards and never creates the file', async () => {
    const stateDir = freshStateDir()
    const { record } = await createApiKey(stateDir, base)
    await recordLastUsed(stateDir, new Map([[record.id, Date.parse('2026-05-05T00:00:00Z')]]))
    await recordLastUsed(stateDir, new Map([[record.id, Date.parse('2026-04-04T00:00:00Z')]]))
    expect(readApiKeyFile(stateDir).keys[0]?.last_used_at).toBe('2026-05-05T00:00:00.000Z')

    const empty = freshStateDir()
    mkdirSync(empty, { mode: 0o700 })
    await recordLastUsed(empty, new Map([[record.id, Date.now()]]))
    expect(readdirSync(empty)).toEqual([])
  })
})

describe('parseKeyTtl', () => {
  it.each([
    ['45s', 45],
    ['30m', 1800],
    ['12h', 43200],
    ['90d', 7776000],
    ['3650d', 315360000],
  ])('reads %s as %i seconds', (raw, seconds) => {
    expect(parseKeyTtl(raw)).toBe(seconds)
  })

  it.each(['90', '0s', '3651d', '1w', '1.5h', '-1d', 'd', '', '9'.repeat(30) + 'd'])(
    'refuses %j on one line naming --ttl',
    (raw) => {
      const err = thrown(() => parseKeyTtl(raw))
      expect(err?.code).toBe('ERR_CONFIG_INVALID')
      expect(err?.message).toMatch(/^--ttl must be a whole number with a unit s, m, h or d/)
      expect(err?.message).not.toContain('\n')
    },
  )
})

/**
 * `briefd apikey create|list|revoke` as real processes on a real state dir: create prints the
 * key and nothing else on stdout, no command ever prints a key or its hash, bad input is one
 * stderr line and exit 1, and parallel creates keep every key.
 */
import { describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../helpers/tmp.js'

interface Run {
  status: number | null
  stdout: string
  stderr: string
}

function apikey(args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, ['bin/briefd.js', 'apikey', ...args], {
    encoding: 'utf8',
    env: { ...process.env, BRIEFD_STATE_DIR: '', ...env },
    timeout: 15_000,
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

function apikeyAsync(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/briefd.js', 'apikey', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

const KEY_LINE = /^briefd_ak_[0-9a-f]{16}_[0-9A-Za-z]{49}\n$/
const stateDirIn = (): string => join(tempDir(), 'state')

function storedHashes(stateDir: string): string[] {
  const doc = JSON.parse(readFileSync(join(stateDir, 'apikeys.json'), 'utf8')) as {
    keys: { sha256: string }[]
  }
  return doc.keys.map((k) => k.sha256)
}

describe('briefd apikey create', () => {
  it('prints only the key on stdout, says what it made on stderr, and stores only its hash', () => {
    const stateDir = stateDirIn()
    const r = apikey([
      'create',
      '--name',
      'deploy bot',
      '--scope',
      'briefd:read briefd:scoring',
      '--tenant',
      'acme',
      '--ttl',
      '90d',
      '--state-dir',
      stateDir,
    ])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(KEY_LINE)
    const key = r.stdout.trim()
    const id = key.slice(10, 26)
    expect(r.stderr).toContain(id)
    expect(r.stderr).not.toContain(key.slice(27))
    expect(statSync(stateDir).mode & 0o777).toBe(0o700)
    expect(statSync(join(stateDir, 'apikeys.json')).mode & 0o777).toBe(0o600)
    const file = readFileSync(join(stateDir, 'apikeys.json'), 'utf8')
    expect(file).not.toContain(key)
    expect(file).not.toContain(key.slice(27, 70))
  })

  it('finds the state dir through BRIEFD_STATE_DIR', () => {
    const stateDir = stateDirIn()
    const r = apikey(['create', '--name', 'n', '--scope', 'briefd:read'], {
      BRIEFD_STATE_DIR: stateDir,
    })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(KEY_LINE)
    expect(storedHashes(stateDir)).toHaveLength(1)
  })

  it.each([
    [['--scope', 'briefd:read', '--ttl', '90'], /^briefd: --ttl must be a whole number/],
    [['--scope', 'briefd:read', '--ttl', '2w'], /^briefd: --ttl must be a whole number/],
    [['--scope', 'briefd:read', '--tenant', '../b'], /^briefd: --tenant must be/],
    [['--scope', ' '], /^briefd: --scope must name at least one scope/],
  ])('refuses %j with one stderr line, exit 1, nothing on stdout and no file', (extra, line) => {
    const stateDir = stateDirIn()
    const r = apikey(['create', '--name', 'n', ...extra, '--state-dir', stateDir])
    expect(r.status).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(line)
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(() => statSync(join(stateDir, 'apikeys.json'))).toThrow()
  })

  it('keeps every key when creates run in parallel processes', async () => {
    const stateDir = stateDirIn()
    const runs = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        apikeyAsync([
          'create',
          '--name',
          `k${i}`,
          '--scope',
          'briefd:read',
          '--state-dir',
          stateDir,
        ]),
      ),
    )
    for (const r of runs) {
      expect(r.status, r.stderr).toBe(0)
      expect(r.stdout).toMatch(KEY_LINE)
    }
    const listed = apikey(['list', '--state-dir', stateDir]).stdout.trim().split('\n')
    expect(listed).toHaveLength(6)
    for (const r of runs)
      expect(listed.map((l) => l.split('\t')[0])).toContain(r.stdout.slice(10, 26))
  })
})

describe('briefd apikey list', () => {
  it('shows one key per line, id first, and never the key or its hash', () => {
    const stateDir = stateDirIn()
    const keys = ['one', 'two words'].map((name) =>
      apikey([
        'create',
        '--name',
        name,
        '--scope',
        'briefd:read',
        '--state-dir',
        stateDir,
      ]).stdout.trim(),
    )
    const withTenant = apikey([
      'create',
      '--name',
      'three',
      '--scope',
      'briefd:read briefd:scoring',
      '--tenant',
      'acme',
      '--ttl',
      '12h',
      '--state-dir',
      stateDir,
    ]).stdout.trim()
    keys.push(withTenant)
    expect(apikey(['revoke', keys[0]?.slice(10, 26) ?? '', '--state-dir', stateDir]).status).toBe(0)

    const text = apikey(['list', '--state-dir', stateDir])
    const json = apikey(['list', '--json', '--state-dir', stateDir])
    expect(text.status, text.stderr).toBe(0)
    expect(json.status, json.stderr).toBe(0)
    const lines = text.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(3)
    lines.forEach((l, i) => expect(l.startsWith(`${keys[i]?.slice(10, 26)}\t`)).toBe(true))
    expect(lines[0]).toMatch(/\trevoked\tname=one\tscopes=briefd:read\ttenant=-\t/)
    expect(lines[1]).toContain('\tactive\tname=two words\t')
    expect(lines[2]).toMatch(
      /\tactive\tname=three\tscopes=briefd:read,briefd:scoring\ttenant=acme\tcreated=\S+\texpires=\S+\tlast_used=never$/,
    )
    const parsed = JSON.parse(json.stdout) as Record<string, unknown>[]
    expect(parsed.map((k) => k.id)).toEqual(keys.map((k) => k.slice(10, 26)))
    expect(Object.keys(parsed[0] ?? {}).sort()).toEqual(
      [
        'created_at',
        'expires_at',
        'id',
        'last_used_at',
        'name',
        'revoked_at',
        'scopes',
        'status',
        'tenant',
      ].sort(),
    )
    const everything = `${text.stdout}${text.stderr}${json.stdout}${json.stderr}`
    for (const key of keys) {
      expect(everything).not.toContain(key.slice(27, 70))
    }
    for (const hash of storedHashes(stateDir)) expect(everything).not.toContain(hash)
  })

  it('lists nothing, with a note on stderr, for a state dir without keys', () => {
    const r = apikey(['list', '--state-dir', stateDirIn()])
    expect(r.status).toBe(0)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^briefd: no API keys in /)
  })
})

describe('briefd apikey revoke', () => {
  it('revokes a key (list shows it revoked) and says so again, exit 0, when repeated', () => {
    const stateDir = stateDirIn()
    const key = apikey([
      'create',
      '--name',
      'n',
      '--scope',
      'briefd:read',
      '--state-dir',
      stateDir,
    ]).stdout.trim()
    const id = key.slice(10, 26)
    const r = apikey(['revoke', id, '--state-dir', stateDir])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain(id)
    expect(apikey(['list', '--state-dir', stateDir]).stdout).toMatch(
      new RegExp(`^${id}\trevoked\t`),
    )
    const again = apikey(['revoke', id, '--state-dir', stateDir])
    expect(again.status).toBe(0)
    expect(again.stdout).toContain('already revoked')
  })

  it.each(['0123456789abcdef', 'not-an-id'])('refuses unknown id %s: one line, exit 1', (id) => {
    const stateDir = stateDirIn()
    apikey(['create', '--name', 'n', '--scope', 'briefd:read', '--state-dir', stateDir])
    const before = readFileSync(join(stateDir, 'apikeys.json'), 'utf8')
    const r = apikey(['revoke', id, '--state-dir', stateDir])
    expect(r.status).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain(id)
    expect(readFileSync(join(stateDir, 'apikeys.json'), 'utf8')).toBe(before)
  })
})

import { afterEach, describe, expect, it } from 'vitest'
import {
  chmodSync,
  chownSync,
  lstatSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import {
  isExpired,
  readTokenFile,
  writeTokenFile,
  type TokenRecord,
} from '../../src/host/token-file.js'
import { BriefdError } from '../../src/shared/errors.js'
import { tempDir } from '../helpers/tmp.js'

const isRoot = process.geteuid?.() === 0

const rec = (token = 'tok-1'): TokenRecord => ({
  version: 1,
  token,
  session_id: 'sid',
  expires_at: new Date(Date.now() + 3_600_000).toISOString(),
  daemon_url: 'http://127.0.0.1:7866',
  host: { pid: 12, startTime: '34' },
  created_at: new Date().toISOString(),
})

function code(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof BriefdError) return err.code
    throw err
  }
  return 'no error'
}

describe('writeTokenFile / readTokenFile', () => {
  const saved = process.umask()
  afterEach(() => {
    process.umask(saved)
  })

  it('writes mode 0600 even under umask 000, and reads back the record', () => {
    process.umask(0)
    const path = join(tempDir(), 'host-12-34.json')
    const r = rec()
    writeTokenFile(path, r)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(readTokenFile(path)).toEqual(r)
  })

  it('replaces a symlink planted at the path instead of writing through it', () => {
    const dir = tempDir()
    const victim = join(dir, 'victim')
    writeFileSync(victim, 'precious')
    const path = join(dir, 'host-12-34.json')
    symlinkSync(victim, path)
    writeTokenFile(path, rec())
    expect(readFileSync(victim, 'utf8')).toBe('precious')
    expect(lstatSync(path).isFile()).toBe(true)
  })

  it('refuses to read a token file that group or others can read', () => {
    const path = join(tempDir(), 't.json')
    writeTokenFile(path, rec())
    chmodSync(path, 0o644)
    expect(code(() => readTokenFile(path))).toBe('ERR_FILE_UNSAFE')
  })

  it('refuses to read a token file through a symlink', () => {
    const dir = tempDir()
    writeTokenFile(join(dir, 'real.json'), rec())
    symlinkSync(join(dir, 'real.json'), join(dir, 'link.json'))
    expect(code(() => readTokenFile(join(dir, 'link.json')))).toBe('ERR_FILE_UNSAFE')
  })

  it.skipIf(!isRoot)('refuses to read a token file owned by another user', () => {
    const path = join(tempDir(), 't.json')
    writeTokenFile(path, rec())
    chownSync(path, 65534, 65534)
    expect(code(() => readTokenFile(path))).toBe('ERR_FILE_UNSAFE')
  })

  it('carries the daemon socket when there is one, and still reads files written before it', () => {
    const dir = tempDir()
    const withSocket = { ...rec(), daemon_socket: '/run/state/daemon.sock' }
    writeTokenFile(join(dir, 'new.json'), withSocket)
    expect(readTokenFile(join(dir, 'new.json'))).toEqual(withSocket)
    writeTokenFile(join(dir, 'old.json'), rec())
    expect(readTokenFile(join(dir, 'old.json'))).not.toHaveProperty('daemon_socket')
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...rec(), daemon_socket: 7 }), {
      mode: 0o600,
    })
    expect(code(() => readTokenFile(join(dir, 'bad.json')))).toBe('ERR_FILE_INVALID')
  })

  it('reports a missing file as ERR_FILE_NOT_FOUND and a corrupt one as ERR_FILE_INVALID', () => {
    const dir = tempDir()
    expect(code(() => readTokenFile(join(dir, 'none.json')))).toBe('ERR_FILE_NOT_FOUND')
    writeFileSync(join(dir, 'bad.json'), '{"version":1,', { mode: 0o600 })
    expect(code(() => readTokenFile(join(dir, 'bad.json')))).toBe('ERR_FILE_INVALID')
  })
})

describe('isExpired', () => {
  it('counts a token as expired a few seconds early (clock skew)', () => {
    const r = { ...rec(), expires_at: new Date(10_000).toISOString() }
    expect(isExpired(r, 0)).toBe(false)
    expect(isExpired(r, 6_000)).toBe(true)
  })
})

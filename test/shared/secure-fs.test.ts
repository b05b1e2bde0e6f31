import { describe, expect, it } from 'vitest'
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import {
  ensurePrivateDir,
  readSecretFile,
  writeSecretFileAtomic,
  createSecretFileExclusive,
  openPrivateAppend,
} from '../../src/shared/secure-fs.js'
import { BriefdError } from '../../src/shared/errors.js'
import { tempDir } from '../helpers/tmp.js'

const isRoot = process.getuid?.() === 0
const code = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (err) {
    return err instanceof BriefdError ? err.code : `not a BriefdError: ${String(err)}`
  }
  return undefined
}
const message = (fn: () => unknown): string => {
  try {
    fn()
  } catch (err) {
    return err instanceof Error ? err.message : String(err)
  }
  return ''
}

describe('ensurePrivateDir', () => {
  it('creates a missing dir (and parents) with mode 0700', () => {
    const dir = join(tempDir(), 'a', 'b', 'state')
    ensurePrivateDir(dir, { label: 'state dir' })
    expect(statSync(dir).mode & 0o777).toBe(0o700)
  })

  it('accepts an existing 0700 dir we own', () => {
    const dir = join(tempDir(), 'ok')
    mkdirSync(dir, { mode: 0o700 })
    expect(code(() => ensurePrivateDir(dir, { label: 'state dir' }))).toBeUndefined()
  })

  it('refuses a dir readable by group or others, naming the path and the fix', () => {
    const dir = join(tempDir(), 'open')
    mkdirSync(dir)
    chmodSync(dir, 0o755)
    expect(code(() => ensurePrivateDir(dir, { label: 'state dir' }))).toBe('ERR_DIR_UNSAFE')
    expect(message(() => ensurePrivateDir(dir, { label: 'state dir' }))).toBe(
      `state dir ${dir} has mode 0755; expected 0700 (fix: chmod 700 ${dir})`,
    )
    expect(statSync(dir).mode & 0o777).toBe(0o755)
  })

  it('refuses a symlink, even to a safe dir', () => {
    const base = tempDir()
    mkdirSync(join(base, 'real'), { mode: 0o700 })
    symlinkSync(join(base, 'real'), join(base, 'link'))
    expect(code(() => ensurePrivateDir(join(base, 'link'), { label: 'state dir' }))).toBe(
      'ERR_DIR_UNSAFE',
    )
  })

  it('refuses a file where the dir should be', () => {
    const path = join(tempDir(), 'file')
    writeFileSync(path, '')
    expect(code(() => ensurePrivateDir(path, { label: 'runtime dir' }))).toBe('ERR_DIR_UNSAFE')
  })

  it.skipIf(!isRoot)('refuses a dir owned by another user', () => {
    const dir = join(tempDir(), 'theirs')
    mkdirSync(dir, { mode: 0o700 })
    chownSync(dir, 12345, 12345)
    expect(code(() => ensurePrivateDir(dir, { label: 'state dir' }))).toBe('ERR_DIR_UNSAFE')
    expect(message(() => ensurePrivateDir(dir, { label: 'state dir' }))).toContain(
      'owned by uid 12345',
    )
  })
})

describe('writeSecretFileAtomic', () => {
  it('writes mode 0600 even under umask 000, and leaves no temp file', () => {
    const dir = tempDir()
    const script = `
      process.umask(0)
      const m = await import(${JSON.stringify(new URL('../../dist/shared/secure-fs.js', import.meta.url).href)})
      m.writeSecretFileAtomic(${JSON.stringify(join(dir, 'secret'))}, 'hello')
    `
    execFileSync(process.execPath, ['--input-type=module', '-e', script])
    expect(statSync(join(dir, 'secret')).mode & 0o777).toBe(0o600)
    expect(readdirSync(dir)).toEqual(['secret'])
  })

  it('replaces a symlink at the target instead of writing through it', () => {
    const dir = tempDir()
    const victim = join(dir, 'victim')
    writeFileSync(victim, 'original')
    symlinkSync(victim, join(dir, 'token'))
    writeSecretFileAtomic(join(dir, 'token'), 'new')
    expect(lstatSync(join(dir, 'token')).isSymbolicLink()).toBe(false)
    expect(readSecretFile(join(dir, 'token'), { label: 'x', maxBytes: 100 }).toString()).toBe('new')
    expect(statSync(victim).size).toBe('original'.length)
  })
})

describe('createSecretFileExclusive', () => {
  it('creates once and never overwrites', () => {
    const path = join(tempDir(), 'key')
    expect(createSecretFileExclusive(path, 'first')).toBe(true)
    expect(createSecretFileExclusive(path, 'second')).toBe(false)
    expect(readSecretFile(path, { label: 'x', maxBytes: 100 }).toString()).toBe('first')
  })
})

describe('readSecretFile', () => {
  const file = (mode: number, content = 'secret'): string => {
    const p = join(tempDir(), 'f')
    writeFileSync(p, content)
    chmodSync(p, mode)
    return p
  }

  it('reads a 0600 file we own', () => {
    expect(readSecretFile(file(0o600), { label: 'token file', maxBytes: 100 }).toString()).toBe(
      'secret',
    )
  })

  it('refuses a group- or world-readable file, naming the path and the fix', () => {
    const p = file(0o644)
    expect(code(() => readSecretFile(p, { label: 'token file', maxBytes: 100 }))).toBe(
      'ERR_FILE_UNSAFE',
    )
    expect(message(() => readSecretFile(p, { label: 'token file', maxBytes: 100 }))).toBe(
      `token file ${p} has mode 0644; expected 0600 (fix: chmod 600 ${p})`,
    )
  })

  it('refuses a symlink', () => {
    const target = file(0o600)
    const link = join(tempDir(), 'link')
    symlinkSync(target, link)
    expect(code(() => readSecretFile(link, { label: 'token file', maxBytes: 100 }))).toBe(
      'ERR_FILE_UNSAFE',
    )
  })

  it('refuses a FIFO without hanging', () => {
    const p = join(tempDir(), 'fifo')
    execFileSync('mkfifo', ['-m', '600', p])
    expect(code(() => readSecretFile(p, { label: 'token file', maxBytes: 100 }))).toBe(
      'ERR_FILE_UNSAFE',
    )
  })

  it('refuses an oversized file', () => {
    expect(
      code(() =>
        readSecretFile(file(0o600, 'x'.repeat(200)), { label: 'token file', maxBytes: 100 }),
      ),
    ).toBe('ERR_FILE_INVALID')
  })

  it('reports a missing file as ERR_FILE_NOT_FOUND', () => {
    expect(
      code(() => readSecretFile(join(tempDir(), 'none'), { label: 'token file', maxBytes: 100 })),
    ).toBe('ERR_FILE_NOT_FOUND')
  })

  it.skipIf(!isRoot)('refuses a file owned by another user', () => {
    const p = file(0o600)
    chownSync(p, 12345, 12345)
    expect(code(() => readSecretFile(p, { label: 'token file', maxBytes: 100 }))).toBe(
      'ERR_FILE_UNSAFE',
    )
  })
})

describe('openPrivateAppend', () => {
  it('refuses a symlinked log file', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'elsewhere'), '')
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'audit.log'))
    expect(code(() => openPrivateAppend(join(dir, 'audit.log'), 'audit log'))).toBe(
      'ERR_FILE_UNSAFE',
    )
  })
})

import { afterEach, describe, expect, it } from 'vitest'
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkRuntimeDir, ensureRuntimeDir, resolveRuntimeDir } from '../../src/host/runtime-dir.js'
import { BriefdError } from '../../src/shared/errors.js'
import { tempDir } from '../helpers/tmp.js'

const isRoot = process.geteuid?.() === 0
const uid = process.geteuid?.() ?? 0

function refusal(fn: () => unknown): BriefdError {
  try {
    fn()
  } catch (err) {
    if (err instanceof BriefdError) return err
    throw err
  }
  throw new Error('expected a refusal')
}

describe('resolveRuntimeDir', () => {
  it('prefers BRIEFD_RUNTIME_DIR, then $XDG_RUNTIME_DIR/briefd, then <tmpdir>/briefd-<uid>', () => {
    expect(resolveRuntimeDir({ BRIEFD_RUNTIME_DIR: '/a/b', XDG_RUNTIME_DIR: '/run/user/1' })).toBe(
      '/a/b',
    )
    expect(resolveRuntimeDir({ XDG_RUNTIME_DIR: '/run/user/1' })).toBe('/run/user/1/briefd')
    expect(resolveRuntimeDir({})).toBe(join(tmpdir(), `briefd-${uid}`))
  })

  it('ignores a relative XDG_RUNTIME_DIR (the XDG spec says it is invalid)', () => {
    expect(resolveRuntimeDir({ XDG_RUNTIME_DIR: 'relative' })).toBe(join(tmpdir(), `briefd-${uid}`))
  })
})

describe('ensureRuntimeDir', () => {
  const saved = process.umask()
  afterEach(() => {
    process.umask(saved)
  })

  it('creates the dir with mode 0700 even under umask 000', () => {
    process.umask(0)
    const dir = join(tempDir(), 'xdg', 'briefd')
    expect(ensureRuntimeDir({ BRIEFD_RUNTIME_DIR: dir })).toBe(dir)
    const st = statSync(dir)
    expect(st.mode & 0o777).toBe(0o700)
    expect(st.uid).toBe(uid)
  })

  it('accepts an existing 0700 dir of ours, twice', () => {
    const dir = tempDir()
    chmodSync(dir, 0o700)
    ensureRuntimeDir({ BRIEFD_RUNTIME_DIR: dir })
    expect(() => ensureRuntimeDir({ BRIEFD_RUNTIME_DIR: dir })).not.toThrow()
  })

  it.each([0o755, 0o750, 0o777, 0o701])(
    'refuses an existing dir with mode %o and leaves it alone',
    (mode) => {
      const dir = tempDir()
      chmodSync(dir, mode)
      const err = refusal(() => ensureRuntimeDir({ BRIEFD_RUNTIME_DIR: dir }))
      expect(err.code).toBe('ERR_DIR_UNSAFE')
      expect(err.message).toContain(dir)
      expect(statSync(dir).mode & 0o777).toBe(mode)
    },
  )

  it('refuses a symlink to a dir, even one we own with mode 0700', () => {
    const base = tempDir()
    const victim = join(base, 'victim')
    mkdirSync(victim, { mode: 0o700 })
    symlinkSync(victim, join(base, 'briefd-link'))
    const err = refusal(() => ensureRuntimeDir({ BRIEFD_RUNTIME_DIR: join(base, 'briefd-link') }))
    expect(err.code).toBe('ERR_DIR_UNSAFE')
    expect(err.message).toMatch(/symlink/)
    expect(readdirSync(victim)).toEqual([])
  })

  it('refuses a regular file where the dir should be', () => {
    const path = join(tempDir(), 'briefd')
    writeFileSync(path, '')
    expect(refusal(() => ensureRuntimeDir({ BRIEFD_RUNTIME_DIR: path })).code).toBe(
      'ERR_DIR_UNSAFE',
    )
  })

  it.skipIf(!isRoot)('refuses a dir pre-created by another user (as in a shared /tmp)', () => {
    const dir = tempDir()
    chmodSync(dir, 0o700)
    chownSync(dir, 65534, 65534)
    const err = refusal(() => ensureRuntimeDir({ BRIEFD_RUNTIME_DIR: dir }))
    expect(err.code).toBe('ERR_DIR_UNSAFE')
    expect(err.message).toContain('owned by uid 65534')
    expect(lstatSync(dir).uid).toBe(65534)
  })
})

describe('checkRuntimeDir', () => {
  it('returns false for a missing dir and creates nothing', () => {
    const dir = join(tempDir(), 'missing')
    expect(checkRuntimeDir(dir)).toBe(false)
    expect(existsSync(dir)).toBe(false)
  })

  it('returns true for a safe dir and throws ERR_DIR_UNSAFE for an open one', () => {
    const dir = tempDir()
    chmodSync(dir, 0o700)
    expect(checkRuntimeDir(dir)).toBe(true)
    chmodSync(dir, 0o711)
    expect(refusal(() => checkRuntimeDir(dir)).code).toBe('ERR_DIR_UNSAFE')
  })
})

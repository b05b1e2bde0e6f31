import { describe, expect, it } from 'vitest'
import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ContentStore } from '../../src/content/store.js'
import { checkContent } from '../../src/content/check.js'
import { isValidTemplateName } from '../../src/content/names.js'
import { silentLogger } from '../../src/shared/log.js'
import { makeContent } from '../helpers/content.js'
import { codeOf } from '../helpers/errors.js'
import { tempDir } from '../helpers/tmp.js'

describe('isValidTemplateName', () => {
  it.each(['review', 'score-change', 'a_b', 'A1'])('accepts %s', (n) =>
    expect(isValidTemplateName(n)).toBe(true),
  )
  it.each([
    '',
    '.',
    '..',
    '../x',
    'a/b',
    'a\\b',
    '.hidden',
    'x.md',
    '-x',
    'é',
    'a b',
    'a%2Fb',
    'a\0b',
    'x'.repeat(65),
  ])('refuses %j', (n) => expect(isValidTemplateName(n)).toBe(false))
})

describe('ContentStore', () => {
  it('refuses a missing content dir with a message naming it', () => {
    const dir = join(tempDir(), 'nope')
    expect(codeOf(() => new ContentStore({ dir, logger: silentLogger }))).toBe(
      'ERR_CONTENT_DIR_MISSING',
    )
  })

  it('refuses a template that is a symlink out of the content dir', () => {
    const c = makeContent()
    const outside = join(tempDir(), 'secret.md')
    writeFileSync(outside, 'outside the content dir')
    symlinkSync(outside, join(c.dir, 'templates', 'escape.md'))
    const store = new ContentStore({ dir: c.dir, logger: silentLogger, watch: false })
    expect(codeOf(() => store.template('escape'))).toBe('ERR_CONTENT_UNSAFE')
    store.close()
  })

  it('serves a symlink that stays inside the content dir', () => {
    const c = makeContent()
    symlinkSync(join(c.dir, 'templates', 'verdict.md'), join(c.dir, 'templates', 'alias.md'))
    const store = new ContentStore({ dir: c.dir, logger: silentLogger, watch: false })
    expect(store.template('alias')?.content).toContain(c.canary.template)
    store.close()
  })

  it('refuses a templates dir that is a symlink out of the content dir', () => {
    const elsewhere = tempDir()
    writeFileSync(join(elsewhere, 'x.md'), 'elsewhere')
    const dir = tempDir()
    mkdirSync(join(dir, 'sub'))
    writeFileSync(join(dir, 'instructions.md'), 'i')
    symlinkSync(elsewhere, join(dir, 'templates'))
    const store = new ContentStore({ dir, logger: silentLogger, watch: false })
    expect(codeOf(() => store.template('x'))).toBe('ERR_CONTENT_UNSAFE')
    store.close()
  })

  it('re-reads a changed file without a watcher within the revalidation interval', () => {
    const c = makeContent()
    let now = 1_000_000
    const store = new ContentStore({
      dir: c.dir,
      logger: silentLogger,
      watch: false,
      now: () => now,
    })
    const first = store.voice()
    writeFileSync(join(c.dir, 'voice.md'), 'changed voice, now longer than before')
    // The edit finished a second ago (a file modified in the last 100 ms counts as in flux).
    const past = new Date(Date.now() - 1000)
    utimesSync(join(c.dir, 'voice.md'), past, past)
    now += 1001
    const second = store.voice()
    expect(second?.content).toContain('changed voice')
    expect(second?.etag).not.toBe(first?.etag)
    store.close()
  })

  it('keeps serving the complete version while a file is being rewritten, then the new one', () => {
    const c = makeContent()
    let now = 1_000_000
    const store = new ContentStore({
      dir: c.dir,
      logger: silentLogger,
      watch: false,
      now: () => now,
    })
    const past = new Date(Date.now() - 5000)
    utimesSync(join(c.dir, 'voice.md'), past, past)
    const first = store.voice()
    writeFileSync(join(c.dir, 'voice.md'), 'half')
    now += 1001
    expect(store.voice()?.etag).toBe(first?.etag)
    utimesSync(join(c.dir, 'voice.md'), past, past)
    expect(store.voice()?.content).toContain('half')
    store.close()
  })

  it('returns undefined for a template that does not exist', () => {
    const store = new ContentStore({ dir: makeContent().dir, logger: silentLogger, watch: false })
    expect(store.template('absent')).toBeUndefined()
    store.close()
  })
})

describe('checkContent', () => {
  it('passes the bundled example content', () => {
    const report = checkContent('examples/content')
    expect(report.findings.filter((f) => f.level === 'error')).toEqual([])
    expect(report.templates.length).toBeGreaterThan(0)
  })

  it('fails when preamble + instructions exceed the host limit', () => {
    const c = makeContent()
    writeFileSync(join(c.dir, 'instructions.md'), 'x'.repeat(2100))
    const report = checkContent(c.dir)
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: expect.stringContaining('cuts them at 2048'),
      }),
    )
    expect(checkContent(c.dir, 5000).findings.filter((f) => f.level === 'error')).toEqual([])
  })

  it('never includes content text in its report', () => {
    const c = makeContent()
    const text = JSON.stringify(checkContent(c.dir))
    for (const canary of c.canaries) expect(text).not.toContain(canary)
  })
})

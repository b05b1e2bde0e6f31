/**
 * The content check's permission warning, on real trees with real modes (and, as root, real
 * owners): other local users must be kept out of the content dir, and the check says so once
 * for the whole dir, with the fix. A warning only: nothing here stops content being served.
 */
import { describe, expect, it } from 'vitest'
import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkContent, type ContentFinding } from '../../src/content/check.js'
import { contentExposure } from '../../src/content/permissions.js'
import { makeContent } from '../helpers/content.js'
import { tempDir } from '../helpers/tmp.js'

const isRoot = process.geteuid?.() === 0
const OTHER_UID = 65534

/** The findings about the dir as a whole (the permission warning is the only one). */
const dirFindings = (dir: string): ContentFinding[] =>
  checkContent(dir).findings.filter((f) => f.file === dir)

describe('content permissions', () => {
  it('finds nothing in a 0700 tree of 0600 files', () => {
    const c = makeContent()
    mkdirSync(join(c.dir, 'templates', 'nested'), { mode: 0o700 })
    writeFileSync(join(c.dir, 'templates', 'nested', 'x.md'), 'x', { mode: 0o600 })
    expect(checkContent(c.dir).findings).toEqual([])
    expect(contentExposure(c.dir)).toMatchObject({ open: 0, foreign: 0 })
  })

  it('warns once for a 0755 content dir, naming it, the mode and the fix', () => {
    const c = makeContent()
    chmodSync(c.dir, 0o755)
    const [finding, ...rest] = dirFindings(c.dir)
    expect(rest).toEqual([])
    expect(finding).toEqual({
      level: 'warning',
      file: c.dir,
      message: `1 entry open to group or others, so other local users can read the confidential content (first: ${c.dir}, mode 0755)`,
      fix: `chmod -R go-rwx ${c.dir}`,
    })
  })

  it('counts every loose entry in one warning (0755 dirs, 0644 files, as under umask 022), naming the first', () => {
    const c = makeContent()
    chmodSync(join(c.dir, 'templates'), 0o755)
    for (const f of [
      'briefing.md',
      'instructions.md',
      'preamble.md',
      'voice.md',
      'templates/verdict.md',
      'templates/hidden.md',
    ])
      chmodSync(join(c.dir, f), 0o644)
    const found = dirFindings(c.dir)
    expect(found).toHaveLength(1)
    expect(found[0]?.message).toMatch(
      new RegExp(
        `^7 entries open to group or others, .*\\(first: ${join(c.dir, 'briefing.md')}, mode 0644\\)$`,
      ),
    )
    expect(found[0]?.fix).toBe(`chmod -R go-rwx ${c.dir}`)
  })

  it.each(['0640', '0604', '0620', '0602', '0610'])(
    'counts a file with mode %s (any group or other bit)',
    (octal) => {
      const mode = parseInt(octal, 8)
      const c = makeContent()
      chmodSync(join(c.dir, 'templates', 'hidden.md'), mode)
      expect(contentExposure(c.dir)).toMatchObject({
        open: 1,
        firstOpen: { path: join(c.dir, 'templates', 'hidden.md'), mode },
      })
    },
  )

  it('looks at a symlinked content dir, but not at symlinks inside it', () => {
    const c = makeContent()
    symlinkSync(join(c.dir, 'templates', 'verdict.md'), join(c.dir, 'templates', 'alias.md'))
    const link = join(tempDir(), 'content-link')
    symlinkSync(c.dir, link)
    expect(checkContent(link).findings).toEqual([])
    chmodSync(join(c.dir, 'voice.md'), 0o644)
    expect(dirFindings(link)).toHaveLength(1)
  })

  it('is a warning, not an error: the content is still checked and served as before', () => {
    const c = makeContent()
    chmodSync(c.dir, 0o755)
    const report = checkContent(c.dir)
    expect(report.findings.filter((f) => f.level === 'error')).toEqual([])
    expect(report.templates).toEqual(['hidden', 'verdict'])
  })

  it.skipIf(!isRoot)(
    'warns when entries are owned by another user, naming the uid and the fix',
    () => {
      const c = makeContent()
      chownSync(join(c.dir, 'templates', 'verdict.md'), OTHER_UID, OTHER_UID)
      chownSync(join(c.dir, 'voice.md'), OTHER_UID, OTHER_UID)
      const found = dirFindings(c.dir)
      expect(found).toHaveLength(1)
      expect(found[0]?.message).toBe(
        `2 entries owned by another user, who can change them (first: ${join(c.dir, 'templates', 'verdict.md')}, uid ${OTHER_UID}; you are uid 0)`,
      )
      expect(found[0]?.fix).toBe(`chown -R 0 ${c.dir}`)
      chmodSync(c.dir, 0o750)
      expect(dirFindings(c.dir)[0]?.fix).toBe(`chmod -R go-rwx ${c.dir} && chown -R 0 ${c.dir}`)
    },
  )
})

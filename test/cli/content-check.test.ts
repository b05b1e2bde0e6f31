/**
 * `briefd content check` as a user runs it: the permission warning is one line naming the
 * content dir, how many entries are affected, the first of them and the fix; it does not
 * fail the check. No content text in the output.
 */
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { chmodSync } from 'node:fs'
import { join } from 'node:path'
import { leakedCanaries, makeContent } from '../helpers/content.js'
import { childEnv } from '../helpers/mcp.js'

const check = (dir: string) =>
  spawnSync(process.execPath, ['bin/briefd.js', 'content', 'check', '--content', dir], {
    encoding: 'utf8',
    env: childEnv(),
    timeout: 15_000,
  })

describe('briefd content check', () => {
  it('passes a 0700/0600 content dir with no warning', () => {
    const c = makeContent()
    const r = check(c.dir)
    expect(r.status).toBe(0)
    expect(r.stdout).not.toMatch(/^warning:/m)
    expect(r.stdout.trim().split('\n').pop()).toBe('content check passed')
  })

  it('warns, in one line with the fix, about a content dir other users can read, and still passes', () => {
    const c = makeContent()
    chmodSync(c.dir, 0o755)
    chmodSync(join(c.dir, 'voice.md'), 0o644)
    const r = check(c.dir)
    expect(r.status).toBe(0)
    const warnings = r.stdout.split('\n').filter((l) => l.startsWith('warning:'))
    expect(warnings).toEqual([
      `warning: ${c.dir}: 2 entries open to group or others, so other local users can read the confidential content (first: ${c.dir}, mode 0755) (fix: chmod -R go-rwx ${c.dir})`,
    ])
    expect(r.stdout.trim().split('\n').pop()).toBe('content check passed')
    expect(leakedCanaries(c, r.stdout + r.stderr)).toEqual([])
  })
})

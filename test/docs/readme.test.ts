/**
 * The README's commands must work for a newcomer: briefd is not on npm, so no command block
 * may run `npx briefd` (it would fetch whatever package holds that name).
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'

const readme = readFileSync('README.md', 'utf8')
const codeBlocks = [...readme.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1] ?? '')

describe('README', () => {
  it('has no command block that runs npx briefd', () => {
    expect(codeBlocks.length).toBeGreaterThan(5)
    expect(codeBlocks.filter((b) => /\bnpx\s+briefd\b/.test(b))).toEqual([])
  })

  it('tells how to install briefd from a checkout or the npm pack tarball', () => {
    expect(readme).toContain('## Installing briefd (it is not on npm yet)')
    expect(readme).toMatch(/`npm pack` writes `briefd-[\d.]+\.tgz`/)
    expect(readme).not.toContain('the npm package has one')
  })
})

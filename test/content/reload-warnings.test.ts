/**
 * What the daemon says when content changes under it (hot reload), and `content check
 * --tools`: instructions grown past the host's limit, and template placeholders no tool of
 * the manifest fills. Named by file, placeholder and tool; never a word of the content.
 */
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { appendFileSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ContentStore } from '../../src/content/store.js'
import { templateInputsOf } from '../../src/content/placeholders.js'
import { parseManifest } from '../../src/briefing/manifest.js'
import { createLogger } from '../../src/shared/log.js'
import { leakedCanaries, makeContent } from '../helpers/content.js'
import { childEnv, testManifest } from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'

const settle = (path: string): void => {
  // Written a while ago: a file modified in the last 100 ms counts as still being written.
  const past = new Date(Date.now() - 5000)
  utimesSync(path, past, past)
}

function storeWithLog(dir: string) {
  const lines: string[] = []
  let now = 1_000_000
  const manifest = parseManifest(testManifest(), 'tools.json')
  const store = new ContentStore({
    dir,
    logger: createLogger({ name: 'briefd', level: 'info', write: (l) => lines.push(l) }),
    watch: false,
    now: () => now,
    instructionsLimit: 2048,
    manifest: { source: 'tools.json', inputs: templateInputsOf(manifest.tools) },
  })
  return { store, lines, tick: () => (now += 1001) }
}

describe('content reload warnings', () => {
  it('warns once when a reload makes the instructions longer than the host keeps', () => {
    const c = makeContent()
    const { store, lines, tick } = storeWithLog(c.dir)
    store.instructions()
    const file = join(c.dir, 'instructions.md')
    writeFileSync(file, `${'x'.repeat(3440)}\n`)
    settle(file)
    tick()
    expect(store.instructions()?.content.length).toBeGreaterThan(2048)
    tick()
    store.instructions()
    const warned = lines.filter((l) => l.includes('the host cuts them at 2048'))
    expect(warned).toHaveLength(1)
    expect(warned[0]).toMatch(
      new RegExp(`${file}: reloaded; preamble \\+ instructions are now \\d+ characters`),
    )
    store.close()
  })

  it('names a placeholder a reloaded template gained that its tool does not fill', () => {
    const c = makeContent()
    const { store, lines, tick } = storeWithLog(c.dir)
    store.template('verdict')
    const file = join(c.dir, 'templates', 'verdict.md')
    appendFileSync(file, 'Signed: {{reviewer}}\n')
    settle(file)
    tick()
    store.template('verdict')
    expect(lines.filter((l) => l.includes('placeholder'))).toEqual([
      expect.stringContaining(
        `content: ${file}: reloaded; placeholder {{reviewer}} is no input of tool give_verdict in tools.json: it renders as empty text`,
      ),
    ])
    expect(leakedCanaries(c, lines.join('\n'))).toEqual([])
    store.close()
  })

  it('says nothing when a reload stays within the limit and fills every placeholder', () => {
    const c = makeContent()
    const { store, lines, tick } = storeWithLog(c.dir)
    store.instructions()
    store.template('verdict')
    writeFileSync(join(c.dir, 'instructions.md'), 'short\n')
    writeFileSync(join(c.dir, 'templates', 'verdict.md'), '{{verdict}} on {{ target }}\n')
    settle(join(c.dir, 'instructions.md'))
    settle(join(c.dir, 'templates', 'verdict.md'))
    tick()
    expect(store.instructions()?.content).toContain('short')
    expect(store.template('verdict')?.content).toContain('{{verdict}}')
    expect(lines).toEqual([])
    store.close()
  })
})

describe('briefd content check --tools', () => {
  it('names the template and the placeholder no tool fills, without failing the check', () => {
    const c = makeContent()
    const tools = join(tempDir(), 'tools.json')
    writeFileSync(tools, JSON.stringify(testManifest()))
    appendFileSync(join(c.dir, 'templates', 'verdict.md'), 'Signed: {{reviewer}}\n')
    const r = spawnSync(
      process.execPath,
      ['bin/briefd.js', 'content', 'check', '--content', c.dir, '--tools', tools],
      { encoding: 'utf8', env: childEnv(), timeout: 15_000 },
    )
    expect(r.status).toBe(0)
    expect(r.stdout).toContain(
      `warning: ${join(c.dir, 'templates', 'verdict.md')}: placeholder {{reviewer}} is no input of tool give_verdict in ${tools}: it renders as empty text (fix: add "reviewer" to the inputSchema properties of give_verdict in ${tools}, or take {{reviewer}} out of the template)`,
    )
    expect(r.stdout).not.toContain('{{verdict}}')
    expect(leakedCanaries(c, r.stdout + r.stderr)).toEqual([])
  })
})

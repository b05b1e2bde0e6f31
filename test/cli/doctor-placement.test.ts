// `briefd doctor` warns, with a one-line fix, when the daemon's content dir sits inside a
// Claude Code plugin dir: installing that plugin would put the content on every user's disk.
import { afterAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeContent, leakedCanaries } from '../helpers/content.js'
import { childEnv } from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'

const env = childEnv({
  BRIEFD_STATE_DIR: join(tempDir(), 'state'),
  BRIEFD_RUNTIME_DIR: join(tempDir(), 'run'),
  HOME: tempDir(),
})
const run = (args: string[]) =>
  spawnSync(process.execPath, [join(process.cwd(), 'bin/briefd.js'), ...args], {
    encoding: 'utf8',
    env,
    cwd: tempDir(),
    timeout: 30_000,
  })

afterAll(() => {
  run(['stop'])
})

describe('briefd doctor and the content dir placement', () => {
  it('warns (without failing on it) when the content dir is inside a plugin dir, with the fix', () => {
    const plugin = tempDir()
    mkdirSync(join(plugin, '.claude-plugin'))
    writeFileSync(join(plugin, '.claude-plugin', 'plugin.json'), '{"name":"leaky"}\n')
    const source = makeContent()
    const content = join(plugin, 'content')
    cpSync(source.dir, content, { recursive: true })
    expect(run(['start', '--port', '0', '--content', content]).status).toBe(0)
    const r = run(['doctor', '--no-mcp'])
    const lines = r.stdout.split('\n')
    const at = lines.findIndex((l) => /^warn {2}content placement /.test(l))
    expect(lines[at]).toContain(`content dir ${content} is inside the plugin dir ${plugin}`)
    expect(lines[at + 1]).toMatch(/^ +fix: move it out of there .*briefd restart --content /)
    expect(r.stdout).not.toMatch(/^FAIL {2}content/m)
    expect(leakedCanaries(source, r.stdout + r.stderr)).toEqual([])
  })
})

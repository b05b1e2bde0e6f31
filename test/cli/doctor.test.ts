import { afterAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { makeContent, leakedCanaries } from '../helpers/content.js'
import { childEnv } from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'

const stateDir = join(tempDir(), 'state')
const runtimeDir = join(tempDir(), 'run')
const project = tempDir()
const content = makeContent()
const env = childEnv({
  BRIEFD_STATE_DIR: stateDir,
  BRIEFD_RUNTIME_DIR: runtimeDir,
  HOME: tempDir(),
})
const run = (args: string[], cwd = process.cwd()) =>
  spawnSync(process.execPath, [join(process.cwd(), 'bin/briefd.js'), ...args], {
    encoding: 'utf8',
    env,
    cwd,
    timeout: 30_000,
  })

afterAll(() => {
  run(['stop'])
})

describe('briefd doctor', () => {
  it('fails with a fix per check when nothing is set up, and prints no secret', () => {
    const r = run(['doctor', '--project-dir', project])
    expect(r.status).toBe(1)
    expect(r.stdout).toMatch(/^FAIL {2}daemon +not running$/m)
    // `briefd` when it is on PATH, else how this briefd was run.
    expect(r.stdout).toMatch(/fix: (briefd|node \S*bin\/briefd\.js) start --content <dir>/)
    expect(r.stdout).toMatch(/^FAIL {2}hooks +missing: SessionStart and SessionEnd$/m)
    expect(r.stdout).toMatch(/fix: (briefd|node \S*bin\/briefd\.js) install --project/)
    expect(r.stdout).toMatch(/^skip {2}token/m)
    expect(r.stdout.trim().split('\n').pop()).toMatch(/^\d+ check\(s\) failed$/)
  })

  it('passes every check, including briefd mcp end to end, once briefd is started and installed', () => {
    expect(run(['start', '--port', '0', '--content', content.dir]).status).toBe(0)
    expect(run(['install', '--project'], project).status).toBe(0)
    mkdirSync(runtimeDir, { mode: 0o700 })
    const r = run(['doctor'], project)
    expect(r.stdout).toMatch(
      /^ok {4}briefd mcp +briefd mcp initialized with the confidential instructions \(\d+ characters\)$/m,
    )
    expect(r.stdout.trim().split('\n').pop()).toBe('all checks passed')
    expect(r.status).toBe(0)
    expect(leakedCanaries(content, r.stdout + r.stderr)).toEqual([])
  })

  it('warns (without failing) about a content dir other users can read, with the fix', () => {
    chmodSync(content.dir, 0o755)
    try {
      const r = run(['doctor', '--no-mcp'], project)
      expect(r.stdout).toMatch(
        new RegExp(
          `^warn {2}content +${content.dir}: 1 entry open to group or others, .*\\(first: ${content.dir}, mode 0755\\)$`,
          'm',
        ),
      )
      expect(r.stdout).toMatch(new RegExp(`^ +fix: chmod -R go-rwx ${content.dir}$`, 'm'))
      expect(r.stdout.trim().split('\n').pop()).toBe('all checks passed')
      expect(r.status).toBe(0)
      expect(leakedCanaries(content, r.stdout + r.stderr)).toEqual([])
    } finally {
      chmodSync(content.dir, 0o700)
    }
  })

  it('names an unsafe runtime dir and its fix', () => {
    chmodSync(runtimeDir, 0o755)
    const r = run(['doctor', '--no-mcp'], project)
    expect(r.status).toBe(1)
    expect(r.stdout).toContain(`runtime dir ${runtimeDir} has mode 0755; expected 0700`)
    expect(r.stdout).toContain(`fix: chmod 700 ${runtimeDir}`)
    chmodSync(runtimeDir, 0o700)
  })
})

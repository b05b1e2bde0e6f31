import { afterAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { appendFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { leakedCanaries, makeContent } from '../helpers/content.js'
import { childEnv, testManifest } from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'

// doctor checks the MCP entry exactly as `briefd install` wrote it, and the content against
// the manifest that entry runs with. PATH has node but no `briefd`: the fixes must still run.
const stateDir = join(tempDir(), 'state')
const runtimeDir = join(tempDir(), 'run')
const project = tempDir()
const content = makeContent()
const tools = join(tempDir(), 'tools.json')
const BIN = join(process.cwd(), 'bin/briefd.js')
const env = childEnv({
  BRIEFD_STATE_DIR: stateDir,
  BRIEFD_RUNTIME_DIR: runtimeDir,
  HOME: tempDir(),
  PATH: dirname(process.execPath),
})
const run = (args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env,
    cwd: project,
    timeout: 30_000,
  })

afterAll(() => {
  run(['stop'])
})

describe('briefd doctor, on the entry as installed', () => {
  it('names a template placeholder that no tool of the installed manifest fills', () => {
    writeFileSync(tools, JSON.stringify(testManifest()))
    const verdict = join(content.dir, 'templates', 'verdict.md')
    appendFileSync(verdict, 'Signed: {{reviewer}}\n')
    const past = new Date(Date.now() - 60_000)
    utimesSync(verdict, past, past)
    expect(run(['start', '--port', '0', '--content', content.dir]).status).toBe(0)
    expect(run(['install', '--project', '--tools', tools]).status).toBe(0)
    mkdirSync(runtimeDir, { mode: 0o700 })
    const r = run(['doctor', '--no-mcp'])
    expect(r.stdout).toContain(
      `warn  content      ${verdict}: placeholder {{reviewer}} is no input of tool give_verdict in ${tools}: it renders as empty text`,
    )
    expect(r.stdout).toMatch(/fix: add "reviewer" to the inputSchema properties of give_verdict/)
    expect(leakedCanaries(content, r.stdout + r.stderr)).toEqual([])
  })

  it('fails when the installed entry runs a manifest that no longer loads, and runs that very entry', () => {
    writeFileSync(tools, '{}')
    const r = run(['doctor'])
    expect(r.status).toBe(1)
    expect(r.stdout).toMatch(
      new RegExp(
        `^FAIL {2}mcp entry +${join(project, '.mcp.json')} \\("briefd"\\) runs briefd mcp with a manifest that does not load: tool manifest ${tools}: server: must be an object$`,
        'm',
      ),
    )
    // The fix runs as pasted: briefd is not on PATH.
    expect(r.stdout).toContain(`, or node ${BIN} uninstall, then node ${BIN} install --tools`)
    // The end-to-end check runs the entry itself, so it fails as Claude Code's connection would.
    expect(r.stdout).toMatch(/^FAIL {2}briefd mcp +briefd mcp did not initialize/m)
    expect(r.stdout).not.toContain('all checks passed')
    expect(leakedCanaries(content, r.stdout + r.stderr)).toEqual([])
  })
})

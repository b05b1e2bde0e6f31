import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { tempDir } from '../helpers/tmp.js'

// A clean environment: no BRIEFD_* from the caller, the default state dir under a fresh HOME,
// and a PATH with node but no `briefd`.
const baseEnv = (): Record<string, string> => ({
  ...(process.env as Record<string, string>),
  HOME: tempDir(),
  XDG_STATE_HOME: '',
  BRIEFD_STATE_DIR: '',
  BRIEFD_RUNTIME_DIR: join(tempDir(), 'run'),
  CLAUDE_CONFIG_DIR: '',
  PATH: dirname(process.execPath),
})
const run = (args: string[], env = baseEnv()) =>
  spawnSync(process.execPath, ['bin/briefd.js', ...args], {
    encoding: 'utf8',
    env,
    timeout: 15_000,
  })

const lines = (s: string): string[] => s.trimEnd().split('\n')

describe('briefd install: what a newcomer tripped over', () => {
  it('refuses a tools manifest that does not load, with its one-line error, and writes nothing', () => {
    const dir = tempDir()
    const bad = join(tempDir(), 'bad.json')
    writeFileSync(bad, JSON.stringify({ server: { name: 's', version: '1' }, tools: [] }))
    const r = run(['install', '--project', '--project-dir', dir, '--tools', bad])
    expect(r.status).toBe(1)
    expect(lines(r.stderr)).toEqual([
      `briefd: tool manifest ${bad}: instructions: must be an object`,
    ])
    expect(existsSync(join(dir, '.mcp.json'))).toBe(false)
    expect(existsSync(join(dir, '.claude'))).toBe(false)
  })

  it('says "created" for files it created and "updated" for files it changed', () => {
    const dir = tempDir()
    writeFileSync(join(dir, '.mcp.json'), '{"mcpServers":{}}')
    const r = run(['install', '--project', '--project-dir', dir])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain(`updated   ${join(dir, '.mcp.json')}\n`)
    expect(r.stdout).toContain(`created   ${join(dir, '.claude', 'settings.json')}\n`)
  })

  it('names the files not to commit, the approval step, and a doctor command that runs without briefd on PATH', () => {
    const dir = tempDir()
    const r = run(['install', '--project', '--project-dir', dir])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^briefd: do not commit \.mcp\.json and \.claude\/settings\.json: /m)
    expect(r.stdout).toContain('⏸ Pending approval')
    expect(r.stdout).toMatch(/check with: node bin\/briefd\.js doctor$/m)
  })

  it('uninstall without --state-dir finds the records of install --state-dir X', () => {
    const env = baseEnv()
    const dir = tempDir()
    const stateDir = join(tempDir(), 'elsewhere')
    writeFileSync(join(dir, '.mcp.json'), '{"mcpServers":{"other":{"command":"x"}}}')
    expect(run(['install', '--project-dir', dir, '--state-dir', stateDir], env).status).toBe(0)
    // The hooks and the server reach the daemon of that state dir, not the default one.
    expect(readFileSync(join(dir, '.claude', 'settings.json'), 'utf8')).toContain(
      `BRIEFD_STATE_DIR=${stateDir} `,
    )
    const r = run(['uninstall', '--project-dir', dir], env)
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).not.toContain('not installed')
    expect(readFileSync(join(dir, '.mcp.json'), 'utf8')).toBe(
      '{"mcpServers":{"other":{"command":"x"}}}',
    )
    expect(existsSync(join(dir, '.claude'))).toBe(false)
  })

  it('uninstall fails with one clear line, changing nothing, when no state dir holds the records', () => {
    const env = baseEnv()
    const dir = tempDir()
    const stateDir = join(tempDir(), 'elsewhere')
    expect(run(['install', '--project-dir', dir, '--state-dir', stateDir], env).status).toBe(0)
    const moved = join(tempDir(), 'moved')
    spawnSync('mv', [stateDir, moved])
    const before = readFileSync(join(dir, '.mcp.json'), 'utf8')
    const r = run(['uninstall', '--project-dir', dir], env)
    expect(r.status).toBe(1)
    expect(lines(r.stderr)).toHaveLength(1)
    expect(r.stderr).toMatch(
      /has briefd entries but no install record in .*; run node bin\/briefd\.js uninstall with the --state-dir you installed with \(nothing was changed\)\n$/,
    )
    expect(readFileSync(join(dir, '.mcp.json'), 'utf8')).toBe(before)
    expect(run(['uninstall', '--project-dir', dir, '--state-dir', moved], env).status).toBe(0)
    expect(existsSync(join(dir, '.mcp.json'))).toBe(false)
  })

  it('uninstall removes the approval Claude Code recorded and the .claude/ dir install created', () => {
    const env = baseEnv()
    const dir = tempDir()
    expect(run(['install', '--project-dir', dir], env).status).toBe(0)
    // What Claude Code writes when the user approves the project server.
    writeFileSync(
      join(dir, '.claude', 'settings.local.json'),
      JSON.stringify({ enabledMcpjsonServers: ['briefd'] }),
    )
    const r = run(['uninstall', '--project-dir', dir], env)
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain('(approval of briefd)')
    expect(existsSync(join(dir, '.claude'))).toBe(false)
    expect(existsSync(join(dir, '.mcp.json'))).toBe(false)
  })

  it("keeps the user's other approvals and a .claude/ that holds other files", () => {
    const env = baseEnv()
    const dir = tempDir()
    mkdirSync(join(dir, '.claude'))
    writeFileSync(join(dir, '.claude', 'CLAUDE.md'), 'notes')
    expect(run(['install', '--project-dir', dir], env).status).toBe(0)
    const local = join(dir, '.claude', 'settings.local.json')
    writeFileSync(local, JSON.stringify({ enabledMcpjsonServers: ['other', 'briefd'] }))
    expect(run(['uninstall', '--project-dir', dir], env).status).toBe(0)
    expect(JSON.parse(readFileSync(local, 'utf8'))).toEqual({ enabledMcpjsonServers: ['other'] })
    expect(readFileSync(join(dir, '.claude', 'CLAUDE.md'), 'utf8')).toBe('notes')
  })

  it('never generates config that runs an unpinned npx briefd (briefd is not published)', () => {
    const dir = tempDir()
    expect(run(['install', '--project', '--project-dir', dir]).status).toBe(0)
    for (const f of [join(dir, '.mcp.json'), join(dir, '.claude', 'settings.json')])
      expect(readFileSync(f, 'utf8')).not.toMatch(/\bnpx\b/)
  })
})

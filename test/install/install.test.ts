import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../helpers/tmp.js'

const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['bin/briefd.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 15_000,
  })

const ORIGINAL_SETTINGS = `{
    "model": "opus",
    "hooks": {
        "SessionStart": [ { "matcher": "startup", "hooks": [ { "type": "command", "command": "echo hi" } ] } ]
    },
    "permissions": { "deny": ["Read(./.env)"] }
}
`
const ORIGINAL_MCP = `{"mcpServers":{"other":{"command":"other-server","args":[]}}}`

function project(): { dir: string; stateDir: string; settings: string; mcp: string } {
  const dir = tempDir()
  mkdirSync(join(dir, '.claude'))
  writeFileSync(join(dir, '.claude', 'settings.json'), ORIGINAL_SETTINGS)
  writeFileSync(join(dir, '.mcp.json'), ORIGINAL_MCP)
  return {
    dir,
    stateDir: join(tempDir(), 'state'),
    settings: join(dir, '.claude', 'settings.json'),
    mcp: join(dir, '.mcp.json'),
  }
}

describe('briefd install --project', () => {
  it('adds the server, both hooks and the deny rules next to what is there', () => {
    const p = project()
    const r = run([
      'install',
      '--project',
      '--project-dir',
      p.dir,
      '--state-dir',
      p.stateDir,
      '--content',
      '/srv/content',
    ])
    expect(r.status, r.stderr).toBe(0)
    const mcp = JSON.parse(readFileSync(p.mcp, 'utf8')) as {
      mcpServers: Record<string, { command: string; args: string[] }>
    }
    expect(mcp.mcpServers.other).toEqual({ command: 'other-server', args: [] })
    expect(mcp.mcpServers.briefd?.command).toBe(process.execPath)
    expect(mcp.mcpServers.briefd?.args.slice(-1)).toEqual(['mcp'])
    const s = JSON.parse(readFileSync(p.settings, 'utf8')) as {
      model: string
      hooks: Record<string, { matcher?: string; hooks: { command: string; timeout: number }[] }[]>
      permissions: { deny: string[] }
      sandbox: { filesystem: { denyRead: string[] } }
    }
    expect(s.model).toBe('opus')
    expect(s.hooks.SessionStart).toHaveLength(2)
    expect(s.hooks.SessionStart?.[0]?.hooks[0]?.command).toBe('echo hi')
    expect(s.hooks.SessionStart?.[1]?.hooks[0]?.command).toMatch(
      /briefd\.js session start --content \/srv\/content$/,
    )
    expect(s.hooks.SessionEnd?.[0]?.hooks[0]?.command).toMatch(/briefd\.js session end$/)
    expect(s.permissions.deny[0]).toBe('Read(./.env)')
    expect(s.permissions.deny).toContain(`Read(/${p.stateDir}/**)`)
    expect(
      s.permissions.deny.some(
        (d) => /^Read\(\/\/.*briefd.*\/\*\*\)$/.test(d) && !d.includes(p.stateDir),
      ),
    ).toBe(true)
    expect(s.sandbox.filesystem.denyRead).toContain(p.stateDir)
  })

  it('is idempotent: install twice equals install once', () => {
    const p = project()
    run(['install', '--project-dir', p.dir, '--state-dir', p.stateDir])
    const once = [readFileSync(p.settings, 'utf8'), readFileSync(p.mcp, 'utf8')]
    const again = run(['install', '--project-dir', p.dir, '--state-dir', p.stateDir])
    expect(again.status).toBe(0)
    expect(again.stdout).toContain('unchanged')
    expect([readFileSync(p.settings, 'utf8'), readFileSync(p.mcp, 'utf8')]).toEqual(once)
  })

  it('uninstall restores the original files byte for byte', () => {
    const p = project()
    run(['install', '--project-dir', p.dir, '--state-dir', p.stateDir])
    run(['install', '--project-dir', p.dir, '--state-dir', p.stateDir])
    const r = run(['uninstall', '--project-dir', p.dir, '--state-dir', p.stateDir])
    expect(r.status, r.stderr).toBe(0)
    expect(readFileSync(p.settings, 'utf8')).toBe(ORIGINAL_SETTINGS)
    expect(readFileSync(p.mcp, 'utf8')).toBe(ORIGINAL_MCP)
  })

  it('uninstall deletes files that install created', () => {
    const dir = tempDir()
    const stateDir = join(tempDir(), 'state')
    run(['install', '--project-dir', dir, '--state-dir', stateDir])
    expect(existsSync(join(dir, '.mcp.json'))).toBe(true)
    run(['uninstall', '--project-dir', dir, '--state-dir', stateDir])
    expect(existsSync(join(dir, '.mcp.json'))).toBe(false)
    expect(existsSync(join(dir, '.claude', 'settings.json'))).toBe(false)
  })

  it("uninstall after the user edited the file removes only briefd's entries", () => {
    const p = project()
    run(['install', '--project-dir', p.dir, '--state-dir', p.stateDir])
    const s = JSON.parse(readFileSync(p.settings, 'utf8')) as Record<string, unknown>
    s.theme = 'dark'
    writeFileSync(p.settings, JSON.stringify(s))
    run(['uninstall', '--project-dir', p.dir, '--state-dir', p.stateDir])
    const after = JSON.parse(readFileSync(p.settings, 'utf8')) as Record<string, unknown>
    expect(after).toEqual({
      ...(JSON.parse(ORIGINAL_SETTINGS) as Record<string, unknown>),
      theme: 'dark',
    })
  })

  it('refuses to clobber another server with the same name', () => {
    const p = project()
    writeFileSync(p.mcp, JSON.stringify({ mcpServers: { briefd: { command: 'someone-else' } } }))
    const before = readFileSync(p.settings, 'utf8')
    const r = run(['install', '--project-dir', p.dir, '--state-dir', p.stateDir])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(`${p.mcp} already has an MCP server named "briefd"`)
    expect(readFileSync(p.settings, 'utf8')).toBe(before)
    expect(
      run(['install', '--project-dir', p.dir, '--state-dir', p.stateDir, '--name', 'briefd-review'])
        .status,
    ).toBe(0)
  })

  it('refuses a config that is not valid JSON, naming it, and changes nothing', () => {
    const p = project()
    writeFileSync(p.settings, '{ "model": "opus", }')
    const r = run(['install', '--project-dir', p.dir, '--state-dir', p.stateDir])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(
      `briefd: ${p.settings} is not valid JSON; fix or remove it first (nothing was changed)\n`,
    )
    expect(readFileSync(p.mcp, 'utf8')).toBe(ORIGINAL_MCP)
  })

  it('writes through a symlinked settings file', () => {
    const p = project()
    const real = join(tempDir(), 'dotfiles-settings.json')
    writeFileSync(real, ORIGINAL_SETTINGS)
    rmSync(p.settings)
    symlinkSync(real, p.settings)
    run(['install', '--project-dir', p.dir, '--state-dir', p.stateDir])
    expect(lstatSync(p.settings).isSymbolicLink()).toBe(true)
    expect(readFileSync(real, 'utf8')).toContain('session start')
    run(['uninstall', '--project-dir', p.dir, '--state-dir', p.stateDir])
    expect(readFileSync(real, 'utf8')).toBe(ORIGINAL_SETTINGS)
  })
})

describe('briefd install --user', () => {
  it('writes ~/.claude.json and ~/.claude/settings.json, and uninstall restores them', () => {
    const home = tempDir()
    const claudeJson = `{"numStartups": 3, "mcpServers": {}}`
    writeFileSync(join(home, '.claude.json'), claudeJson)
    const env = { HOME: home, CLAUDE_CONFIG_DIR: '' }
    const stateDir = join(tempDir(), 'state')
    expect(run(['install', '--user', '--state-dir', stateDir], env).status).toBe(0)
    const cj = JSON.parse(readFileSync(join(home, '.claude.json'), 'utf8')) as {
      numStartups: number
      mcpServers: Record<string, unknown>
    }
    expect(cj.numStartups).toBe(3)
    expect(Object.keys(cj.mcpServers)).toEqual(['briefd'])
    expect(readFileSync(join(home, '.claude', 'settings.json'), 'utf8')).toContain('session end')
    expect(run(['uninstall', '--user', '--state-dir', stateDir], env).status).toBe(0)
    expect(readFileSync(join(home, '.claude.json'), 'utf8')).toBe(claudeJson)
    expect(existsSync(join(home, '.claude', 'settings.json'))).toBe(false)
  })
})

describe('briefd install under umask 000', () => {
  // Through a shell, as a user would run it: the umask is the process's own, set before Node starts.
  const runUmask000 = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(
      '/bin/sh',
      ['-c', 'umask 000; exec "$0" "$@"', process.execPath, 'bin/briefd.js', ...args],
      { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 15_000 },
    )
  const mode = (path: string): number => statSync(path).mode & 0o777

  it('creates .claude/ 0755 and the config files 0644: nothing another user could rewrite or replace', () => {
    const dir = tempDir()
    const stateDir = join(tempDir(), 'state')
    const r = runUmask000(['install', '--project-dir', dir, '--state-dir', stateDir])
    expect(r.status, r.stderr).toBe(0)
    expect(mode(join(dir, '.claude'))).toBe(0o755)
    expect(mode(join(dir, '.claude', 'settings.json'))).toBe(0o644)
    expect(mode(join(dir, '.mcp.json'))).toBe(0o644)
    expect(readFileSync(join(dir, '.claude', 'settings.json'), 'utf8')).toContain('session start')
    // The install records hold the user's original files: private, like all state.
    expect(mode(stateDir)).toBe(0o700)
    expect(mode(join(stateDir, 'installs'))).toBe(0o700)
  })

  it('creates missing parents 0755 too (~/.claude for --user)', () => {
    const home = tempDir()
    const r = runUmask000(['install', '--user', '--state-dir', join(tempDir(), 'state')], {
      HOME: home,
      CLAUDE_CONFIG_DIR: '',
    })
    expect(r.status, r.stderr).toBe(0)
    expect(mode(join(home, '.claude'))).toBe(0o755)
    expect(mode(join(home, '.claude', 'settings.json'))).toBe(0o644)
    expect(mode(join(home, '.claude.json'))).toBe(0o644)
  })

  it('takes the group/other write bits off a config file it rewrites, keeping the rest of its mode', () => {
    const p = project()
    chmodSync(p.settings, 0o666)
    chmodSync(p.mcp, 0o600)
    const r = runUmask000(['install', '--project-dir', p.dir, '--state-dir', p.stateDir])
    expect(r.status, r.stderr).toBe(0)
    expect(mode(p.settings)).toBe(0o644)
    expect(mode(p.mcp)).toBe(0o600)
    expect(
      runUmask000(['uninstall', '--project-dir', p.dir, '--state-dir', p.stateDir]).status,
    ).toBe(0)
    expect(readFileSync(p.settings, 'utf8')).toBe(ORIGINAL_SETTINGS)
    expect(mode(p.settings)).toBe(0o644)
  })
})

// `briefd plugin build` refusals and output safety, through the real CLI: a plugin must never
// carry the content dir or a secret, and writing it must never follow a planted symlink.
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join, resolve } from 'node:path'
import { writeLaunchSettings } from '../../src/control/launch-settings.js'
import { contentPlacement } from '../../src/doctor/content-placement.js'
import { BIN } from '../helpers/mcp.js'
import { makeContent } from '../helpers/content.js'
import { tempDir } from '../helpers/tmp.js'

const EXAMPLE = resolve('examples/tools.json')

function build(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, 'plugin', 'build', ...args], {
    encoding: 'utf8',
    cwd: tempDir(),
    env: { ...process.env, BRIEFD_STATE_DIR: join(tempDir(), 'state'), ...env },
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** A refusal: exit 1, nothing on stdout, one stderr line. */
function refused(r: ReturnType<typeof build>): string {
  expect(r.stdout).toBe('')
  expect(r.status).toBe(1)
  const lines = r.stderr.split('\n').filter((l) => l !== '')
  expect(lines).toHaveLength(1)
  return lines[0] ?? ''
}

const manifestCopy = (edit: (m: Record<string, unknown>) => void = () => {}): string => {
  const m = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as Record<string, unknown>
  edit(m)
  const path = join(tempDir(), 'tools.json')
  writeFileSync(path, JSON.stringify(m, null, 2))
  return path
}

describe('briefd plugin build', () => {
  it('writes the plugin files, named from the manifest, and says what it checked', () => {
    const content = makeContent()
    const out = join(tempDir(), 'plugin')
    const r = build(['--manifest', EXAMPLE, '--out', out, '--content', content.dir])
    expect(r.status).toBe(0)
    expect(r.stdout).toContain(`plugin lanternfish written to ${out}:`)
    expect(r.stdout).toContain(`checked against content dir: ${content.dir}`)
    const mcp = JSON.parse(readFileSync(join(out, '.mcp.json'), 'utf8')) as {
      mcpServers: Record<string, { command: string; args: string[] }>
    }
    expect(mcp.mcpServers.lanternfish?.args).toEqual([
      '${CLAUDE_PLUGIN_ROOT}/runtime/briefd.mjs',
      'mcp',
      '--tools',
      '${CLAUDE_PLUGIN_ROOT}/tools.json',
    ])
    expect(lstatSync(join(out, 'runtime/briefd.mjs')).mode & 0o777).toBe(0o755)
  })

  it('takes --name and --license into plugin.json and the MCP entry', () => {
    const out = join(tempDir(), 'plugin')
    expect(
      build(['--manifest', EXAMPLE, '--out', out, '--name', 'review-judge', '--license', 'MIT'])
        .status,
    ).toBe(0)
    const plugin = JSON.parse(readFileSync(join(out, '.claude-plugin/plugin.json'), 'utf8')) as {
      name: string
      license: string
    }
    expect([plugin.name, plugin.license]).toEqual(['review-judge', 'MIT'])
    expect(readFileSync(join(out, '.mcp.json'), 'utf8')).toContain('"review-judge"')
  })

  it('refuses a manifest that does not load, naming the file and the field', () => {
    const bad = manifestCopy((m) => {
      const tools = m.tools as Record<string, unknown>[]
      const t = tools[0] ?? {}
      t.inputSchma = t.inputSchema
      delete t.inputSchema
    })
    const out = join(tempDir(), 'plugin')
    const line = refused(build(['--manifest', bad, '--out', out]))
    expect(line).toContain(bad)
    expect(line).toContain('tools[0]')
    expect(existsSync(out)).toBe(false)
  })

  it.each([
    ['a bad name', ['--name', 'Review Judge'], '--name "Review Judge" is not a plugin name'],
    ['a bad licence', ['--license', 'MIT; rm -rf'], '--license'],
    ['an http remote', ['--remote', 'http://briefd.example'], 'must be an https:// URL'],
    ['a remote with a query', ['--remote', 'https://briefd.example/?key=abc'], 'no secret'],
  ])('refuses %s', (_, extra, message) => {
    const out = join(tempDir(), 'plugin')
    expect(refused(build(['--manifest', EXAMPLE, '--out', out, ...extra]))).toContain(message)
    expect(existsSync(out)).toBe(false)
  })

  it('refuses a remote URL with a password, without repeating it', () => {
    const line = refused(
      build([
        '--manifest',
        EXAMPLE,
        '--out',
        join(tempDir(), 'p'),
        '--remote',
        'https://user:hunter2-secret@briefd.example/',
      ]),
    )
    expect(line).toContain('must not hold a user name or password')
    expect(line).not.toContain('hunter2')
  })

  it('passes --remote to the hooks and the MCP server, and marks it experimental', () => {
    const out = join(tempDir(), 'plugin')
    const r = build(['--manifest', EXAMPLE, '--out', out, '--remote', 'https://briefd.example/t'])
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('--remote is experimental')
    const hooks = readFileSync(join(out, 'hooks/hooks.json'), 'utf8')
    expect(hooks).toContain(`session start --remote 'https://briefd.example/t'`)
    expect(hooks).toContain(`session end --remote 'https://briefd.example/t'`)
    const mcp = JSON.parse(readFileSync(join(out, '.mcp.json'), 'utf8')) as {
      mcpServers: Record<string, { args: string[] }>
    }
    expect(mcp.mcpServers.lanternfish?.args.slice(-2)).toEqual([
      '--remote',
      'https://briefd.example/t',
    ])
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('Experimental')
    // The bundled MCP server accepts the option (issue 12's remote client) and starts.
    const mcp2 = spawnSync(
      process.execPath,
      [
        join(out, 'runtime/briefd.mjs'),
        ...(mcp.mcpServers.lanternfish?.args ?? [])
          .slice(1)
          .map((a) => a.replace('${CLAUDE_PLUGIN_ROOT}', out)),
      ],
      {
        encoding: 'utf8',
        input: '',
        timeout: 30_000,
      },
    )
    expect(mcp2.stderr).not.toContain('unknown option')
    expect(mcp2.status).toBe(0)
  })
})

describe('keeping the content out', () => {
  it('refuses an --out inside the content dir', () => {
    const content = makeContent()
    const out = join(content.dir, 'plugin')
    expect(
      refused(build(['--manifest', EXAMPLE, '--out', out, '--content', content.dir])),
    ).toContain('is inside the content dir')
    expect(existsSync(out)).toBe(false)
  })

  it('refuses a content dir inside --out', () => {
    const out = tempDir()
    const content = join(out, 'content')
    cpSync(makeContent().dir, content, { recursive: true })
    expect(
      refused(build(['--manifest', EXAMPLE, '--out', out, '--content', content, '--force'])),
    ).toContain(`the content dir ${content} is inside --out`)
    expect(readdirSync(out)).toEqual(['content'])
  })

  it('finds ./content by default and refuses it inside --out', () => {
    const project = tempDir()
    cpSync(makeContent().dir, join(project, 'content'), { recursive: true })
    const r = spawnSync(
      process.execPath,
      [BIN, 'plugin', 'build', '--manifest', EXAMPLE, '--out', '.', '--force'],
      {
        encoding: 'utf8',
        cwd: project,
        env: { ...process.env, BRIEFD_STATE_DIR: join(tempDir(), 'state') },
      },
    )
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('is inside --out')
  })

  it('checks BRIEFD_CONTENT_DIR and the remembered content dir when --content is not given', () => {
    const out = tempDir()
    const content = join(out, 'content')
    cpSync(makeContent().dir, content, { recursive: true })
    expect(
      refused(
        build(['--manifest', EXAMPLE, '--out', out, '--force'], { BRIEFD_CONTENT_DIR: content }),
      ),
    ).toContain('is inside --out')
    const stateDir = join(tempDir(), 'state')
    writeLaunchSettings(stateDir, { content })
    expect(
      refused(
        build(['--manifest', EXAMPLE, '--out', out, '--force'], { BRIEFD_STATE_DIR: stateDir }),
      ),
    ).toContain('is inside --out')
  })

  it('refuses a manifest that holds a line of the content, naming the files only', () => {
    const content = makeContent()
    const secretLine = readFileSync(join(content.dir, 'instructions.md'), 'utf8')
      .split('\n')
      .find((l) => l.trim().length >= 24)
    expect(secretLine).toBeDefined()
    const manifest = manifestCopy((m) => {
      const tools = m.tools as Record<string, unknown>[]
      if (tools[1]) tools[1].description = `Score it.\n${secretLine}`
    })
    const out = join(tempDir(), 'plugin')
    const line = refused(build(['--manifest', manifest, '--out', out, '--content', content.dir]))
    expect(line).toContain(`tools.json would hold a line of the content file ${content.dir}`)
    expect(line).not.toContain(secretLine?.trim().slice(0, 20))
    expect(existsSync(out)).toBe(false)
  })

  it('refuses a manifest kept inside the content dir', () => {
    const content = makeContent()
    const inside = join(content.dir, 'tools.json')
    cpSync(EXAMPLE, inside)
    expect(
      refused(
        build(['--manifest', inside, '--out', join(tempDir(), 'p'), '--content', content.dir]),
      ),
    ).toContain('is inside the content dir')
  })

  it('refuses a --content that does not exist', () => {
    const missing = join(tempDir(), 'nope')
    expect(
      refused(build(['--manifest', EXAMPLE, '--out', join(tempDir(), 'p'), '--content', missing])),
    ).toContain(`content dir ${missing} does not exist`)
  })
})

describe('writing the output dir', () => {
  it('refuses a non-empty dir that is not a previous build, unless --force', () => {
    const out = tempDir()
    writeFileSync(join(out, 'notes.txt'), 'mine')
    expect(refused(build(['--manifest', EXAMPLE, '--out', out]))).toContain(
      'is not empty and is not a previous plugin build',
    )
    expect(readdirSync(out)).toEqual(['notes.txt'])
    expect(build(['--manifest', EXAMPLE, '--out', out, '--force']).status).toBe(0)
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine')
  })

  it('rebuilds over a previous build without --force', () => {
    const out = join(tempDir(), 'plugin')
    expect(build(['--manifest', EXAMPLE, '--out', out]).status).toBe(0)
    expect(build(['--manifest', EXAMPLE, '--out', out, '--name', 'second']).status).toBe(0)
    expect(readFileSync(join(out, '.claude-plugin/plugin.json'), 'utf8')).toContain('"second"')
  })

  it('refuses an --out that is a symbolic link', () => {
    const real = tempDir()
    const link = join(tempDir(), 'link')
    symlinkSync(real, link)
    expect(refused(build(['--manifest', EXAMPLE, '--out', link]))).toContain('is a symbolic link')
    expect(readdirSync(real)).toEqual([])
  })

  it('replaces a symlink planted at a file name instead of writing through it', () => {
    const out = join(tempDir(), 'plugin')
    expect(build(['--manifest', EXAMPLE, '--out', out]).status).toBe(0)
    const victim = join(tempDir(), 'victim')
    writeFileSync(victim, 'untouched')
    const target = join(out, '.mcp.json')
    readdirSync(out) // the build exists
    symlinkSync(victim, `${target}.planted`)
    // Swap the real file for the planted symlink.
    spawnSync('mv', ['-f', `${target}.planted`, target])
    expect(lstatSync(target).isSymbolicLink()).toBe(true)
    expect(build(['--manifest', EXAMPLE, '--out', out]).status).toBe(0)
    expect(readFileSync(victim, 'utf8')).toBe('untouched')
    expect(lstatSync(target).isFile()).toBe(true)
  })

  it('refuses a symlinked subdirectory', () => {
    const out = join(tempDir(), 'plugin')
    expect(build(['--manifest', EXAMPLE, '--out', out]).status).toBe(0)
    const elsewhere = tempDir()
    spawnSync('rm', ['-rf', join(out, 'hooks')])
    symlinkSync(elsewhere, join(out, 'hooks'))
    expect(refused(build(['--manifest', EXAMPLE, '--out', out]))).toContain(
      'is not a real directory',
    )
    expect(readdirSync(elsewhere)).toEqual([])
  })
})

describe('doctor: where the content dir sits', () => {
  it('warns for a content dir inside a plugin dir', () => {
    const plugin = tempDir()
    mkdirSync(join(plugin, '.claude-plugin'))
    writeFileSync(join(plugin, '.claude-plugin', 'plugin.json'), '{"name":"x"}')
    const content = join(plugin, 'content')
    mkdirSync(content)
    const w = contentPlacement(content, join(tempDir(), 'pkg'))
    expect(w?.detail).toContain(`is inside the plugin dir ${plugin}`)
    expect(w?.fix).toContain('briefd restart --content')
  })

  it('warns for a content dir inside the briefd package dir, and not for one elsewhere', () => {
    expect(contentPlacement(resolve('examples/content'), resolve('.'))?.detail).toContain(
      'is inside the briefd package dir',
    )
    expect(contentPlacement(makeContent().dir, resolve('.'))).toBeUndefined()
  })
})

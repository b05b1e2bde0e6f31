import { describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { leakedCanaries, makeContent } from '../helpers/content.js'
import { tempDir } from '../helpers/tmp.js'

const briefd = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['bin/briefd.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 15_000,
  })

describe('briefd serve start-up errors', () => {
  it('names a missing content dir, exits 1, one line', () => {
    const missing = join(tempDir(), 'no-content')
    const r = briefd([
      'serve',
      '--port',
      '0',
      '--content',
      missing,
      '--state-dir',
      join(tempDir(), 's'),
    ])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(
      `briefd: content dir ${missing} does not exist or is not a directory (set --content or BRIEFD_CONTENT_DIR)\n`,
    )
    expect(r.stdout).toBe('')
  })

  it('names a port in use', async () => {
    const blocker = createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()))
    const port = (blocker.address() as { port: number }).port
    try {
      const r = briefd([
        'serve',
        '--port',
        String(port),
        '--content',
        makeContent().dir,
        '--state-dir',
        join(tempDir(), 's'),
      ])
      expect(r.status).toBe(1)
      expect(r.stderr).toBe(
        `briefd: port ${port} on 127.0.0.1 is already in use (choose another with --port or BRIEFD_PORT)\n`,
      )
    } finally {
      blocker.close()
    }
  })

  it.each([
    [
      'group-readable',
      (dir: string) => {
        mkdirSync(dir)
        chmodSync(dir, 0o750)
      },
      'has mode 0750; expected 0700',
    ],
    [
      'a symlink',
      (dir: string) => {
        const real = `${dir}-real`
        mkdirSync(real, { mode: 0o700 })
        symlinkSync(real, dir)
      },
      'is a symlink',
    ],
    ['a file', (dir: string) => writeFileSync(dir, ''), 'is not a directory'],
  ])('refuses a state dir that is %s', (_name, make, expected) => {
    const dir = join(tempDir(), 'state')
    make(dir)
    const r = briefd(['serve', '--port', '0', '--content', makeContent().dir, '--state-dir', dir])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(`briefd: state dir ${dir} ${expected}`)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
  })

  it.each(['0.0.0.0', '192.168.1.10', '::', 'example.com'])(
    'refuses the non-loopback host %s',
    (host) => {
      const r = briefd([
        'serve',
        '--host',
        host,
        '--port',
        '0',
        '--content',
        makeContent().dir,
        '--state-dir',
        join(tempDir(), 's'),
      ])
      expect(r.status).toBe(1)
      expect(r.stderr).toBe(
        `briefd: --host "${host}" is not a loopback address; briefd serves content only on 127.0.0.1 or ::1\n`,
      )
    },
  )

  it.each([
    [['--port', 'abc'], '--port must be an integer 0–65535 (got "abc")'],
    [['--port', '70000'], '--port must be an integer 0–65535 (got "70000")'],
    [['--session-ttl', '30d'], '--session-ttl must be a duration between 60s and 604800s'],
  ])('names a bad setting %j', (args, expected) => {
    const r = briefd([
      'serve',
      ...args,
      '--content',
      makeContent().dir,
      '--state-dir',
      join(tempDir(), 's'),
    ])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(`briefd: ${expected}`)
  })

  it('names a bad environment setting', () => {
    const r = briefd(
      ['serve', '--content', makeContent().dir, '--state-dir', join(tempDir(), 's')],
      { BRIEFD_PORT: '-1' },
    )
    expect(r.status).toBe(1)
    expect(r.stderr).toBe('briefd: BRIEFD_PORT must be an integer 0–65535 (got "-1")\n')
  })

  it.each(['loud', 'INFO', ' debug'])(
    'refuses BRIEFD_LOG_LEVEL=%j like briefd mcp does: exit 1, one line, nothing created',
    (level) => {
      const stateDir = join(tempDir(), 's')
      const r = briefd(
        ['serve', '--port', '0', '--content', makeContent().dir, '--state-dir', stateDir],
        { BRIEFD_LOG_LEVEL: level },
      )
      expect(r.status).toBe(1)
      expect(r.stdout).toBe('')
      expect(r.stderr).toBe(
        `briefd: BRIEFD_LOG_LEVEL must be debug, info, warn or error (got ${JSON.stringify(level)})\n`,
      )
      expect(existsSync(stateDir)).toBe(false)
    },
  )

  it('accepts every valid BRIEFD_LOG_LEVEL, and an empty one', () => {
    for (const level of ['debug', 'info', 'warn', 'error', '']) {
      // A bad port stops it right after the log level has been read: enough to see it was accepted.
      const r = briefd(
        [
          'serve',
          '--port',
          'x',
          '--content',
          makeContent().dir,
          '--state-dir',
          join(tempDir(), 's'),
        ],
        { BRIEFD_LOG_LEVEL: level },
      )
      expect(r.stderr).toBe('briefd: --port must be an integer 0–65535 (got "x")\n')
    }
  })
})

describe('briefd serve', () => {
  it('runs on ::1 when asked, creates a 0700 state dir with 0600 files, and stops on SIGTERM', async () => {
    const stateDir = join(tempDir(), 'state')
    const child = spawn(
      process.execPath,
      [
        'bin/briefd.js',
        'serve',
        '--host',
        '::1',
        '--port',
        '0',
        '--content',
        makeContent().dir,
        '--state-dir',
        stateDir,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stderr = ''
    let stdout = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    for (let i = 0; i < 100 && !stderr.includes('listening'); i++)
      await new Promise((r) => setTimeout(r, 50))
    expect(stderr).toMatch(/daemon listening on http:\/\/\[::1\]:\d+/)
    const { statSync, readdirSync } = await import('node:fs')
    expect(statSync(stateDir).mode & 0o777).toBe(0o700)
    for (const f of readdirSync(stateDir))
      expect(statSync(join(stateDir, f)).mode & 0o777).toBe(0o600)
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(readdirSync(stateDir)).not.toContain('daemon.json')
    expect(stdout).toBe('')
    // makeContent's tree is 0700/0600: nothing to warn about.
    expect(stderr).not.toContain('go-rwx')
  })

  it('serves a content dir other users can read (the quick start from a fresh clone), warning once with the fix', async () => {
    const content = makeContent()
    chmodSync(content.dir, 0o755)
    chmodSync(join(content.dir, 'templates'), 0o755)
    chmodSync(join(content.dir, 'templates', 'verdict.md'), 0o644)
    const child = spawn(
      process.execPath,
      [
        'bin/briefd.js',
        'serve',
        '--port',
        '0',
        '--content',
        content.dir,
        '--state-dir',
        join(tempDir(), 'state'),
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    for (let i = 0; i < 100 && !stderr.includes('listening'); i++)
      await new Promise((r) => setTimeout(r, 50))
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(stderr).toMatch(/daemon listening on/)
    const warnings = stderr.split('\n').filter((l) => l.includes('go-rwx'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(`content: ${content.dir}: 3 entries open to group or others`)
    expect(warnings[0]).toContain(`(first: ${content.dir}, mode 0755)`)
    expect(warnings[0]).toContain(`(fix: chmod -R go-rwx ${content.dir})`)
    expect(leakedCanaries(content, stderr)).toEqual([])
  })
})

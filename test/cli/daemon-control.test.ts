import { afterEach, describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, statSync, writeFileSync, chmodSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { makeContent } from '../helpers/content.js'
import { tempDir } from '../helpers/tmp.js'
import { createLogFileWriter } from '../../src/shared/log-file.js'
import { isProcessAlive } from '../../src/shared/process-info.js'

const started: string[] = []
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['bin/briefd.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 20_000,
  })
const runAsync = (
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/briefd.js', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
const daemonPid = (stateDir: string): number =>
  (JSON.parse(readFileSync(join(stateDir, 'daemon.json'), 'utf8')) as { pid: number }).pid

afterEach(() => {
  for (const s of started.splice(0)) run(['stop', '--state-dir', s])
})

function fresh(): { stateDir: string; content: string } {
  const stateDir = join(tempDir(), 'state')
  started.push(stateDir)
  return { stateDir, content: makeContent().dir }
}

describe('briefd start / status / stop', () => {
  it('starts a detached daemon, reports it, and stops it gracefully', () => {
    const { stateDir, content } = fresh()
    const start = run(['start', '--port', '0', '--content', content, '--state-dir', stateDir])
    expect(start.status).toBe(0)
    expect(start.stdout).toMatch(
      /^briefd: daemon started on http:\/\/127\.0\.0\.1:\d+ \(pid \d+\)\n$/,
    )
    const pid = daemonPid(stateDir)
    expect(isProcessAlive(pid)).toBe(true)

    const status = run(['status', '--state-dir', stateDir])
    expect(status.status).toBe(0)
    expect(status.stdout).toContain(`pid           ${pid}`)
    expect(status.stdout).toContain(`content dir   ${content}`)
    expect(status.stdout).toContain('live sessions 0')
    expect(status.stdout).toContain('safe (0700, yours)')
    expect(status.stdout).toMatch(/uptime\s+\d+s/)

    const again = run(['start', '--port', '0', '--content', content, '--state-dir', stateDir])
    expect(again.status).toBe(0)
    expect(again.stdout).toContain('already running')
    expect(daemonPid(stateDir)).toBe(pid)

    const stop = run(['stop', '--state-dir', stateDir])
    expect(stop.stdout).toBe('briefd: daemon stopped\n')
    expect(isProcessAlive(pid)).toBe(false)
    expect(existsSync(join(stateDir, 'daemon.json'))).toBe(false)
    expect(existsSync(join(stateDir, 'daemon.lock'))).toBe(false)
    const after = run(['status', '--state-dir', stateDir])
    expect(after.status).toBe(3)
    expect(after.stdout).toContain('not running')
    expect(statSync(join(stateDir, 'daemon.log')).mode & 0o777).toBe(0o600)
  })

  it('leaves exactly one daemon when several starts race', async () => {
    const { stateDir, content } = fresh()
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        runAsync(['start', '--port', '0', '--content', content, '--state-dir', stateDir]),
      ),
    )
    for (const r of results) expect(r.code, r.stderr).toBe(0)
    const pids = new Set(results.map((r) => /\(pid (\d+)\)/.exec(r.stdout)?.[1]))
    expect(pids.size).toBe(1)
    expect(results.filter((r) => r.stdout.includes('daemon started')).length).toBe(1)
    // Losers may still be on their way out (they find the lock taken and exit).
    let found: string[] = []
    for (let i = 0; i < 60; i++) {
      found = spawnSync('pgrep', ['-f', `serve --state-dir ${stateDir}`], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')
        .filter(Boolean)
      if (found.length === 1) break
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(found).toEqual([String(daemonPid(stateDir))])
  })

  it('replaces a stale lock and pid file left by a crashed daemon', () => {
    const { stateDir, content } = fresh()
    expect(
      run(['start', '--port', '0', '--content', content, '--state-dir', stateDir]).status,
    ).toBe(0)
    const pid = daemonPid(stateDir)
    process.kill(pid, 'SIGKILL')
    for (let i = 0; i < 100 && isProcessAlive(pid); i++) spawnSync('sleep', ['0.05'])
    expect(existsSync(join(stateDir, 'daemon.lock'))).toBe(true)
    const again = run(['start', '--port', '0', '--content', content, '--state-dir', stateDir])
    expect(again.status, again.stderr).toBe(0)
    expect(again.stdout).toContain('daemon started')
    expect(daemonPid(stateDir)).not.toBe(pid)
  })

  it('does not signal an unrelated process whose pid is in a stale lock', () => {
    const { stateDir, content } = fresh()
    expect(
      run(['start', '--port', '0', '--content', content, '--state-dir', stateDir]).status,
    ).toBe(0)
    run(['stop', '--state-dir', stateDir])
    const bystander = spawn('sleep', ['30'])
    try {
      writeFileSync(join(stateDir, 'daemon.lock'), JSON.stringify({ pid: bystander.pid }))
      chmodSync(join(stateDir, 'daemon.lock'), 0o600)
      expect(run(['stop', '--state-dir', stateDir]).stdout).toContain('no daemon running')
      expect(isProcessAlive(bystander.pid ?? 0)).toBe(true)
      expect(
        run(['start', '--port', '0', '--content', content, '--state-dir', stateDir]).status,
      ).toBe(0)
    } finally {
      bystander.kill()
    }
  })

  it("reports a start-up failure with the daemon's own error line", () => {
    const { stateDir } = fresh()
    const missing = join(tempDir(), 'nothing-here')
    const r = run(['start', '--port', '0', '--content', missing, '--state-dir', stateDir])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(`content dir ${missing} does not exist`)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('start and restart refuse a bad BRIEFD_LOG_LEVEL before doing anything (restart leaves the running daemon alone)', () => {
    const { stateDir, content } = fresh()
    const line = 'briefd: BRIEFD_LOG_LEVEL must be debug, info, warn or error (got "loud")\n'
    const start = run(['start', '--port', '0', '--content', content, '--state-dir', stateDir], {
      BRIEFD_LOG_LEVEL: 'loud',
    })
    expect([start.status, start.stdout, start.stderr]).toEqual([1, '', line])
    expect(existsSync(stateDir)).toBe(false)
    expect(
      run(['start', '--port', '0', '--content', content, '--state-dir', stateDir]).status,
    ).toBe(0)
    const pid = daemonPid(stateDir)
    const restart = run(['restart', '--port', '0', '--content', content, '--state-dir', stateDir], {
      BRIEFD_LOG_LEVEL: 'loud',
    })
    expect([restart.status, restart.stdout, restart.stderr]).toEqual([1, '', line])
    expect(daemonPid(stateDir)).toBe(pid)
    expect(isProcessAlive(pid)).toBe(true)
  })

  it('remembers the settings of an explicit start for a later start without flags', () => {
    const { stateDir, content } = fresh()
    expect(
      run(['start', '--port', '0', '--content', content, '--state-dir', stateDir]).status,
    ).toBe(0)
    run(['stop', '--state-dir', stateDir])
    const elsewhere = spawnSync(
      process.execPath,
      [join(process.cwd(), 'bin/briefd.js'), 'start', '--state-dir', stateDir],
      {
        encoding: 'utf8',
        cwd: tempDir(),
        env: { ...process.env, BRIEFD_CONTENT_DIR: '' },
      },
    )
    expect(elsewhere.status, elsewhere.stderr).toBe(0)
    expect(run(['status', '--state-dir', stateDir]).stdout).toContain(`content dir   ${content}`)
  })

  it('restart replaces the daemon', () => {
    const { stateDir, content } = fresh()
    expect(
      run(['start', '--port', '0', '--content', content, '--state-dir', stateDir]).status,
    ).toBe(0)
    const pid = daemonPid(stateDir)
    const r = run(['restart', '--port', '0', '--content', content, '--state-dir', stateDir])
    expect(r.status).toBe(0)
    expect(daemonPid(stateDir)).not.toBe(pid)
    expect(isProcessAlive(pid)).toBe(false)
  })
})

describe('createLogFileWriter', () => {
  it('rotates the log past its size cap', () => {
    const path = join(tempDir(), 'daemon.log')
    const write = createLogFileWriter(path, 1000)
    for (let i = 0; i < 50; i++) write(`line ${i} ${'x'.repeat(50)}\n`)
    expect(statSync(path).size).toBeLessThanOrEqual(1000)
    expect(statSync(`${path}.1`).size).toBeLessThanOrEqual(1000)
    expect(readFileSync(path, 'utf8')).toContain('line 49')
  })
})

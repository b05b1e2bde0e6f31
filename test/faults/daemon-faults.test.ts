/**
 * Faults the daemon must survive with defined behaviour, a clear message, nothing lost, and
 * recovery when the fault clears.
 */
import { describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeContent, leakedCanaries } from '../helpers/content.js'
import { rawRequest } from '../helpers/http.js'
import { daemonsClosedAfterEach, startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { tempDir } from '../helpers/tmp.js'
import { spawnDaemon } from '../helpers/mcp.js'
import { mkfifo, startFifoSwapper } from '../helpers/fifo.js'

const start = daemonsClosedAfterEach()
const get = (d: TestDaemon, token: string, path = '/v1/instructions') =>
  rawRequest(d.port, { path, headers: [['Authorization', `Bearer ${token}`]] })

describe('state dir removed while running', () => {
  it('restores keys, credential, ledger and daemon.json from memory; sessions and revocations survive', async () => {
    const content = makeContent()
    const stateDir = join(tempDir(), 'state')
    const d = await startTestDaemon({ contentDir: content.dir, stateDir })
    const kept = (await d.newSession()).token
    const bootstrap = d.bootstrap()
    rmSync(stateDir, { recursive: true, force: true })
    expect(d.handle.checkStateDir()).toBe(true)
    expect(d.logs.join('')).toMatch(/went missing; restoring from memory/)
    for (const f of [
      'signing-keys.json',
      'bootstrap.token',
      'sessions.jsonl',
      'audit.log',
      'daemon.json',
      'daemon.lock',
    ])
      expect(existsSync(join(stateDir, f)), f).toBe(true)
    expect(JSON.parse(readFileSync(join(stateDir, 'daemon.lock'), 'utf8'))).toMatchObject({
      pid: process.pid,
    })
    expect(d.bootstrap()).toBe(bootstrap)
    expect((await get(d, kept)).status).toBe(200)
    const revoked = (await d.newSession()).token
    expect(
      (
        await rawRequest(d.port, {
          method: 'DELETE',
          path: '/v1/sessions/current',
          headers: [['Authorization', `Bearer ${revoked}`]],
        })
      ).status,
    ).toBe(204)
    await d.close()
    const again = await start({ contentDir: content.dir, stateDir })
    expect((await get(again, kept)).status).toBe(200)
    expect((await get(again, revoked)).status).toBe(401)
  })

  it('keeps a second daemon off the state dir once the lock is restored (separate processes)', async () => {
    const content = makeContent()
    const stateDir = join(tempDir(), 'state')
    const first = await spawnDaemon({ contentDir: content.dir, stateDir })
    try {
      rmSync(stateDir, { recursive: true, force: true })
      // The guard checks every 2 s.
      for (let i = 0; i < 60 && !existsSync(join(stateDir, 'daemon.lock')); i++)
        await new Promise((r) => setTimeout(r, 100))
      const second = spawnSync(
        process.execPath,
        [
          'bin/briefd.js',
          'serve',
          '--port',
          '0',
          '--content',
          content.dir,
          '--state-dir',
          stateDir,
        ],
        { encoding: 'utf8', timeout: 10_000 },
      )
      expect(second.status).toBe(1)
      expect(second.stderr).toContain(
        `a daemon (pid ${first.child.pid}) is already running for state dir ${stateDir}`,
      )
    } finally {
      await first.kill()
    }
  })
})

describe('audit log unwritable', () => {
  it('refuses deliveries with 503 (fail closed) and recovers when the log is writable again', async () => {
    const content = makeContent()
    // The daemon's clock, moved forward instead of waiting out the audit log's re-check.
    let clock = Date.now()
    const d = await start({ contentDir: content.dir, now: () => clock })
    const { token } = await d.newSession()
    expect((await get(d, token)).status).toBe(200)
    const audit = join(d.stateDir, 'audit.log')
    // Replace the log with a symlink: the daemon refuses to write through it.
    unlinkSync(audit)
    symlinkSync('/dev/null', audit)
    d.handle.checkStateDir()
    clock += 1100 // the audit log re-checks its file every second
    const refused = await get(d, token)
    expect(refused.status).toBe(503)
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'audit_unavailable' })
    expect(leakedCanaries(content, refused.raw)).toEqual([])
    expect(d.logs.join('')).toMatch(/audit log .* cannot be written/)
    unlinkSync(audit)
    const ok = await get(d, token)
    expect(ok.status).toBe(200)
    expect(readFileSync(audit, 'utf8')).toContain('document.delivered')
  })
})

describe('content changes under the daemon', () => {
  it('answers 404 for a deleted template and serves it again once restored', async () => {
    const content = makeContent()
    const d = await start({ contentDir: content.dir })
    const { token } = await d.newSession()
    const file = join(content.dir, 'templates', 'verdict.md')
    const text = readFileSync(file, 'utf8')
    unlinkSync(file)
    let status = 200
    for (let i = 0; i < 30 && status === 200; i++) {
      status = (await get(d, token, '/v1/templates/verdict')).status
      if (status === 200) await new Promise((r) => setTimeout(r, 100))
    }
    expect(status).toBe(404)
    writeFileSync(file, text)
    for (let i = 0; i < 30 && status !== 200; i++) {
      status = (await get(d, token, '/v1/templates/verdict')).status
      if (status !== 200) await new Promise((r) => setTimeout(r, 100))
    }
    expect(status).toBe(200)
  })

  it('never serves a half-written file while an editor rewrites it in place', async () => {
    const content = makeContent()
    const d = await start({ contentDir: content.dir })
    const { token } = await d.newSession()
    const file = join(content.dir, 'templates', 'verdict.md')
    const versions = ['A'.repeat(200_000), 'B'.repeat(150_000)]
    const original = JSON.parse((await get(d, token, '/v1/templates/verdict')).body) as {
      content: string
    }
    // A separate process rewrites the file in place (truncate + write, not atomic).
    const writer = spawn(process.execPath, [
      '-e',
      // Version k is versions[k] (A×200 000, B×150 000), written in 4 KiB pieces after the truncate.
      `const fs=require('fs');const v=${JSON.stringify(versions.map((x) => x.length))};let i=0;const end=Date.now()+2500;while(Date.now()<end){const k=i++%2;const fd=fs.openSync(${JSON.stringify(file)},'w');const s=(k?'B':'A').repeat(v[k]);for(let o=0;o<s.length;o+=4096)fs.writeSync(fd,s.slice(o,o+4096));fs.closeSync(fd)}`,
    ])
    const { statSync } = await import('node:fs')
    for (let i = 0; i < 100 && statSync(file).size < 1000; i++)
      await new Promise((r) => setTimeout(r, 20))
    const seen = new Set<string>()
    const started = Date.now()
    while (Date.now() - started < 2000) {
      const res = await get(d, token, '/v1/templates/verdict')
      if (res.status === 200) {
        const doc = JSON.parse(res.body) as { content: string }
        seen.add(`${doc.content[0]}${doc.content.length}`)
        expect([
          'A200000',
          'B150000',
          `${original.content[0]}${original.content.length}`,
        ]).toContain(`${doc.content[0]}${doc.content.length}`)
      } else {
        expect([404, 500]).toContain(res.status)
        expect(leakedCanaries(content, res.raw)).toEqual([])
      }
    }
    writer.kill()
    expect(seen.size).toBeGreaterThan(0)
  })
})

describe('a FIFO in the content dir', () => {
  // `briefd serve` as a child: if a read blocked on the FIFO, the daemon's only thread would
  // hang, and the test must be able to notice that rather than hang with it.
  it('answers like a missing template, and keeps answering /health, while a FIFO is renamed over the template', async () => {
    const content = makeContent()
    const tdir = join(content.dir, 'templates')
    const text = 'the regular version of x\n'
    writeFileSync(join(tdir, 'x.md'), text, { mode: 0o600 })
    writeFileSync(join(tdir, 'file.keep'), text, { mode: 0o600 })
    mkfifo(join(tdir, 'fifo.keep'))
    mkfifo(join(tdir, 'pipe.md'))
    const d = await spawnDaemon({
      contentDir: content.dir,
      stateDir: join(tempDir(), 'state'),
      env: { BRIEFD_RATE_SESSION: '100000/100000' },
    })
    const swapper = startFifoSwapper(tdir)
    try {
      const { token } = await d.newSession()
      const auth: [string, string][] = [['Authorization', `Bearer ${token}`]]
      const planted = await rawRequest(d.port, {
        path: '/v1/templates/pipe',
        headers: auth,
        timeoutMs: 3000,
      })
      const absent = await rawRequest(d.port, {
        path: '/v1/templates/absent',
        headers: auth,
        timeoutMs: 3000,
      })
      expect(planted.status).toBe(404)
      expect(planted.body).toBe(absent.body)
      const statuses = new Map<number, number>()
      const end = Date.now() + 1500
      while (Date.now() < end) {
        const res = await rawRequest(d.port, {
          path: '/v1/templates/x',
          headers: auth,
          timeoutMs: 3000,
        })
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
        if (res.status === 200)
          expect((JSON.parse(res.body) as { content: string }).content).toBe(text)
        // 0: no answer within 3 s, the daemon is stuck.
        if (res.status === 0) break
      }
      // 500 is "kept changing while being read" under this much churn: refused, never stuck.
      expect(
        [...statuses.keys()].filter((s) => ![200, 404, 500].includes(s)),
        JSON.stringify([...statuses]),
      ).toEqual([])
      expect(statuses.get(200) ?? 0).toBeGreaterThan(0)
      expect((await rawRequest(d.port, { path: '/health', timeoutMs: 3000 })).status).toBe(200)
    } finally {
      const exited = once(swapper, 'exit')
      swapper.kill('SIGKILL')
      await exited
      await d.kill()
    }
  })
})

describe('clock jumps', () => {
  it('refuses a token once the clock jumps past its expiry', async () => {
    let now = Date.now()
    const d = await start({ contentDir: makeContent().dir, now: () => now })
    const { token } = await d.newSession(3600)
    expect((await get(d, token)).status).toBe(200)
    now += 2 * 3600 * 1000
    expect((await get(d, token)).status).toBe(401)
    now -= 2 * 3600 * 1000
    expect((await get(d, token)).status).toBe(200)
  })

  it('tolerates a small backward step, and refuses tokens from far in the future', async () => {
    let now = Date.now()
    const content = makeContent()
    const stateDir = join(tempDir(), 'state')
    const first = await startTestDaemon({ contentDir: content.dir, stateDir, now: () => now })
    const { token } = await first.newSession()
    await first.close()
    // A restarted daemon has to verify the token from scratch.
    now -= 120_000
    const stepped = await start({ contentDir: content.dir, stateDir, now: () => now })
    expect((await get(stepped, token)).status).toBe(200)
    await stepped.close()
    now -= 3600_000
    const far = await start({ contentDir: content.dir, stateDir, now: () => now })
    expect((await get(far, token)).status).toBe(401)
    expect(far.logs.join('')).not.toContain(token)
  })
})

/**
 * access.json at the two places a user meets it: `briefd content check` names the bad field,
 * and `briefd serve` refuses to start with it, in one stderr line naming the file and field,
 * without quoting the file. A good policy reaches the running daemon.
 */
import { describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { leakedCanaries, makeContent } from '../helpers/content.js'
import { startTestDaemon } from '../helpers/daemon.js'
import { BIN, childEnv } from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'

const SECRET = 'sk-live-do-not-print-0123456789'
const BAD_POLICY = JSON.stringify({
  scopes: { documents: { 'templates/scoring-*': `${SECRET} briefd:scoring` } },
})
const FIELD = 'scopes.documents["templates/scoring-*"] must be a scope string'

describe('briefd content check with access.json', () => {
  it('fails naming the file and the field, never the value', () => {
    const c = makeContent()
    writeFileSync(join(c.dir, 'access.json'), BAD_POLICY, { mode: 0o600 })
    const r = spawnSync(process.execPath, [BIN, 'content', 'check', '--content', c.dir], {
      encoding: 'utf8',
      env: childEnv(),
      timeout: 15_000,
    })
    expect(r.status).toBe(1)
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('error:'))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain(`error: ${join(c.dir, 'access.json')}: ${FIELD}`)
    expect(r.stdout + r.stderr).not.toContain(SECRET)
    expect(leakedCanaries(c, r.stdout + r.stderr)).toEqual([])
  })
})

describe('briefd serve with access.json', () => {
  it('refuses to start with a bad one, in one line naming the file and field', async () => {
    const c = makeContent()
    writeFileSync(join(c.dir, 'access.json'), BAD_POLICY, { mode: 0o600 })
    const stateDir = join(tempDir('briefd-access-'), 'state')
    const child = spawn(
      process.execPath,
      [BIN, 'serve', '--port', '0', '--state-dir', stateDir, '--content', c.dir],
      { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    const [status, signal] = (await once(child, 'exit')) as [number | null, string | null]
    clearTimeout(timer)
    expect(signal).toBeNull()
    expect(status).not.toBe(0)
    expect(stdout).toBe('')
    const lines = stderr.split('\n').filter((l) => l !== '')
    expect(lines).toHaveLength(1)
    expect(lines[0]?.startsWith(`briefd: ${join(c.dir, 'access.json')}: ${FIELD}`)).toBe(true)
    expect(stderr).not.toContain(SECRET)
    expect(existsSync(join(stateDir, 'daemon.json'))).toBe(false)
  })

  it('loads a good one and keeps serving local sessions everything', async () => {
    const c = makeContent()
    writeFileSync(
      join(c.dir, 'access.json'),
      JSON.stringify({ scopes: { documents: { 'templates/*': 'briefd:templates' } } }),
      { mode: 0o600 },
    )
    const d = await startTestDaemon({ contentDir: c.dir })
    try {
      expect(d.handle.access.requiredScope('templates/verdict')).toBe('briefd:templates')
      expect(d.handle.access.scopesSupported()).toEqual(['briefd:read', 'briefd:templates'])
      const s = await d.newSession()
      const res = await fetch(`${d.url}/v1/templates/verdict`, {
        headers: { authorization: `Bearer ${s.token}` },
      })
      expect(res.status).toBe(200)
      expect(await res.text()).toContain(c.canary.template)
    } finally {
      await d.close()
    }
  })
})

import { afterEach, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { assertListenerIsOurs, listenerUids } from '../../src/client/listener-owner.js'
import { daemonRequest } from '../../src/client/http.js'
import { BriefdError } from '../../src/shared/errors.js'
import { join } from 'node:path'
import { EXAMPLE_TOOLS, startMcp, writeSessionTokenFile } from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'

const linux = process.platform === 'linux'
const root = process.getuid?.() === 0
const children: ChildProcess[] = []
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL')
})

/** A TCP listener on 127.0.0.1 owned by another uid (needs root to switch). */
async function squatter(): Promise<number> {
  const child = spawn(process.execPath, ['-e', `
    process.setgid(12345); process.setuid(12345)
    const s = require('net').createServer((c) => c.on('data', (d) => process.stdout.write('GOT ' + d.length + '\\n')))
    s.listen(0, '127.0.0.1', () => process.stdout.write('PORT ' + s.address().port + '\\n'))
  `], { stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  let out = ''
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    out += chunk.toString()
    const m = /PORT (\d+)/.exec(out)
    if (m) return Number(m[1])
  }
  throw new Error('squatter did not start')
}

describe.skipIf(!linux)('listener ownership', () => {
  it('finds our own listener on 127.0.0.1', async () => {
    const s = createServer().listen(0, '127.0.0.1')
    await once(s, 'listening')
    const port = (s.address() as { port: number }).port
    expect(listenerUids('127.0.0.1', port)).toEqual([process.geteuid?.()])
    expect(() => assertListenerIsOurs('127.0.0.1', port)).not.toThrow()
    s.close()
  })

  it.skipIf(!root)('refuses to send a credential to a port another user holds, and sends nothing', async () => {
    const port = await squatter()
    expect(() => assertListenerIsOurs('127.0.0.1', port)).toThrow(expect.objectContaining({ code: 'ERR_DAEMON_UNTRUSTED' }))
    const err = await daemonRequest({ method: 'GET', url: `http://127.0.0.1:${port}`, path: '/v1/instructions', bearer: 'secret.token.value', timeoutMs: 1000 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BriefdError)
    expect((err as BriefdError).code).toBe('ERR_DAEMON_UNTRUSTED')
    expect((err as BriefdError).message).not.toContain('secret.token.value')
  })

  it.skipIf(!root)('briefd mcp falls back with a warning instead of handing its token to a squatter', async () => {
    const port = await squatter()
    const tokenFile = join(tempDir(), 'token.json')
    writeSessionTokenFile(tokenFile, { token: 'aaa.bbb.ccc', session_id: '0b9f3c3e-6a51-4c5e-9d5e-2f4a7f1d2c3b', expires_at: new Date(Date.now() + 3600_000).toISOString() }, `http://127.0.0.1:${port}`)
    const mcp = await startMcp({ env: { BRIEFD_TOKEN_FILE: tokenFile, BRIEFD_TOOLS: EXAMPLE_TOOLS, BRIEFD_GRACE_MS: '0' } })
    try {
      expect(mcp.stderr()).toContain(`port ${port} on 127.0.0.1 is held by uid 12345, not by you; not sending a credential there`)
      expect(mcp.stderr()).not.toContain('aaa.bbb.ccc')
      expect(mcp.client.getInstructions()).not.toContain('Lanternfish, a code-review judge')
    } finally {
      await mcp.close()
    }
    const squat = children[0]
    let got = ''
    squat?.stdout?.on('data', (d: Buffer) => (got += d.toString()))
    await new Promise((r) => setTimeout(r, 100))
    expect(got).not.toContain('GOT')
  })
})

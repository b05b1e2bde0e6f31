import { afterEach, describe, expect, it } from 'vitest'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { connect, createServer } from 'node:net'
import { acceptingUid, findAcceptingUid } from '../../src/client/listener-owner.js'
import { daemonRequest } from '../../src/client/daemon-request.js'
import { BriefdError } from '../../src/shared/errors.js'
import { join } from 'node:path'
import { EXAMPLE_TOOLS, startMcp, writeSessionTokenFile } from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'

const linux = process.platform === 'linux'
const root = process.getuid?.() === 0
const python = spawnSync('python3', ['-c', '0']).status === 0
const children: ChildProcess[] = []
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL')
})

/** A TCP listener on `address` owned by another uid (needs root to switch); reports what it receives. */
async function squatter(address = '127.0.0.1', port = 0): Promise<number> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `
    process.setgid(12345); process.setuid(12345)
    const s = require('net').createServer((c) => c.on('data', (d) => process.stdout.write('GOT ' + d.length + '\\n')))
    s.listen(${port}, ${JSON.stringify(address)}, () => process.stdout.write('PORT ' + s.address().port + '\\n'))
  `,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  children.push(child)
  let out = ''
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    out += chunk.toString()
    const m = /PORT (\d+)/.exec(out)
    if (m) return Number(m[1])
  }
  throw new Error('squatter did not start')
}

/** What a squatter process printed so far (GOT lines mean bytes reached it). */
function heard(child: ChildProcess | undefined): () => string {
  let got = ''
  child?.stdout?.on('data', (d: Buffer) => (got += d.toString()))
  return () => got
}

describe('finding the server side of a connection in a /proc/net/tcp table', () => {
  const head =
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'
  // Daemon port 7866 (1EBA), our port 50000 (C350); another client on 50001 (C351).
  const rows = [
    '   0: 0100007F:1EBA 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0000',
    '   1: 0100007F:1EBA 0100007F:C350 06 00000000:00000000 03:00001000 00000000     0        0 0 3 0000',
    '   2: 0100007F:1EBA 0100007F:C351 01 00000000:00000000 00:00000000 00000000  2000        0 2 1 0000',
    '   3: 0100007F:C350 0100007F:1EBA 01 00000000:00000000 00:00000000 00000000  1000        0 3 1 0000',
    '   4: 0100007F:1EBA 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1001        0 4 1 0000',
  ]
  it('takes the live row for exactly our two ports, past a TIME_WAIT row (uid 0), the listener and our own side', () => {
    expect(findAcceptingUid([head, ...rows].join('\n'), 7866, 50000)).toBe(1001)
    expect(findAcceptingUid([head, ...rows].join('\n'), 7866, 50001)).toBe(2000)
  })
  it('finds a connection not yet accepted (SYN_RECV) and nothing for unknown ports', () => {
    const synRecv =
      '   5: 0100007F:1EBA 0100007F:C352 03 00000000:00000000 00:00000000 00000000  1002        0 0 1 0000'
    expect(findAcceptingUid([head, synRecv].join('\n'), 7866, 50002)).toBe(1002)
    expect(findAcceptingUid([head, ...rows].join('\n'), 7866, 50003)).toBeNull()
    expect(findAcceptingUid([head, rows[1]].join('\n'), 7866, 50000)).toBeNull()
  })
})

describe.skipIf(!linux)('the owner of the socket that accepted our connection', () => {
  it('is us for our own server, found through the accepted socket', async () => {
    const s = createServer().listen(0, '127.0.0.1')
    await once(s, 'listening')
    const port = (s.address() as { port: number }).port
    const c = connect(port, '127.0.0.1')
    await once(c, 'connect')
    expect(acceptingUid(port, c.localPort as number)).toBe(process.geteuid?.())
    expect(acceptingUid(port, 1)).toBeNull()
    c.destroy()
    s.close()
  })

  // A listener receives connections to 127.0.0.1 through any of these; the IPv4-mapped form
  // shows up only in /proc/net/tcp6 (a red-team finding against a listener-table check).
  it.skipIf(!root).for(['127.0.0.1', '0.0.0.0', '::', '::ffff:127.0.0.1'])(
    'refuses to send a credential to another user listening on %s, and sends it nothing',
    async (address) => {
      const port = await squatter(address)
      const got = heard(children.at(-1))
      const err = await daemonRequest({
        method: 'GET',
        url: `http://127.0.0.1:${port}`,
        path: '/v1/instructions',
        bearer: 'secret.token.value',
        timeoutMs: 2000,
      }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(BriefdError)
      expect((err as BriefdError).code).toBe('ERR_DAEMON_UNTRUSTED')
      expect((err as BriefdError).message).toContain('held by uid 12345')
      expect((err as BriefdError).message).not.toContain('secret.token.value')
      await new Promise((r) => setTimeout(r, 100))
      expect(got()).not.toContain('GOT')
    },
  )

  it.skipIf(!root || !python)('refuses a listener of another user that never accepts', async () => {
    const child = spawn(
      'python3',
      [
        '-c',
        [
          'import os, socket, sys, time',
          'os.setgid(12345); os.setuid(12345)',
          "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(8)",
          'print(s.getsockname()[1], flush=True); time.sleep(30)',
        ].join('\n'),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    children.push(child)
    const [line] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer]
    const port = Number(line.toString().trim())
    const err = await daemonRequest({
      method: 'GET',
      url: `http://127.0.0.1:${port}`,
      path: '/v1/voice',
      bearer: 'x.y.z',
      timeoutMs: 2000,
    }).catch((e: unknown) => e)
    expect((err as BriefdError).code).toBe('ERR_DAEMON_UNTRUSTED')
  })

  it.skipIf(!root)(
    'briefd mcp falls back with a warning instead of handing its token to a squatter',
    async () => {
      const port = await squatter('::ffff:127.0.0.1')
      const got = heard(children.at(-1))
      const tokenFile = join(tempDir(), 'token.json')
      writeSessionTokenFile(
        tokenFile,
        {
          token: 'aaa.bbb.ccc',
          session_id: '0b9f3c3e-6a51-4c5e-9d5e-2f4a7f1d2c3b',
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
        },
        `http://127.0.0.1:${port}`,
      )
      const mcp = await startMcp({
        env: { BRIEFD_TOKEN_FILE: tokenFile, BRIEFD_TOOLS: EXAMPLE_TOOLS, BRIEFD_GRACE_MS: '0' },
      })
      try {
        expect(mcp.stderr()).toContain(
          `port ${port} on 127.0.0.1 is held by uid 12345, not by you; not sending a credential there`,
        )
        expect(mcp.stderr()).not.toContain('aaa.bbb.ccc')
        expect(mcp.client.getInstructions()).not.toContain('Lanternfish, a code-review judge')
      } finally {
        await mcp.close()
      }
      await new Promise((r) => setTimeout(r, 100))
      expect(got()).not.toContain('GOT')
    },
  )
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { tokenFileName } from '../../src/host/discovery.js'
import { readTokenFile, writeTokenFile } from '../../src/host/token-file.js'
import { STATE_FILES } from '../../src/shared/paths.js'
import { readDaemonInfo } from '../../src/shared/state-files.js'
import { writeSecretFileAtomic } from '../../src/shared/secure-fs.js'
import { makeContent } from '../helpers/content.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import {
  BRIEFD_BIN,
  startSimulatedHost,
  type RunResult,
  type SimulatedHost,
} from '../helpers/host.js'
import { rawRequest } from '../helpers/http.js'
import { tempDir } from '../helpers/tmp.js'

const isRoot = process.geteuid?.() === 0
/** Spawning Node and a shell on a noisy 2-core VM: generous, but far below "hangs". */
const SPAWN_MARGIN_MS = 1500

let daemon: TestDaemon
const hosts: SimulatedHost[] = []

beforeAll(async () => {
  daemon = await startTestDaemon({ contentDir: makeContent().dir })
})
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.kill()))
  await daemon.close()
})

const startInput = (source: string): string =>
  JSON.stringify({
    session_id: randomBytes(8).toString('hex'),
    hook_event_name: 'SessionStart',
    source,
    cwd: '/tmp',
  })
const endInput = (reason: string): string =>
  JSON.stringify({
    session_id: randomBytes(8).toString('hex'),
    hook_event_name: 'SessionEnd',
    reason,
  })

function runtimeDir(): string {
  return join(tempDir(), 'runtime')
}

async function host(runtime: string, stateDir = daemon.stateDir): Promise<SimulatedHost> {
  const h = await startSimulatedHost({
    BRIEFD_STATE_DIR: stateDir,
    BRIEFD_RUNTIME_DIR: runtime,
    BRIEFD_LOG_LEVEL: 'info',
  })
  hosts.push(h)
  return h
}

const status = async (token: string): Promise<number> =>
  (
    await rawRequest(daemon.port, {
      path: '/v1/sessions/current',
      headers: [['Authorization', `Bearer ${token}`]],
    })
  ).status

/** A hook that did its job: exit 0, nothing on stdout, nothing on stderr. */
function expectClean(r: RunResult): void {
  expect(r.stdout).toBe('')
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
}

/** A hook that failed safe: exit 0, nothing on stdout, exactly one stderr line. */
function expectOneWarning(r: RunResult): string {
  expect(r.stdout).toBe('')
  expect(r.code).toBe(0)
  const lines = r.stderr.split('\n').filter((l) => l !== '')
  expect(lines).toHaveLength(1)
  return lines[0] ?? ''
}

describe('briefd session start|end as Claude Code hooks', () => {
  it('start writes the host token file that the MCP stand-in finds; end revokes it and deletes the file', async () => {
    const runtime = runtimeDir()
    const h = await host(runtime)
    expectClean(await h.briefd(['session', 'start'], { input: startInput('startup') }))
    const [direct, npx] = await Promise.all([h.probe('direct'), h.probe('npx')])
    expect(direct.host?.pid).toBe(h.pid)
    expect(direct.token).not.toBeNull()
    expect(npx.token).toBe(direct.token)
    const file = direct.location?.path ?? ''
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(runtime).mode & 0o777).toBe(0o700)
    expect(await status(direct.token ?? '')).toBe(200)

    expectClean(await h.briefd(['session', 'end'], { input: endInput('prompt_input_exit') }))
    expect(existsSync(file)).toBe(false)
    expect(await status(direct.token ?? '')).toBe(401)
  })

  it('writes the token file with mode 0600 under umask 000', async () => {
    const runtime = runtimeDir()
    const h = await host(runtime)
    expectClean(
      await h.run('direct', [
        '/bin/sh',
        '-c',
        `umask 000; exec "${process.execPath}" "${BRIEFD_BIN}" session start`,
      ]),
    )
    const probe = await h.probe('sh')
    expect(statSync(probe.location?.path ?? '').mode & 0o777).toBe(0o600)
    expect(statSync(runtime).mode & 0o777).toBe(0o700)
  })

  it('keeps the token across SessionEnd(clear) and replaces it at SessionStart(clear), revoking the old one', async () => {
    const h = await host(runtimeDir())
    expectClean(await h.briefd(['session', 'start'], { input: startInput('startup') }))
    const first = (await h.probe()).token ?? ''
    expectClean(await h.briefd(['session', 'end'], { input: endInput('clear') }))
    expect(await status(first)).toBe(200)
    expect((await h.probe()).token).toBe(first)
    expectClean(await h.briefd(['session', 'start'], { input: startInput('clear') }))
    const second = (await h.probe()).token ?? ''
    expect(second).not.toBe(first)
    expect(await status(second)).toBe(200)
    expect(await status(first)).toBe(401)
  })

  it("gives two hosts side by side their own token files and never each other's token", async () => {
    const runtime = runtimeDir()
    const [a, b] = await Promise.all([host(runtime), host(runtime)])
    const [ra, rb] = await Promise.all([
      a.briefd(['session', 'start'], { input: startInput('startup') }),
      b.briefd(['session', 'start'], { input: startInput('startup') }),
    ])
    expectClean(ra)
    expectClean(rb)
    const [pa, pb] = await Promise.all([a.probe('npx'), b.probe('env')])
    expect(pa.location?.path).not.toBe(pb.location?.path)
    expect(pa.token).not.toBe(pb.token)
    expect(readTokenFile(pa.location?.path ?? '').host?.pid).toBe(a.pid)
    expect(readTokenFile(pb.location?.path ?? '').host?.pid).toBe(b.pid)
    expectClean(await a.briefd(['session', 'end']))
    expect(await status(pa.token ?? '')).toBe(401)
    expect(await status(pb.token ?? '')).toBe(200)
    expect((await b.probe()).token).toBe(pb.token)
  })

  it('removes the token file of a host that died, and revokes its token, at the next start', async () => {
    const runtime = runtimeDir()
    const [a, b] = await Promise.all([host(runtime), host(runtime)])
    expectClean(await a.briefd(['session', 'start']))
    const pa = await a.probe()
    await a.kill()
    expectClean(await b.briefd(['session', 'start']))
    expect(existsSync(pa.location?.path ?? '')).toBe(false)
    expect(await status(pa.token ?? '')).toBe(401)
    expect(readdirSync(runtime)).toHaveLength(1)
  })

  it.each([
    ['closed', { argv: (cmd: string) => ['/bin/sh', '-c', `exec 0<&- ${cmd}`] }],
    ['/dev/null', {}],
    ['empty', { input: '' }],
    ['not JSON', { input: 'hello\n' }],
    ['a pipe that is never closed', { stdinOpen: true }],
  ] as const)('works with stdin %s', async (_what, how) => {
    const h = await host(runtimeDir())
    const cmd = `"${process.execPath}" "${BRIEFD_BIN}" session start`
    const r =
      'argv' in how
        ? await h.run('direct', how.argv(cmd))
        : await h.briefd(['session', 'start'], how)
    expectClean(r)
    expect((await h.probe()).token).not.toBeNull()
  })

  it('exits 0 with one stderr line and no file when no daemon is running', async () => {
    const runtime = runtimeDir()
    const stateDir = tempDir()
    const h = await host(runtime, stateDir)
    const line = expectOneWarning(
      await h.briefd(['session', 'start'], { input: startInput('startup') }),
    )
    expect(line).toContain(stateDir)
    expect(readdirSync(runtime)).toEqual([])
    expectClean(await h.briefd(['session', 'end'], { input: endInput('other') }))
  })

  it.skipIf(!isRoot)(
    'exits 0 with one stderr line naming the runtime dir when another user owns it',
    async () => {
      const runtime = runtimeDir()
      mkdirSync(runtime, { mode: 0o700 })
      chownSync(runtime, 65534, 65534)
      const h = await host(runtime)
      const line = expectOneWarning(await h.briefd(['session', 'start']))
      expect(line).toContain(runtime)
      expect(line).toContain('owned by uid 65534')
      expect(readdirSync(runtime)).toEqual([])
    },
  )

  it('starts the daemon with --content when none is running, then gets its token from it', async () => {
    const stateDir = join(tempDir(), 'state')
    const h = await host(runtimeDir(), stateDir)
    let pid = 0
    try {
      // A generous deadline: this is about the wiring, not about how fast a cold daemon starts here.
      expectClean(
        await h.briefd(
          ['session', 'start', '--content', makeContent().dir, '--deadline', '15000'],
          { input: startInput('startup') },
        ),
      )
      const info = readDaemonInfo(stateDir)
      pid = info?.pid ?? 0
      const probe = await h.probe()
      expect(probe.token).not.toBeNull()
      const res = await rawRequest(info?.port ?? 0, {
        path: '/v1/sessions/current',
        headers: [['Authorization', `Bearer ${probe.token ?? ''}`]],
      })
      expect(res.status).toBe(200)
    } finally {
      if (pid > 0) process.kill(pid, 'SIGTERM')
    }
  })

  it.each(['start', 'end'])(
    '%s leaves a file at BRIEFD_TOKEN_FILE that is not a briefd token file alone: exit 0, one line naming it, its content never shown',
    async (kind) => {
      const h = await host(runtimeDir())
      const key = join(tempDir(), 'id_ed25519')
      const text = `-----BEGIN OPENSSH PRIVATE KEY-----\nCANARY-${randomBytes(6).toString('hex')}\n-----END OPENSSH PRIVATE KEY-----\n`
      writeFileSync(key, text, { mode: 0o600 })
      const r = await h.briefd(['session', kind], {
        input: kind === 'start' ? startInput('startup') : endInput('logout'),
        env: { BRIEFD_TOKEN_FILE: key },
      })
      const line = expectOneWarning(r)
      expect(line).toContain(key)
      expect(line).toContain('BRIEFD_TOKEN_FILE')
      expect(line).not.toContain('CANARY')
      expect(readFileSync(key, 'utf8')).toBe(text)
      expect(statSync(key).mode & 0o777).toBe(0o600)
    },
  )

  it('refuses a bad BRIEFD_LOG_LEVEL like every command, but as a hook: exit 0, one line, nothing written or deleted', async () => {
    const runtime = runtimeDir()
    const h = await host(runtime)
    const env = { BRIEFD_LOG_LEVEL: 'loud' }
    const expected = 'BRIEFD_LOG_LEVEL must be debug, info, warn or error (got "loud")'
    expect(
      expectOneWarning(await h.briefd(['session', 'start'], { input: startInput('startup'), env })),
    ).toContain(expected)
    expect(existsSync(runtime)).toBe(false)
    expectClean(await h.briefd(['session', 'start'], { input: startInput('startup') }))
    const token = (await h.probe()).token ?? ''
    expect(
      expectOneWarning(await h.briefd(['session', 'end'], { input: endInput('logout'), env })),
    ).toContain(expected)
    expect(readdirSync(runtime)).toHaveLength(1)
    expect(await status(token)).toBe(200)
  })

  it('rejects a bad --deadline loudly (it is a configuration error), still with nothing on stdout', async () => {
    const h = await host(runtimeDir())
    const r = await h.briefd(['session', 'start', '--deadline', 'soon'])
    expect(r.stdout).toBe('')
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('--deadline')
  })
})

describe('briefd session start|end against a hung daemon', () => {
  let hung: Server
  const sockets: Socket[] = []
  let stateDir: string

  beforeAll(async () => {
    // Accepts connections and never answers: the worst case for a hook.
    hung = createServer((s) => void sockets.push(s))
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve))
    const port = (hung.address() as { port: number }).port
    stateDir = join(tempDir(), 'state')
    mkdirSync(stateDir, { mode: 0o700 })
    writeSecretFileAtomic(
      join(stateDir, STATE_FILES.daemon),
      JSON.stringify({
        pid: process.pid,
        url: `http://127.0.0.1:${port}`,
        host: '127.0.0.1',
        port,
      }),
    )
    writeSecretFileAtomic(
      join(stateDir, STATE_FILES.bootstrap),
      `briefd_bs_${randomBytes(32).toString('base64url')}\n`,
    )
  })
  afterAll(async () => {
    for (const s of sockets) s.destroy()
    await new Promise((resolve) => hung.close(resolve))
  })

  it('start gives up within its 2 s budget: exit 0, one stderr line, no stdout, no file', async () => {
    const runtime = runtimeDir()
    const h = await host(runtime, stateDir)
    const r = await h.briefd(['session', 'start'], { input: startInput('startup') })
    expectOneWarning(r)
    expect(r.ms).toBeLessThan(2000 + SPAWN_MARGIN_MS)
    expect(readdirSync(runtime)).toEqual([])
  })

  it('end gives up within its 1 s budget, and has deleted the token file already', async () => {
    const runtime = runtimeDir()
    mkdirSync(runtime, { mode: 0o700 })
    const h = await host(runtime, stateDir)
    const probe = await h.probe()
    const token = `e30.e30.${randomBytes(8).toString('hex')}`
    writeTokenFile(join(runtime, tokenFileName(probe.host ?? { pid: 1, startTime: '0' })), {
      version: 1,
      token,
      session_id: 's',
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      daemon_url: 'http://127.0.0.1:1',
      host: probe.host,
      created_at: '',
    })
    const r = await h.briefd(['session', 'end'], { input: endInput('logout') })
    const line = expectOneWarning(r)
    expect(line).not.toContain(token)
    expect(r.ms).toBeLessThan(1000 + SPAWN_MARGIN_MS)
    expect(readdirSync(runtime)).toEqual([])
  })

  it('honours a shorter --deadline', async () => {
    const h = await host(runtimeDir(), stateDir)
    const r = await h.briefd(['session', 'start', '--deadline', '400'])
    expectOneWarning(r)
    expect(r.ms).toBeLessThan(400 + SPAWN_MARGIN_MS)
  })
})

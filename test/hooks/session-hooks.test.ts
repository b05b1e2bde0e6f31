import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { createDeadline } from '../../src/hooks/deadline.js'
import { tokenFileName } from '../../src/host/discovery.js'
import {
  endHostSession,
  startHostSession,
  type HostSessionOptions,
} from '../../src/hooks/session-hooks.js'
import { readTokenFile, writeTokenFile, type HostIdentity } from '../../src/host/token-file.js'
import { BriefdError } from '../../src/shared/errors.js'
import { silentLogger } from '../../src/shared/log.js'
import { STATE_FILES } from '../../src/shared/paths.js'
import { writeSecretFileAtomic } from '../../src/shared/secure-fs.js'
import { makeContent } from '../helpers/content.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { rawRequest } from '../helpers/http.js'
import { deadHost, liveHost } from '../helpers/processes.js'
import { tempDir } from '../helpers/tmp.js'

const isRoot = process.geteuid?.() === 0
let daemon: TestDaemon
const host: HostIdentity = liveHost()

beforeAll(async () => {
  daemon = await startTestDaemon({ contentDir: makeContent().dir })
})
afterAll(async () => {
  await daemon.close()
})

function runtimeDir(): string {
  return join(tempDir(), 'runtime')
}

function options(runtime: string, extra: Partial<HostSessionOptions> = {}): HostSessionOptions {
  return {
    deadline: createDeadline(10_000),
    logger: silentLogger,
    env: { BRIEFD_RUNTIME_DIR: runtime },
    stateDir: daemon.stateDir,
    host,
    ...extra,
  }
}

const statusAt = async (port: number, token: string): Promise<number> =>
  (
    await rawRequest(port, {
      path: '/v1/sessions/current',
      headers: [['Authorization', `Bearer ${token}`]],
    })
  ).status
const status = (token: string): Promise<number> => statusAt(daemon.port, token)

async function failure(work: Promise<unknown>): Promise<BriefdError> {
  try {
    await work
  } catch (err) {
    if (err instanceof BriefdError) return err
    throw err
  }
  throw new Error('expected a failure')
}

describe('startHostSession', () => {
  it('writes a 0600 token file keyed by the host, holding a token the daemon accepts', async () => {
    const runtime = runtimeDir()
    const r = await startHostSession(options(runtime))
    const path = join(runtime, tokenFileName(host))
    expect(r.path).toBe(path)
    expect(r.source).toBe('host')
    expect(statSync(runtime).mode & 0o777).toBe(0o700)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const record = readTokenFile(path)
    expect(record).toMatchObject({
      session_id: r.sessionId,
      expires_at: r.expiresAt,
      daemon_url: daemon.url,
      host,
    })
    expect(await status(record.token)).toBe(200)
  })

  it('replaces the token of the same host (SessionStart after /clear) and then revokes the old one', async () => {
    const runtime = runtimeDir()
    await startHostSession(options(runtime))
    const path = join(runtime, tokenFileName(host))
    const first = readTokenFile(path).token
    const again = await startHostSession(options(runtime))
    const second = readTokenFile(path).token
    expect(second).not.toBe(first)
    expect(again.previousRevoked).toBe(true)
    expect(await status(first)).toBe(401)
    expect(await status(second)).toBe(200)
    expect(readdirSync(runtime)).toEqual([tokenFileName(host)])
  })

  it('writes to BRIEFD_TOKEN_FILE instead of the runtime dir when it is set', async () => {
    const file = join(tempDir(), 'ci-token.json')
    const runtime = runtimeDir()
    const r = await startHostSession(
      options(runtime, { env: { BRIEFD_RUNTIME_DIR: runtime, BRIEFD_TOKEN_FILE: file } }),
    )
    expect(r).toMatchObject({ path: file, source: 'env', swept: undefined })
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(existsSync(runtime)).toBe(false)
  })

  it('replaces the briefd token file at BRIEFD_TOKEN_FILE and revokes the token it held', async () => {
    const file = join(tempDir(), 'ci-token.json')
    const env = { BRIEFD_RUNTIME_DIR: runtimeDir(), BRIEFD_TOKEN_FILE: file }
    await startHostSession(options('', { env }))
    const first = readTokenFile(file).token
    expect((await startHostSession(options('', { env }))).previousRevoked).toBe(true)
    expect(readTokenFile(file).token).not.toBe(first)
    expect(await status(first)).toBe(401)
  })

  it.each([
    ['a 0600 file that is not a token file (an SSH key)', 0o600, 'BRIEFD_TOKEN_FILE'],
    ['a 0644 file (a dotfile)', 0o644, 'BRIEFD_TOKEN_FILE'],
    ['a 0600 file named by --token-file', 0o600, '--token-file'],
  ] as const)(
    'never replaces %s, issues no token for it, and says so without quoting it',
    async (_what, mode, setting) => {
      const file = join(tempDir(), 'id_ed25519')
      const canary = `-----BEGIN OPENSSH PRIVATE KEY----- CANARY-${Math.random().toString(36).slice(2)}`
      writeFileSync(file, `${canary}\n`, { mode })
      const sessions = daemon.handle.liveSessions()
      const extra: Partial<HostSessionOptions> =
        setting === '--token-file'
          ? { tokenFile: file }
          : { env: { BRIEFD_RUNTIME_DIR: runtimeDir(), BRIEFD_TOKEN_FILE: file } }
      const err = await failure(startHostSession(options(runtimeDir(), extra)))
      expect(err.code).toMatch(/^ERR_FILE_(INVALID|UNSAFE)$/)
      expect(err.message).toContain(file)
      expect(err.message).toContain(`not replaced: ${setting}`)
      expect(err.message).not.toContain('CANARY')
      expect(readFileSync(file, 'utf8')).toBe(`${canary}\n`)
      expect(statSync(file).mode & 0o777).toBe(mode)
      expect(daemon.handle.liveSessions()).toBe(sessions)
    },
  )

  it('never replaces a symlink at BRIEFD_TOKEN_FILE', async () => {
    const dir = tempDir()
    const real = join(dir, 'real')
    writeFileSync(real, 'keep me\n', { mode: 0o600 })
    symlinkSync(real, join(dir, 'link'))
    const err = await failure(
      startHostSession(options(runtimeDir(), { env: { BRIEFD_TOKEN_FILE: join(dir, 'link') } })),
    )
    expect(err.code).toBe('ERR_FILE_UNSAFE')
    expect(readFileSync(real, 'utf8')).toBe('keep me\n')
    expect(lstatSync(join(dir, 'link')).isSymbolicLink()).toBe(true)
    expect(readdirSync(dir).sort()).toEqual(['link', 'real'])
  })

  it('sweeps the files of dead hosts and revokes their tokens', async () => {
    const runtime = runtimeDir()
    await startHostSession(options(runtime))
    const dead = await deadHost()
    const orphan = await startHostSession(options(runtime, { host: dead }))
    const orphanToken = readTokenFile(orphan.path).token
    const r = await startHostSession(options(runtime))
    expect(r.swept).toEqual({ removed: [tokenFileName(dead)], revoked: 1 })
    expect(await status(orphanToken)).toBe(401)
  })

  it.each([
    [
      'mode 0755',
      (dir: string) => {
        mkdirSync(dir, { mode: 0o700 })
        chmodSync(dir, 0o755)
      },
    ],
    [
      'a symlink',
      (dir: string) => {
        const real = `${dir}-real`
        mkdirSync(real, { mode: 0o700 })
        symlinkSync(real, dir)
      },
    ],
    ['a regular file', (dir: string) => writeFileSync(dir, '')],
  ])('refuses a runtime dir that is %s, writing nothing', async (_what, make) => {
    const runtime = runtimeDir()
    make(runtime)
    const err = await failure(startHostSession(options(runtime)))
    expect(err.code).toBe('ERR_DIR_UNSAFE')
    expect(err.message).toContain(runtime)
    if (existsSync(`${runtime}-real`)) expect(readdirSync(`${runtime}-real`)).toEqual([])
  })

  it.skipIf(!isRoot)('refuses a runtime dir pre-created by another user', async () => {
    const runtime = runtimeDir()
    mkdirSync(runtime, { mode: 0o700 })
    chownSync(runtime, 65534, 65534)
    const err = await failure(startHostSession(options(runtime)))
    expect(err.code).toBe('ERR_DIR_UNSAFE')
    expect(readdirSync(runtime)).toEqual([])
  })

  it('fails with ERR_HOST_UNKNOWN when no host can be found, writing nothing', async () => {
    const runtime = runtimeDir()
    const err = await failure(
      startHostSession({ ...options(runtime), host: undefined, reader: { read: () => undefined } }),
    )
    expect(err.code).toBe('ERR_HOST_UNKNOWN')
    expect(existsSync(runtime)).toBe(false)
  })

  it('fails with ERR_DAEMON_NOT_RUNNING without daemon.json, or when its pid is gone', async () => {
    const stateDir = tempDir()
    expect((await failure(startHostSession(options(runtimeDir(), { stateDir })))).code).toBe(
      'ERR_DAEMON_NOT_RUNNING',
    )
    const dead = await deadHost()
    writeSecretFileAtomic(
      join(stateDir, STATE_FILES.daemon),
      JSON.stringify({ pid: dead.pid, url: daemon.url, host: '127.0.0.1', port: daemon.port }),
    )
    expect((await failure(startHostSession(options(runtimeDir(), { stateDir })))).code).toBe(
      'ERR_DAEMON_NOT_RUNNING',
    )
  })

  it('calls startDaemon when no daemon is running, and uses the daemon it started', async () => {
    const stateDir = join(tempDir(), 'state')
    let started: TestDaemon | undefined
    try {
      const r = await startHostSession(
        options(runtimeDir(), {
          stateDir,
          startDaemon: async (dir) => {
            started = await startTestDaemon({ contentDir: makeContent().dir, stateDir: dir })
            return {
              pid: process.pid,
              url: started.url,
              host: '127.0.0.1',
              port: started.port,
              started_at: '',
              content_dir: '',
            }
          },
        }),
      )
      expect(started).toBeDefined()
      expect(await statusAt(started?.port ?? 0, readTokenFile(r.path).token)).toBe(200)
    } finally {
      await started?.close()
    }
  })

  it('fails with ERR_DEADLINE_EXCEEDED, writing nothing, when the budget is already spent', async () => {
    const runtime = runtimeDir()
    const err = await failure(startHostSession(options(runtime, { deadline: createDeadline(0) })))
    expect(err.code).toBe('ERR_DEADLINE_EXCEEDED')
    expect(readdirSync(runtime)).toEqual([])
  })
})

describe('endHostSession', () => {
  it('deletes the token file and revokes the token', async () => {
    const runtime = runtimeDir()
    const started = await startHostSession(options(runtime))
    const token = readTokenFile(started.path).token
    const r = await endHostSession(options(runtime))
    expect(r).toEqual({ path: started.path, action: 'removed', revoked: true })
    expect(existsSync(started.path)).toBe(false)
    expect(await status(token)).toBe(401)
  })

  it.each(['clear', 'resume'])(
    'keeps the token when the host carries on (reason %s)',
    async (reason) => {
      const runtime = runtimeDir()
      const started = await startHostSession(options(runtime))
      const token = readTokenFile(started.path).token
      expect((await endHostSession({ ...options(runtime), reason })).action).toBe('kept')
      expect(await status(token)).toBe(200)
    },
  )

  it.each(['logout', 'prompt_input_exit', 'other'])('revokes on reason %s', async (reason) => {
    const runtime = runtimeDir()
    const started = await startHostSession(options(runtime))
    const token = readTokenFile(started.path).token
    expect(await endHostSession({ ...options(runtime), reason })).toMatchObject({
      action: 'removed',
      revoked: true,
    })
    expect(await status(token)).toBe(401)
  })

  it('does nothing (and creates nothing) when there is no runtime dir or no token file', async () => {
    const runtime = runtimeDir()
    expect((await endHostSession(options(runtime))).action).toBe('none')
    expect(existsSync(runtime)).toBe(false)
    mkdirSync(runtime, { mode: 0o700 })
    expect((await endHostSession(options(runtime))).action).toBe('none')
  })

  it('removes a corrupt token file', async () => {
    const runtime = runtimeDir()
    mkdirSync(runtime, { mode: 0o700 })
    const path = join(runtime, tokenFileName(host))
    writeFileSync(path, 'not json', { mode: 0o600 })
    expect(await endHostSession(options(runtime))).toEqual({
      path,
      action: 'removed',
      revoked: false,
    })
    expect(existsSync(path)).toBe(false)
  })

  it.each(['BRIEFD_TOKEN_FILE', '--token-file'] as const)(
    'deletes the briefd token file named by %s and revokes its token',
    async (setting) => {
      const file = join(tempDir(), 'ci-token.json')
      const extra: Partial<HostSessionOptions> =
        setting === '--token-file' ? { tokenFile: file } : { env: { BRIEFD_TOKEN_FILE: file } }
      await startHostSession(options(runtimeDir(), extra))
      const token = readTokenFile(file).token
      expect(await endHostSession(options(runtimeDir(), extra))).toEqual({
        path: file,
        action: 'removed',
        revoked: true,
      })
      expect(existsSync(file)).toBe(false)
      expect(await status(token)).toBe(401)
    },
  )

  it.each([
    [
      'an SSH key named by BRIEFD_TOKEN_FILE',
      'BRIEFD_TOKEN_FILE',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nCANARY\n',
    ],
    [
      'an SSH key named by --token-file',
      '--token-file',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nCANARY\n',
    ],
    ['other JSON named by BRIEFD_TOKEN_FILE', 'BRIEFD_TOKEN_FILE', '{"CANARY": true}\n'],
  ] as const)(
    'never deletes %s: it stays, and the error names it without quoting it',
    async (_what, setting, text) => {
      const file = join(tempDir(), 'id_ed25519')
      writeFileSync(file, text, { mode: 0o600 })
      const extra: Partial<HostSessionOptions> =
        setting === '--token-file' ? { tokenFile: file } : { env: { BRIEFD_TOKEN_FILE: file } }
      const err = await failure(endHostSession(options(runtimeDir(), extra)))
      expect(err.code).toBe('ERR_FILE_INVALID')
      expect(err.message).toContain(file)
      expect(err.message).toContain(`not deleted: ${setting}`)
      expect(err.message).not.toContain('CANARY')
      expect(readFileSync(file, 'utf8')).toBe(text)
    },
  )

  it('refuses a token file others can read, and leaves it in place', async () => {
    const runtime = runtimeDir()
    const started = await startHostSession(options(runtime))
    chmodSync(started.path, 0o644)
    expect((await failure(endHostSession(options(runtime)))).code).toBe('ERR_FILE_UNSAFE')
    expect(existsSync(started.path)).toBe(true)
  })

  it('revokes at the daemon named in the state dir, never at the URL in the token file', async () => {
    // A squatter on the port a token file names: it must not receive the token.
    const seen: string[] = []
    const sockets: Socket[] = []
    const squatter: Server = createServer((s) => {
      sockets.push(s)
      s.on('data', (d: Buffer) => seen.push(d.toString('utf8')))
    })
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve))
    const port = (squatter.address() as { port: number }).port
    try {
      const runtime = runtimeDir()
      const started = await startHostSession(options(runtime))
      const record = readTokenFile(started.path)
      writeTokenFile(started.path, { ...record, daemon_url: `http://127.0.0.1:${port}` })
      expect(await endHostSession(options(runtime))).toMatchObject({
        action: 'removed',
        revoked: true,
      })
      expect(seen).toEqual([])
      expect(await status(record.token)).toBe(401)
    } finally {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => squatter.close(resolve))
    }
  })

  it('removes the file but reports ERR_DAEMON_NOT_RUNNING when the daemon is gone', async () => {
    const runtime = runtimeDir()
    const started = await startHostSession(options(runtime))
    const token = readTokenFile(started.path).token
    const err = await failure(endHostSession(options(runtime, { stateDir: tempDir() })))
    expect(err.code).toBe('ERR_DAEMON_NOT_RUNNING')
    expect(err.message).toMatch(/not revoked/)
    expect(err.message).not.toContain(token)
    expect(existsSync(started.path)).toBe(false)
  })
})

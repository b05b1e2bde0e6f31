import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import {
  HOST_TOKEN_FILE_RE,
  locateTokenFile,
  locateTokenFileWith,
  parseTokenFileName,
  tokenFileName,
} from '../../src/host/discovery.js'
import { findHostProcess } from '../../src/host/host-process.js'
import { procfsReader } from '../../src/host/process-table.js'
import { writeTokenFile, type TokenRecord } from '../../src/host/token-file.js'
import { isBriefdError } from '../../src/shared/errors.js'
import { startSimulatedHost, type SimulatedHost, type Via } from '../helpers/host.js'
import { tempDir } from '../helpers/tmp.js'

const isRoot = process.geteuid?.() === 0
const linux = process.platform === 'linux'

function record(token: string, host: { pid: number; startTime: string } | null): TokenRecord {
  return {
    version: 1,
    token,
    session_id: 'sid',
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    daemon_url: 'http://127.0.0.1:1',
    host,
    created_at: '',
  }
}

describe('tokenFileName / parseTokenFileName', () => {
  it('round-trips a host identity through the file name', () => {
    const name = tokenFileName({ pid: 4242, startTime: '987654' })
    expect(name).toBe('host-4242-987654.json')
    expect(HOST_TOKEN_FILE_RE.test(name)).toBe(true)
    expect(parseTokenFileName(name)).toEqual({ pid: 4242, startTime: '987654' })
  })

  it.each([
    'host-0-1.json',
    'host-1-x.json',
    'host-1-1.json.tmp',
    '.host-1-1.json',
    'host-1-1-1.json',
    'other.json',
  ])('does not treat %s as a token file', (name) => {
    expect(parseTokenFileName(name)).toBeUndefined()
  })

  it('throws TypeError for an identity that could escape the file name', () => {
    expect(() => tokenFileName({ pid: 1, startTime: '../x' })).toThrow(TypeError)
    expect(() => tokenFileName({ pid: -1, startTime: '1' })).toThrow(TypeError)
  })
})

describe('locateTokenFile', () => {
  it('returns BRIEFD_TOKEN_FILE (made absolute) when set', () => {
    expect(locateTokenFile({ BRIEFD_TOKEN_FILE: '/x/token.json' })).toEqual({
      path: '/x/token.json',
      source: 'env',
    })
    expect(locateTokenFile({ BRIEFD_TOKEN_FILE: 'rel/token.json' })?.path).toBe(
      join(process.cwd(), 'rel/token.json'),
    )
  })

  it('returns the host-keyed path in the runtime dir and creates nothing when the dir is missing', () => {
    const dir = join(tempDir(), 'runtime')
    const loc = locateTokenFileWith(
      { BRIEFD_RUNTIME_DIR: dir },
      { host: { pid: 77, startTime: '5' } },
    )
    expect(loc).toEqual({ path: join(dir, 'host-77-5.json'), source: 'host' })
    expect(existsSync(dir)).toBe(false)
  })

  it('finds this process host when not told', () => {
    const dir = tempDir()
    const loc = locateTokenFile({ BRIEFD_RUNTIME_DIR: dir })
    const host = findHostProcess()
    expect(host).toBeDefined()
    expect(loc?.path).toBe(join(dir, tokenFileName(host ?? { pid: 1, startTime: '0' })))
  })

  it('throws ERR_DIR_UNSAFE for a runtime dir others can read', () => {
    const dir = tempDir()
    chmodSync(dir, 0o755)
    let err: unknown
    try {
      locateTokenFileWith({ BRIEFD_RUNTIME_DIR: dir }, { host: { pid: 77, startTime: '5' } })
    } catch (e) {
      err = e
    }
    expect(isBriefdError(err, 'ERR_DIR_UNSAFE')).toBe(true)
    expect((err as Error).message).toContain(dir)
  })

  it('throws ERR_DIR_UNSAFE for a symlinked runtime dir', () => {
    const base = tempDir()
    mkdirSync(join(base, 'real'), { mode: 0o700 })
    symlinkSync(join(base, 'real'), join(base, 'link'))
    expect(() =>
      locateTokenFileWith(
        { BRIEFD_RUNTIME_DIR: join(base, 'link') },
        { host: { pid: 77, startTime: '5' } },
      ),
    ).toThrow(/symlink/)
  })

  it.skipIf(!isRoot)('throws ERR_DIR_UNSAFE for a runtime dir owned by another user', () => {
    const dir = tempDir()
    chownSync(dir, 65534, 65534)
    expect(() =>
      locateTokenFileWith({ BRIEFD_RUNTIME_DIR: dir }, { host: { pid: 77, startTime: '5' } }),
    ).toThrow(/owned by uid 65534/)
  })
})

describe('host discovery across a real process tree', () => {
  let runtime: string
  let hostA: SimulatedHost
  let hostB: SimulatedHost

  beforeAll(async () => {
    runtime = join(tempDir(), 'runtime')
    mkdirSync(runtime, { mode: 0o700 })
    ;[hostA, hostB] = await Promise.all([
      startSimulatedHost({ BRIEFD_RUNTIME_DIR: runtime }),
      startSimulatedHost({ BRIEFD_RUNTIME_DIR: runtime }),
    ])
  })
  afterAll(async () => {
    await Promise.all([hostA.kill(), hostB.kill()])
  })

  const vias: Via[] = ['direct', 'sh', 'sh-stay', 'bash-env', 'env', 'timeout', 'npx']
  it.each(vias)('resolves a child started %s to the simulated host', async (via) => {
    const probe = await hostA.probe(via)
    expect(probe.error).toBe('ERR_FILE_NOT_FOUND') // located, not written yet
    expect(probe.host?.pid).toBe(hostA.pid)
    expect(probe.location).toEqual({
      path: join(runtime, tokenFileName(probe.host ?? { pid: 1, startTime: '0' })),
      source: 'host',
    })
  })

  it('gives the hook (sh -c) and the MCP server (direct, npx) the same host identity', async () => {
    const [hook, direct, npx] = await Promise.all([
      hostA.probe('sh-stay'),
      hostA.probe('direct'),
      hostA.probe('npx'),
    ])
    expect(hook.host).not.toBeNull()
    expect(direct.host).toEqual(hook.host)
    expect(npx.host).toEqual(hook.host)
  })

  it.runIf(linux)(
    'uses the host start time from /proc, so the identity names one process',
    async () => {
      const probe = await hostA.probe('sh')
      expect(probe.host?.startTime).toBe(procfsReader().read(hostA.pid)?.startTime)
    },
  )

  it('never hands one host the token of another host side by side', async () => {
    const [a, b] = await Promise.all([hostA.probe('sh'), hostB.probe('sh')])
    expect(a.host?.pid).toBe(hostA.pid)
    expect(b.host?.pid).toBe(hostB.pid)
    expect(a.location?.path).not.toBe(b.location?.path)
    writeTokenFile(a.location?.path ?? '', record('token-of-A', a.host))
    writeTokenFile(b.location?.path ?? '', record('token-of-B', b.host))
    const [a2, b2] = await Promise.all([hostA.probe('npx'), hostB.probe('direct')])
    expect(a2.token).toBe('token-of-A')
    expect(b2.token).toBe('token-of-B')
  })

  it('does not match a stale file left by an earlier process with the same pid', async () => {
    const fresh = join(tempDir(), 'rt')
    mkdirSync(fresh, { mode: 0o700 })
    const probe = await hostA.probe('direct', { BRIEFD_RUNTIME_DIR: fresh })
    const live = probe.host ?? { pid: 1, startTime: '0' }
    // Same pid, different start time: what a dead host's file looks like once its pid is reused.
    writeTokenFile(
      join(fresh, tokenFileName({ pid: live.pid, startTime: String(Number(live.startTime) - 1) })),
      record('stale-token', null),
    )
    const again = await hostA.probe('sh', { BRIEFD_RUNTIME_DIR: fresh })
    expect(again.token).toBeNull()
    expect(again.error).toBe('ERR_FILE_NOT_FOUND')
    expect(readdirSync(fresh)).toHaveLength(1)
  })
})

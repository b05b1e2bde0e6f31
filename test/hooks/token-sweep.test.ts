import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chownSync, existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tokenFileName } from '../../src/host/discovery.js'
import { isHostAlive } from '../../src/host/host-process.js'
import { revokeSession } from '../../src/client/session-api.js'
import { writeTokenFile, type HostIdentity, type TokenRecord } from '../../src/host/token-file.js'
import { sweepTokenFiles } from '../../src/hooks/token-sweep.js'
import { silentLogger } from '../../src/shared/log.js'
import { makeContent } from '../helpers/content.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { rawRequest } from '../helpers/http.js'
import { deadHost, liveHost } from '../helpers/processes.js'
import { tempDir } from '../helpers/tmp.js'

const isRoot = process.geteuid?.() === 0
let daemon: TestDaemon

beforeAll(async () => {
  daemon = await startTestDaemon({ contentDir: makeContent().dir })
})
afterAll(async () => {
  await daemon.close()
})

function runtimeDir(): string {
  const dir = join(tempDir(), 'rt')
  mkdirSync(dir, { mode: 0o700 })
  return dir
}

async function plant(
  dir: string,
  host: HostIdentity,
  expiresInMs = 3_600_000,
): Promise<TokenRecord> {
  const s = await daemon.newSession()
  const r: TokenRecord = {
    version: 1,
    token: s.token,
    session_id: s.session_id,
    expires_at: new Date(Date.now() + expiresInMs).toISOString(),
    daemon_url: daemon.url,
    host,
    created_at: '',
  }
  writeTokenFile(join(dir, tokenFileName(host)), r)
  return r
}

const status = async (token: string): Promise<number> =>
  (
    await rawRequest(daemon.port, {
      path: '/v1/sessions/current',
      headers: [['Authorization', `Bearer ${token}`]],
    })
  ).status

function sweep(dir: string, keep?: string) {
  return sweepTokenFiles({
    dir,
    ...(keep ? { keep } : {}),
    isAlive: (h) => isHostAlive(h),
    revoke: (r) => revokeSession({ url: daemon.url, token: r.token, timeoutMs: 5000 }),
    logger: silentLogger,
  })
}

describe('sweepTokenFiles', () => {
  it('removes the file of a host that is gone and revokes its still-valid token', async () => {
    const dir = runtimeDir()
    const dead = await deadHost()
    const r = await plant(dir, dead)
    expect(await status(r.token)).toBe(200)
    const result = await sweep(dir)
    expect(result).toEqual({ removed: [tokenFileName(dead)], revoked: 1 })
    expect(await status(r.token)).toBe(401)
  })

  it('removes a file whose pid is alive but names an earlier process (reused pid)', async () => {
    const dir = runtimeDir()
    const live = liveHost()
    const stale = { pid: live.pid, startTime: String(Number(live.startTime) - 1) }
    await plant(dir, stale)
    expect((await sweep(dir)).removed).toEqual([tokenFileName(stale)])
  })

  it('keeps the valid file of a live host, and removes it once its token has expired', async () => {
    const dir = runtimeDir()
    const live = liveHost()
    await plant(dir, live)
    expect((await sweep(dir)).removed).toEqual([])
    expect(existsSync(join(dir, tokenFileName(live)))).toBe(true)
    await plant(dir, live, -60_000)
    expect((await sweep(dir)).removed).toEqual([tokenFileName(live)])
  })

  it("leaves the caller's own file and files that are not token files", async () => {
    const dir = runtimeDir()
    const dead = await deadHost()
    await plant(dir, dead)
    writeFileSync(join(dir, 'notes.txt'), 'x', { mode: 0o600 })
    expect((await sweep(dir, tokenFileName(dead))).removed).toEqual([])
    expect(existsSync(join(dir, 'notes.txt'))).toBe(true)
  })

  it('removes abandoned temp files of interrupted writes, but not fresh ones', async () => {
    const dir = runtimeDir()
    const old = join(dir, '.host-1-2.json.0123456789ab.tmp')
    const fresh = join(dir, '.host-1-2.json.ba9876543210.tmp')
    writeFileSync(old, 'x', { mode: 0o600 })
    writeFileSync(fresh, 'x', { mode: 0o600 })
    utimesSync(old, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000))
    expect((await sweep(dir)).removed).toEqual(['.host-1-2.json.0123456789ab.tmp'])
    expect(existsSync(fresh)).toBe(true)
  })

  it('removes a corrupt file of a dead host without revoking anything', async () => {
    const dir = runtimeDir()
    const dead = await deadHost()
    writeFileSync(join(dir, tokenFileName(dead)), '{"version":', { mode: 0o600 })
    expect(await sweep(dir)).toEqual({ removed: [tokenFileName(dead)], revoked: 0 })
  })

  it.skipIf(!isRoot)('leaves a token file owned by another user alone', async () => {
    const dir = runtimeDir()
    const dead = await deadHost()
    await plant(dir, dead)
    chownSync(join(dir, tokenFileName(dead)), 65534, 65534)
    expect((await sweep(dir)).removed).toEqual([])
  })
})

/**
 * `briefd key rotate` run as real processes against one state dir: concurrent rotations must
 * each add their key (a lost key invalidates every token it signed), a lock left by a crash
 * is taken over, a lock held by a live process is not, and a running daemon signs with the
 * newest key afterwards.
 */
import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import {
  existsSync,
  lutimesSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { loadOrCreateKeyringFile } from '../../src/tokens/keyring.js'
import { makeContent } from '../helpers/content.js'
import { daemonsClosedAfterEach } from '../helpers/daemon.js'
import { rawRequest } from '../helpers/http.js'
import { deadHost } from '../helpers/processes.js'
import { tempDir } from '../helpers/tmp.js'

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function rotate(stateDir: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['bin/briefd.js', 'key', 'rotate', '--state-dir', stateDir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

const kids = (stateDir: string): string[] =>
  (
    JSON.parse(readFileSync(join(stateDir, 'signing-keys.json'), 'utf8')) as {
      keys: { kid: string }[]
    }
  ).keys.map((k) => k.kid)
const currentKid = (stateDir: string): string | undefined =>
  (
    JSON.parse(readFileSync(join(stateDir, 'signing-keys.json'), 'utf8')) as {
      keys: { kid: string; retired_at: string | null }[]
    }
  ).keys.find((k) => k.retired_at === null)?.kid

function freshStateDir(): string {
  const stateDir = join(tempDir(), 'state')
  mkdirSync(stateDir, { mode: 0o700 })
  loadOrCreateKeyringFile(stateDir)
  return stateDir
}

const start = daemonsClosedAfterEach()
const lockPath = (stateDir: string): string => join(stateDir, 'signing-keys.lock')

describe('briefd key rotate', () => {
  it('keeps every key when rotations run in parallel', async () => {
    const N = 6
    const stateDir = freshStateDir()
    const before = kids(stateDir)
    for (let round = 1; round <= 3; round++) {
      const runs = await Promise.all(Array.from({ length: N }, () => rotate(stateDir)))
      for (const r of runs) expect(r.code, r.stderr).toBe(0)
      const after = kids(stateDir)
      expect(after).toHaveLength(before.length + N * round)
      expect(new Set(after).size).toBe(after.length)
      for (const kid of before) expect(after).toContain(kid)
      // Each process's new key is in the file, and exactly one key is current.
      for (const r of runs)
        expect(after).toContain(/new signing key (k-[0-9a-f]{16})/.exec(r.stdout)?.[1])
    }
    expect(existsSync(lockPath(stateDir))).toBe(false)
    expect(readdirSync(stateDir).sort()).toEqual(['signing-keys.json'])
    expect(statSync(join(stateDir, 'signing-keys.json')).mode & 0o777).toBe(0o600)
  })

  it('takes over a lock left by a process that died', async () => {
    const stateDir = freshStateDir()
    const dead = await deadHost()
    writeFileSync(lockPath(stateDir), `${JSON.stringify({ pid: dead.pid })}\n`, { mode: 0o600 })
    const old = new Date(Date.now() - 60_000)
    utimesSync(lockPath(stateDir), old, old)
    const r = await rotate(stateDir)
    expect(r.code, r.stderr).toBe(0)
    expect(kids(stateDir)).toHaveLength(2)
    expect(existsSync(lockPath(stateDir))).toBe(false)
  })

  it('never takes the lock from a live process, however old: one line naming the lock, exit 1, keyring untouched', async () => {
    const stateDir = freshStateDir()
    writeFileSync(lockPath(stateDir), `${JSON.stringify({ pid: process.pid })}\n`, { mode: 0o600 })
    const old = new Date(Date.now() - 60_000)
    utimesSync(lockPath(stateDir), old, old)
    const before = readFileSync(join(stateDir, 'signing-keys.json'), 'utf8')
    const r = await rotate(stateDir)
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(
      new RegExp(
        `^briefd: signing key file .* is locked by pid ${process.pid} \\(lock file ${lockPath(stateDir)}\\); .*\\n$`,
      ),
    )
    expect(readFileSync(join(stateDir, 'signing-keys.json'), 'utf8')).toBe(before)
    expect(existsSync(lockPath(stateDir))).toBe(true)
  })

  it('never follows a symlink planted at the lock path', async () => {
    const stateDir = freshStateDir()
    const target = join(tempDir(), 'target')
    symlinkSync(target, lockPath(stateDir))
    const old = new Date(Date.now() - 60_000)
    lutimesSync(lockPath(stateDir), old, old)
    // An old lock without a readable pid: taken over by removing the link, never written through.
    const r = await rotate(stateDir)
    expect(r.code, r.stderr).toBe(0)
    expect(existsSync(target)).toBe(false)
    expect(existsSync(lockPath(stateDir))).toBe(false)
    expect(kids(stateDir)).toHaveLength(2)
  })

  it('a running daemon signs with the newest key afterwards, and old tokens stay valid', async () => {
    const d = await start({ contentDir: makeContent().dir })
    const old = (await d.newSession()).token
    const runs = await Promise.all(Array.from({ length: 4 }, () => rotate(d.stateDir)))
    for (const r of runs) expect(r.code, r.stderr).toBe(0)
    expect(kids(d.stateDir)).toHaveLength(5)
    const fresh = (await d.newSession()).token
    const kid = (
      JSON.parse(Buffer.from(fresh.split('.')[0] ?? '', 'base64url').toString()) as { kid?: string }
    ).kid
    expect(kid).toBe(currentKid(d.stateDir))
    for (const t of [old, fresh]) {
      expect(
        (
          await rawRequest(d.port, {
            path: '/v1/instructions',
            headers: [['Authorization', `Bearer ${t}`]],
          })
        ).status,
      ).toBe(200)
    }
  })
})

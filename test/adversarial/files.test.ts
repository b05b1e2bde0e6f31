/**
 * Adversarial suite: secret files and the session hooks. The runtime dir, a token file or
 * the state dir planted before briefd runs, by "another user" (chown, as root) or as a
 * symlink; hostile hook input on stdin. The hooks (`briefd session start|end`, run as Claude
 * Code runs them, through `sh -c` from a host process) must exit 0, print nothing on stdout,
 * and either do their job safely or refuse with one stderr line naming the path; `briefd
 * serve` must refuse with one line and a non-zero exit. Nothing written through a symlink, no
 * victim file touched, no token sent to an impostor, no confidential byte or secret in any
 * output or daemon log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { tokenFileName } from '../../src/host/discovery.js'
import { defaultProcessReader } from '../../src/host/process-table.js'
import { readTokenFile, writeTokenFile, type HostIdentity } from '../../src/host/token-file.js'
import { makeContent, type TestContent } from '../helpers/content.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { startSimulatedHost, type RunResult, type SimulatedHost } from '../helpers/host.js'
import { rawRequest } from '../helpers/http.js'
import { deadHost } from '../helpers/processes.js'
import { daemonTrail, leaksIn } from '../helpers/leaks.js'
import { BIN, childEnv } from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'

const isRoot = process.geteuid?.() === 0
const OTHER_UID = 65534

let content: TestContent
let daemon: TestDaemon
let host: SimulatedHost
let hostId: HostIdentity
/** Stands in for whoever holds an address a planted file names: it must never be contacted. */
let impostor: Server
let impostorHits = 0
let impostorUrl = ''

beforeAll(async () => {
  content = makeContent()
  daemon = await startTestDaemon({
    contentDir: content.dir,
    env: { BRIEFD_RATE_BOOTSTRAP: '1000/1000' },
  })
  host = await startSimulatedHost({ BRIEFD_STATE_DIR: daemon.stateDir, BRIEFD_LOG_LEVEL: 'info' })
  hostId = { pid: host.pid, startTime: defaultProcessReader().read(host.pid)?.startTime ?? '' }
  impostor = createServer((s) => {
    impostorHits++
    s.destroy()
  })
  await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve))
  impostorUrl = `http://127.0.0.1:${(impostor.address() as { port: number }).port}`
})
afterAll(async () => {
  await host.kill()
  await daemon.close()
  await new Promise<void>((resolve) => impostor.close(() => resolve()))
})

/** The token file the hook writes for our simulated host in `runtime`. */
const tokenPathIn = (runtime: string): string => join(runtime, tokenFileName(hostId))

/** A victim file: must read the same after the hook ran. */
function victim(dir: string, uid?: number): { path: string; untouched(): void } {
  const path = join(dir, 'victim.txt')
  writeFileSync(path, 'VICTIM\n', { mode: 0o644 })
  if (uid !== undefined) chownSync(path, uid, uid)
  return { path, untouched: () => expect(readFileSync(path, 'utf8')).toBe('VICTIM\n') }
}

/** A token record an attacker left behind, naming the impostor as the daemon. */
function plantedRecord(path: string, host: HostIdentity | null): void {
  writeTokenFile(path, {
    version: 1,
    token: 'planted.token.value',
    session_id: '0b9f3c3e-6a51-4c5e-9d5e-2f4a7f1d2c3b',
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    daemon_url: impostorUrl,
    host,
    created_at: new Date().toISOString(),
  })
}

/** Secrets in play: the bootstrap credential and every token the hooks wrote so far. */
const issuedTokens: string[] = []
function expectNoLeaks(r: RunResult): void {
  const secrets = [daemon.bootstrap(), ...issuedTokens]
  expect(leaksIn(content, r.stdout + r.stderr, secrets)).toEqual([])
  expect(leaksIn(content, daemonTrail(daemon), secrets)).toEqual([])
}

/** The hook did its job: exit 0, nothing on stdout or stderr, a fresh 0600 token file of ours. */
function expectWritten(r: RunResult, runtime: string): void {
  expect(r.stdout).toBe('')
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  const path = tokenPathIn(runtime)
  const st = lstatSync(path)
  expect(st.isFile()).toBe(true)
  expect(st.mode & 0o777).toBe(0o600)
  expect(st.uid).toBe(process.getuid?.())
  const token = readTokenFile(path).token
  expect(token).not.toBe('planted.token.value')
  issuedTokens.push(token)
}

/** The hook refused safely: exit 0, nothing on stdout, one stderr line naming `path`. */
function expectRefused(r: RunResult, path: string): void {
  expect(r.stdout).toBe('')
  expect(r.code).toBe(0)
  const lines = r.stderr.split('\n').filter((l) => l !== '')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toContain(path)
}

/** Runs a hook with a generous deadline: these cases are about what it does, not how fast on a busy VM. */
const hook = (
  kind: 'start' | 'end',
  env: Record<string, string>,
  input?: string,
): Promise<RunResult> =>
  host.briefd(['session', kind, '--deadline', '15000'], {
    env,
    ...(input !== undefined ? { input } : {}),
  })
const start = (env: Record<string, string>, input?: string): Promise<RunResult> =>
  hook('start', env, input)

interface Planted {
  runtime: string
  /** written: the hook wrote a fresh token file; refused: one warning naming `names`. */
  outcome: 'written' | 'refused'
  names?: string
  after?: () => void
}
type PlantCase = [name: string, plant: (base: string) => Planted, rootOnly?: boolean]

const plants: PlantCase[] = [
  [
    'a runtime dir another user created',
    (base) => {
      const runtime = join(base, 'rt')
      mkdirSync(runtime, { mode: 0o700 })
      chownSync(runtime, OTHER_UID, OTHER_UID)
      return {
        runtime,
        outcome: 'refused',
        names: runtime,
        after: () => expect(readdirSync(runtime)).toEqual([]),
      }
    },
    true,
  ],
  [
    'a runtime dir another user created open to all, with a token file in it',
    (base) => {
      const runtime = join(base, 'rt')
      mkdirSync(runtime)
      chmodSync(runtime, 0o777)
      chownSync(runtime, OTHER_UID, OTHER_UID)
      plantedRecord(tokenPathIn(runtime), hostId)
      return {
        runtime,
        outcome: 'refused',
        names: runtime,
        after: () => expect(readTokenFile(tokenPathIn(runtime)).token).toBe('planted.token.value'),
      }
    },
    true,
  ],
  [
    'a runtime dir that is a symlink to a dir of ours',
    (base) => {
      const target = join(base, 'target')
      mkdirSync(target, { mode: 0o700 })
      symlinkSync(target, join(base, 'rt'))
      return {
        runtime: join(base, 'rt'),
        outcome: 'refused',
        names: join(base, 'rt'),
        after: () => expect(readdirSync(target)).toEqual([]),
      }
    },
  ],
  [
    "a runtime dir that is a symlink to another user's dir",
    (base) => {
      const target = join(base, 'target')
      mkdirSync(target, { mode: 0o700 })
      chownSync(target, OTHER_UID, OTHER_UID)
      symlinkSync(target, join(base, 'rt'))
      return {
        runtime: join(base, 'rt'),
        outcome: 'refused',
        names: join(base, 'rt'),
        after: () => expect(readdirSync(target)).toEqual([]),
      }
    },
    true,
  ],
  [
    'a dangling symlink as the runtime dir',
    (base) => {
      symlinkSync(join(base, 'nowhere'), join(base, 'rt'))
      return {
        runtime: join(base, 'rt'),
        outcome: 'refused',
        names: join(base, 'rt'),
        after: () => expect(existsSync(join(base, 'nowhere'))).toBe(false),
      }
    },
  ],
  [
    'a runtime dir of ours open to everyone (0777)',
    (base) => {
      const runtime = join(base, 'rt')
      mkdirSync(runtime)
      chmodSync(runtime, 0o777)
      return {
        runtime,
        outcome: 'refused',
        names: runtime,
        after: () => expect(readdirSync(runtime)).toEqual([]),
      }
    },
  ],
  [
    'a runtime dir of ours readable by the group (0750)',
    (base) => {
      const runtime = join(base, 'rt')
      mkdirSync(runtime)
      chmodSync(runtime, 0o750)
      return { runtime, outcome: 'refused', names: runtime }
    },
  ],
  [
    'a regular file where the runtime dir should be',
    (base) => {
      writeFileSync(join(base, 'rt'), 'not a dir')
      return {
        runtime: join(base, 'rt'),
        outcome: 'refused',
        names: join(base, 'rt'),
        after: () => expect(readFileSync(join(base, 'rt'), 'utf8')).toBe('not a dir'),
      }
    },
  ],
  [
    'a token file that is a symlink to a file of ours',
    (base) => {
      const runtime = join(base, 'rt')
      mkdirSync(runtime, { mode: 0o700 })
      const v = victim(base)
      symlinkSync(v.path, tokenPathIn(runtime))
      return { runtime, outcome: 'written', after: v.untouched }
    },
  ],
  [
    "a token file that is a symlink to another user's file",
    (base) => {
      const runtime = join(base, 'rt')
      mkdirSync(runtime, { mode: 0o700 })
      const v = victim(base, OTHER_UID)
      symlinkSync(v.path, tokenPathIn(runtime))
      return { runtime, outcome: 'written', after: v.untouched }
    },
    true,
  ],
  [
    'a token file another user planted in our dir',
    (base) => {
      const runtime = join(base, 'rt')
      mkdirSync(runtime, { mode: 0o700 })
      plantedRecord(tokenPathIn(runtime), hostId)
      chownSync(tokenPathIn(runtime), OTHER_UID, OTHER_UID)
      return { runtime, outcome: 'written' }
    },
    true,
  ],
  [
    'a FIFO where the token file should be',
    (base) => {
      const runtime = join(base, 'rt')
      mkdirSync(runtime, { mode: 0o700 })
      spawnSync('mkfifo', [tokenPathIn(runtime)])
      return { runtime, outcome: 'written' }
    },
  ],
  [
    'a directory where the token file should be',
    (base) => {
      const runtime = join(base, 'rt')
      mkdirSync(runtime, { mode: 0o700 })
      mkdirSync(tokenPathIn(runtime))
      return { runtime, outcome: 'refused', names: tokenPathIn(runtime) }
    },
  ],
  [
    'a token file readable by others that names an impostor daemon',
    (base) => {
      const runtime = join(base, 'rt')
      mkdirSync(runtime, { mode: 0o700 })
      plantedRecord(tokenPathIn(runtime), hostId)
      chmodSync(tokenPathIn(runtime), 0o644)
      return { runtime, outcome: 'written' }
    },
  ],
  [
    'a token file of ours that names an impostor daemon (the old token is revoked at our daemon only)',
    (base) => {
      const runtime = join(base, 'rt')
      mkdirSync(runtime, { mode: 0o700 })
      plantedRecord(tokenPathIn(runtime), hostId)
      return { runtime, outcome: 'written' }
    },
  ],
]

describe.concurrent('briefd session start with planted files', () => {
  const cases = plants.filter(([, , rootOnly]) => isRoot || !rootOnly)
  it.for(cases)('is safe with %s', async ([, plant], { expect }) => {
    const p = plant(tempDir('briefd-adv-'))
    const r = await start({ BRIEFD_RUNTIME_DIR: p.runtime })
    if (p.outcome === 'written') expectWritten(r, p.runtime)
    else expectRefused(r, p.names ?? '')
    p.after?.()
    expectNoLeaks(r)
    expect(impostorHits).toBe(0)
  })

  it("sweeps a dead host's token file that names an impostor daemon without contacting the impostor", async ({
    expect,
  }) => {
    const runtime = join(tempDir('briefd-adv-'), 'rt')
    mkdirSync(runtime, { mode: 0o700 })
    const dead = await deadHost()
    plantedRecord(join(runtime, tokenFileName(dead)), dead)
    const r = await start({ BRIEFD_RUNTIME_DIR: runtime })
    expectWritten(r, runtime)
    expect(readdirSync(runtime)).toEqual([tokenFileName(hostId)])
    expect(impostorHits).toBe(0)
  })
})

/** A state dir holding copies of the daemon's discovery files (so the hook finds the real daemon), then `spoil`ed. */
function stateCopy(spoil: (dir: string) => void): string {
  const dir = join(tempDir('briefd-adv-state-'), 'state')
  mkdirSync(dir, { mode: 0o700 })
  for (const f of ['daemon.json', 'bootstrap.token']) {
    copyFileSync(join(daemon.stateDir, f), join(dir, f))
    chmodSync(join(dir, f), 0o600)
  }
  spoil(dir)
  return dir
}

describe.concurrent('briefd session start with a planted state dir', () => {
  const states: [string, () => { stateDir: string; names: string }, boolean?][] = [
    ['the control: an intact copy', () => ({ stateDir: stateCopy(() => {}), names: '' })],
    [
      "daemon.json as a symlink to an impostor's file",
      () => {
        const fake = join(tempDir('briefd-adv-'), 'daemon.json')
        return {
          stateDir: stateCopy((dir) => {
            const info = JSON.parse(readFileSync(join(dir, 'daemon.json'), 'utf8')) as Record<
              string,
              unknown
            >
            writeFileSync(fake, JSON.stringify({ ...info, url: impostorUrl }), { mode: 0o600 })
            unlinkSync(join(dir, 'daemon.json'))
            symlinkSync(fake, join(dir, 'daemon.json'))
          }),
          names: 'daemon.json',
        }
      },
    ],
    [
      'bootstrap.token as a symlink',
      () => ({
        stateDir: stateCopy((dir) => {
          renameSync(join(dir, 'bootstrap.token'), join(dir, 'elsewhere.token'))
          symlinkSync(join(dir, 'elsewhere.token'), join(dir, 'bootstrap.token'))
        }),
        names: 'bootstrap.token',
      }),
    ],
    [
      'bootstrap.token readable by others',
      () => ({
        stateDir: stateCopy((dir) => chmodSync(join(dir, 'bootstrap.token'), 0o644)),
        names: 'bootstrap.token',
      }),
    ],
    [
      'bootstrap.token owned by another user',
      () => ({
        stateDir: stateCopy((dir) => chownSync(join(dir, 'bootstrap.token'), OTHER_UID, OTHER_UID)),
        names: 'bootstrap.token',
      }),
      true,
    ],
    [
      'daemon.json owned by another user',
      () => ({
        stateDir: stateCopy((dir) => chownSync(join(dir, 'daemon.json'), OTHER_UID, OTHER_UID)),
        names: 'daemon.json',
      }),
      true,
    ],
  ]
  it.for(states.filter(([, , rootOnly]) => isRoot || !rootOnly))(
    'is safe with %s',
    async ([label, make], { expect }) => {
      const { stateDir, names } = make()
      const runtime = join(tempDir('briefd-adv-'), 'rt')
      const r = await start({ BRIEFD_RUNTIME_DIR: runtime, BRIEFD_STATE_DIR: stateDir })
      if (label.startsWith('the control')) expectWritten(r, runtime)
      else {
        expectRefused(r, names)
        expect(existsSync(tokenPathIn(runtime))).toBe(false)
      }
      expectNoLeaks(r)
      expect(impostorHits).toBe(0)
    },
  )
})

describe.concurrent('briefd serve with a planted state dir', () => {
  const serves: [string, (base: string) => string, boolean?][] = [
    [
      'a state dir another user owns',
      (base) => {
        mkdirSync(join(base, 'state'), { mode: 0o700 })
        chownSync(join(base, 'state'), OTHER_UID, OTHER_UID)
        return join(base, 'state')
      },
      true,
    ],
    [
      'a state dir that is a symlink',
      (base) => {
        mkdirSync(join(base, 'real'), { mode: 0o700 })
        symlinkSync(join(base, 'real'), join(base, 'state'))
        return join(base, 'state')
      },
    ],
    [
      'a group-writable state dir',
      (base) => {
        mkdirSync(join(base, 'state'))
        chmodSync(join(base, 'state'), 0o770)
        return join(base, 'state')
      },
    ],
    [
      'signing keys that are a symlink',
      (base) => {
        mkdirSync(join(base, 'state'), { mode: 0o700 })
        writeFileSync(join(base, 'keys.json'), '{"version":1,"keys":[]}', { mode: 0o600 })
        symlinkSync(join(base, 'keys.json'), join(base, 'state', 'signing-keys.json'))
        return join(base, 'state')
      },
    ],
    [
      'signing keys readable by others',
      (base) => {
        mkdirSync(join(base, 'state'), { mode: 0o700 })
        copyFileSync(
          join(daemon.stateDir, 'signing-keys.json'),
          join(base, 'state', 'signing-keys.json'),
        )
        chmodSync(join(base, 'state', 'signing-keys.json'), 0o644)
        return join(base, 'state')
      },
    ],
  ]
  it.for(serves.filter(([, , rootOnly]) => isRoot || !rootOnly))(
    'refuses to start with %s, in one line naming it',
    async ([, make], { expect }) => {
      const stateDir = make(tempDir('briefd-adv-'))
      // Asynchronously: the hooks running meanwhile need this process's event loop (the daemon is in it).
      const child = spawn(
        process.execPath,
        [BIN, 'serve', '--port', '0', '--state-dir', stateDir, '--content', content.dir],
        { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
      )
      const r = { stdout: '', stderr: '', status: null as number | null }
      child.stdout.on('data', (d: Buffer) => void (r.stdout += d.toString()))
      child.stderr.on('data', (d: Buffer) => void (r.stderr += d.toString()))
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      const [status, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null]
      clearTimeout(timer)
      r.status = status
      // It must exit by itself with an error, not be killed (by the timer above or anything else).
      expect({ signal, stderr: r.stderr }).toMatchObject({ signal: null })
      expect(r.status).not.toBe(0)
      expect(r.stdout).toBe('')
      const lines = r.stderr.split('\n').filter((l) => l !== '')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain(stateDir)
      expect(leaksIn(content, r.stderr, [daemon.bootstrap()])).toEqual([])
      expect(existsSync(join(stateDir, 'daemon.json'))).toBe(false)
    },
  )
})

describe.concurrent('briefd session hooks with hostile stdin', () => {
  const inputs: [string, string][] = [
    ['1 MiB of garbage', 'x'.repeat(1024 * 1024)],
    [
      'a command substitution as the source',
      JSON.stringify({
        hook_event_name: 'SessionStart',
        source: '$(touch PWNED)',
        session_id: '`touch PWNED`',
      }),
    ],
    [
      'a session id with path traversal',
      JSON.stringify({
        hook_event_name: 'SessionStart',
        source: 'startup',
        session_id: '../../../PWNED',
        transcript_path: '../../PWNED',
      }),
    ],
    [
      'NUL bytes and control characters',
      '{"source":"start\u0000up\u001b[2J","session_id":"\u0000"}',
    ],
    ['JSON nested 100 000 levels deep', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x22, 0x7d]).toString('latin1')],
    [
      'prototype-polluting keys',
      '{"__proto__":{"source":"clear","polluted":true},"constructor":{"prototype":{"polluted":true}}}',
    ],
    [
      'the wrong event (SessionEnd input to start)',
      JSON.stringify({ hook_event_name: 'SessionEnd', reason: 'logout' }),
    ],
    ['partial JSON', '{"hook_event_name":"SessionStart","source":'],
  ]
  it.for(inputs)('start does its job and nothing else with %s', async ([, input], { expect }) => {
    const base = tempDir('briefd-adv-')
    const runtime = join(base, 'rt')
    const r = await start({ BRIEFD_RUNTIME_DIR: runtime }, input)
    expectWritten(r, runtime)
    expect(readdirSync(runtime)).toEqual([tokenFileName(hostId)])
    expect(readdirSync(base)).toEqual(['rt'])
    expectNoLeaks(r)
  })

  it.for([
    [
      'a traversal as the reason',
      JSON.stringify({ hook_event_name: 'SessionEnd', reason: '../../etc/passwd' }),
    ],
    [
      'a reason of 1000 characters',
      JSON.stringify({ hook_event_name: 'SessionEnd', reason: 'clear'.repeat(200) }),
    ],
    ['"clear" hidden behind a prototype key', '{"__proto__":{"reason":"clear"}}'],
  ])(
    'end revokes the token with %s (an unreadable reason is no reason to keep it)',
    async ([, input], { expect }) => {
      const runtime = join(tempDir('briefd-adv-'), 'rt')
      expectWritten(await start({ BRIEFD_RUNTIME_DIR: runtime }), runtime)
      const token = readTokenFile(tokenPathIn(runtime)).token
      const r = await hook('end', { BRIEFD_RUNTIME_DIR: runtime }, input)
      expect(r.stdout).toBe('')
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(existsSync(tokenPathIn(runtime))).toBe(false)
      expect(
        (
          await rawRequest(daemon.port, {
            path: '/v1/sessions/current',
            headers: [['Authorization', `Bearer ${token}`]],
          })
        ).status,
      ).toBe(401)
      expectNoLeaks(r)
    },
  )
})

describe('after all hooks', () => {
  it('left no file that hostile input named in the working dir, and the state dir private', () => {
    expect(existsSync(join(process.cwd(), 'PWNED'))).toBe(false)
    expect(statSync(daemon.stateDir).mode & 0o077).toBe(0)
    // The leak checks above had real tokens to look for.
    expect(issuedTokens.length).toBeGreaterThan(10)
  })
})

/**
 * Simulated host processes (test/fixtures/sim-host.mjs): real processes that spawn hooks
 * and MCP-server stand-ins the way Claude Code does, so host discovery runs against a real
 * process tree.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const SIM_HOST = fileURLToPath(new URL('../fixtures/sim-host.mjs', import.meta.url))
export const PROBE = fileURLToPath(new URL('../fixtures/probe-host.mjs', import.meta.url))
export const BRIEFD_BIN = fileURLToPath(new URL('../../bin/briefd.js', import.meta.url))

/** How the host starts a child: see `command()` in sim-host.mjs. */
export type Via = 'direct' | 'sh' | 'sh-stay' | 'bash-env' | 'env' | 'timeout' | 'npx'

export interface RunResult {
  code: number | null
  signal: string | null
  stdout: string
  stderr: string
  ms: number
}

export interface RunOptions {
  /** Written to the child's stdin, which is then closed; without it stdin is /dev/null. */
  input?: string
  /** Give the child a stdin pipe that is never closed. */
  stdinOpen?: boolean
  env?: Record<string, string>
}

export interface ProbeResult {
  pid: number
  ppid: number
  host: { pid: number; startTime: string } | null
  location: { path: string; source: 'env' | 'host' } | null
  token: string | null
  error: string | null
}

export interface SimulatedHost {
  pid: number
  process: ChildProcessWithoutNullStreams
  run(via: Via, argv: string[], options?: RunOptions): Promise<RunResult>
  /** `node bin/briefd.js <args>` through `via` (default: `sh`, as Claude Code runs hooks). */
  briefd(args: string[], options?: RunOptions & { via?: Via }): Promise<RunResult>
  /** The MCP-server stand-in: where it finds its host's token file and what is in it. */
  probe(via?: Via, env?: Record<string, string>): Promise<ProbeResult>
  kill(): Promise<void>
}

export async function startSimulatedHost(env: Record<string, string> = {}): Promise<SimulatedHost> {
  const child = spawn(process.execPath, [SIM_HOST], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const lines = createInterface({ input: child.stdout })
  const waiting = new Map<number, (r: RunResult) => void>()
  let nextId = 1
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('error', reject)
    lines.once('line', (l) => resolve((JSON.parse(l) as { pid: number }).pid))
  })
  lines.on('line', (l) => {
    const msg = JSON.parse(l) as RunResult & { id: number }
    waiting.get(msg.id)?.(msg)
    waiting.delete(msg.id)
  })
  const run = (via: Via, argv: string[], o: RunOptions = {}): Promise<RunResult> => {
    const id = nextId++
    const msg = {
      id,
      via,
      argv,
      env: o.env,
      ...(o.input !== undefined ? { input: o.input } : {}),
      ...(o.stdinOpen ? { stdin: 'inherit-open', input: '' } : {}),
    }
    return new Promise<RunResult>((resolve) => {
      waiting.set(id, resolve)
      child.stdin.write(`${JSON.stringify(msg)}\n`)
    })
  }
  return {
    pid,
    process: child,
    run,
    briefd: (args, o = {}) => run(o.via ?? 'sh', [process.execPath, BRIEFD_BIN, ...args], o),
    probe: async (via = 'direct', probeEnv) => {
      const r = await run(via, [process.execPath, PROBE], probeEnv ? { env: probeEnv } : {})
      const last = r.stdout.trim().split('\n').pop() ?? ''
      try {
        return JSON.parse(last) as ProbeResult
      } catch {
        throw new Error(`probe via ${via} printed no result (code ${r.code}): ${r.stderr}`)
      }
    },
    kill: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGKILL')
      }),
  }
}

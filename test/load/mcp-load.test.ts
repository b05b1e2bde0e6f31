/**
 * Load: concurrent MCP callers through real `briefd mcp` processes (each with the SDK's real
 * Client and its own session token) while the daemon, a `briefd serve` child on a fixed port,
 * is killed (SIGKILL) and later stopped (SIGTERM) and started again on the same port. Every
 * call must be answered, with confidential content (current, or a stale copy marked as such)
 * or the marked generic fallback: zero protocol errors, and current content again after the
 * last restart. `npm test` runs 10 processes × 5 concurrent streams (50 callers) × 40 calls;
 * `npm run soak` 50 processes × 1 stream × 200 calls, and prints the report either way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { makeContent, leakedCanaries, type TestContent } from '../helpers/content.js'
import { freePort } from '../helpers/http.js'
import {
  GENERIC,
  spawnDaemon,
  startMcp,
  testManifest,
  writeSessionTokenFile,
  type DaemonProcess,
  type McpSession,
} from '../helpers/mcp.js'
import { memoryOf } from '../helpers/processes.js'
import { tempDir } from '../helpers/tmp.js'
import { MCP_CALLS, MCP_PROCESSES, MCP_STREAMS, SOAK, percentiles, report } from './settings.js'

/** How long the daemon stays down at each restart: long enough for calls to land in the gap. */
const DOWN_MS = 400
const DAEMON_ENV = { BRIEFD_RATE_BOOTSTRAP: '100000/100000' }

let content: TestContent
let manifestPath: string
let stateDir: string
let port: number
let daemon: DaemonProcess
const servers: McpSession[] = []
const daemonPeakKb: number[] = []

beforeAll(async () => {
  content = makeContent()
  const dir = tempDir('briefd-load-')
  manifestPath = join(dir, 'tools.json')
  writeFileSync(manifestPath, JSON.stringify(testManifest()))
  stateDir = join(dir, 'state')
  port = await freePort()
  daemon = await spawnDaemon({ contentDir: content.dir, stateDir, port, env: DAEMON_ENV })
  // Start the servers a few at a time: this is about calls under load, not a fork bomb.
  for (let i = 0; i < MCP_PROCESSES; i += 8) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(8, MCP_PROCESSES - i) }, async (_, j) => {
        const tokenPath = join(dir, `token-${i + j}.json`)
        writeSessionTokenFile(tokenPath, await daemon.newSession(), daemon.url)
        // A 20 ms cache TTL: calls keep revalidating with the daemon, so its restarts are felt.
        // A 2 s daemon timeout: a busy 2-core machine must not turn a slow answer into a stale one.
        return startMcp({
          env: {
            BRIEFD_TOOLS: manifestPath,
            BRIEFD_TOKEN_FILE: tokenPath,
            BRIEFD_CACHE_TTL_MS: '20',
            BRIEFD_TIMEOUT_MS: '2000',
          },
        })
      }),
    )
    servers.push(...batch)
  }
}, 120_000)
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()))
  await daemon.kill()
})

/** The three kinds of call, and the canary (confidential) or generic text each may answer with. */
const CALLS = [
  {
    request: { name: 'give_verdict', arguments: { verdict: 'APPROVE', target: 'load' } },
    canary: () => content.canary.template,
    generic: 'GENERIC-VERDICT APPROVE for load',
  },
  {
    request: { name: 'hidden', arguments: {} },
    canary: () => content.canary.secretTemplate,
    generic: 'GENERIC-HIDDEN',
  },
  {
    request: { name: 'read_briefing', arguments: {} },
    canary: () => content.canary.briefing,
    generic: GENERIC.briefing,
  },
] as const

type Outcome = 'current' | 'stale' | 'fallback' | 'protocol error' | 'tool error' | 'wrong text'

function classify(r: CallToolResult, kind: (typeof CALLS)[number]): Outcome {
  if (r.isError) return 'tool error'
  const source = r._meta?.['briefd/source'] ?? 'current'
  const text = r.content[0]?.type === 'text' ? r.content[0].text : ''
  if (source === 'fallback') return text === kind.generic ? 'fallback' : 'wrong text'
  if (source === 'current' || source === 'stale')
    return text.includes(kind.canary()) ? source : 'wrong text'
  return 'wrong text'
}

/** A point every stream waits at; opened once. */
function gate(): { open(): void; wait: Promise<void> } {
  let open = (): void => {}
  const wait = new Promise<void>((resolve) => (open = resolve))
  return { open, wait }
}

describe('briefd mcp under load while the daemon restarts', () => {
  it(`answers ${MCP_PROCESSES} × ${MCP_STREAMS} concurrent callers × ${MCP_CALLS} calls through two daemon restarts`, async () => {
    // Four phases of a quarter of the calls each, gated so that every restart lands mid-run
    // however fast the calls are: (1) daemon up; SIGKILL; (2) daemon down, then back on the
    // same port; (3) the restarted daemon; SIGTERM; (4) down again, then back.
    const PHASES = 4
    const perPhase = Math.ceil(MCP_CALLS / PHASES)
    const streams = MCP_PROCESSES * MCP_STREAMS
    const total = streams * MCP_CALLS
    const outcomes = Array.from({ length: PHASES }, () => new Map<Outcome, number>())
    const latencies: number[] = []
    const restarts: { signal: NodeJS.Signals; downMs: number }[] = []
    const starts = Array.from({ length: PHASES }, gate)
    const finished = Array.from({ length: PHASES }, () => ({ count: 0, all: gate() }))
    let done = 0

    const restart = async (signal: NodeJS.Signals, killed: () => void): Promise<void> => {
      const t0 = Date.now()
      const peak = memoryOf(daemon.child.pid ?? 0)?.peakKb
      if (peak !== undefined) daemonPeakKb.push(peak)
      await daemon.kill(signal)
      killed()
      await sleep(DOWN_MS)
      daemon = await spawnDaemon({ contentDir: content.dir, stateDir, port, env: DAEMON_ENV })
      restarts.push({ signal, downMs: Date.now() - t0 })
    }
    const stream = async (server: McpSession, offset: number): Promise<void> => {
      let i = 0
      for (let phase = 0; phase < PHASES; phase++) {
        await starts[phase]?.wait
        for (let n = 0; n < perPhase && i < MCP_CALLS; n++, i++) {
          const kind = CALLS[(i + offset) % CALLS.length] ?? CALLS[0]
          const t0 = performance.now()
          let outcome: Outcome
          try {
            outcome = classify((await server.client.callTool(kind.request)) as CallToolResult, kind)
          } catch {
            outcome = 'protocol error'
          }
          latencies.push(performance.now() - t0)
          const counts = outcomes[phase] ?? new Map<Outcome, number>()
          counts.set(outcome, (counts.get(outcome) ?? 0) + 1)
          done++
        }
        const f = finished[phase]
        if (f && ++f.count === streams) f.all.open()
      }
    }
    const controller = async (): Promise<void> => {
      starts[0]?.open()
      await finished[0]?.all.wait
      const back1 = restart('SIGKILL', () => starts[1]?.open())
      await Promise.all([finished[1]?.all.wait, back1])
      starts[2]?.open()
      await finished[2]?.all.wait
      const back2 = restart('SIGTERM', () => starts[3]?.open())
      await Promise.all([finished[3]?.all.wait, back2])
    }

    const started = performance.now()
    await Promise.all([
      controller(),
      ...servers.flatMap((s, p) => Array.from({ length: MCP_STREAMS }, (_, k) => stream(s, p + k))),
    ])
    const seconds = (performance.now() - started) / 1000

    // Recovery: after the last restart every server gets current content again.
    const after = await Promise.all(
      servers.map(async (s) =>
        classify((await s.client.callTool(CALLS[0].request)) as CallToolResult, CALLS[0]),
      ),
    )
    const mcpPeakKb = Math.max(...servers.map((s) => memoryOf(s.transport.pid ?? 0)?.peakKb ?? 0))
    const daemonNow = memoryOf(daemon.child.pid ?? 0)?.peakKb
    if (daemonNow !== undefined) daemonPeakKb.push(daemonNow)
    const lat = percentiles(latencies)
    const all = new Map<Outcome, number>()
    for (const m of outcomes) for (const [k, n] of m) all.set(k, (all.get(k) ?? 0) + n)
    const show = (m: Map<Outcome, number>): string => [...m].map(([k, n]) => `${k} ${n}`).join(', ')
    console.log(
      report(
        `briefd mcp load (${SOAK ? 'soak' : 'short version; npm run soak for the full one'})`,
        [
          [
            'callers',
            `${MCP_PROCESSES} briefd mcp processes × ${MCP_STREAMS} concurrent streams = ${streams}`,
          ],
          [
            'calls',
            `${done} of ${total} in ${seconds.toFixed(1)} s (restarts included) = ${(done / seconds).toFixed(0)} calls/s`,
          ],
          ['outcomes', show(all)],
          ['1: daemon up', show(outcomes[0] ?? new Map())],
          ['2: after SIGKILL', show(outcomes[1] ?? new Map())],
          ['3: restarted', show(outcomes[2] ?? new Map())],
          ['4: after SIGTERM', show(outcomes[3] ?? new Map())],
          [
            'latency ms',
            `p50 ${lat.p50.toFixed(2)}, p99 ${lat.p99.toFixed(2)}, max ${lat.max.toFixed(1)}`,
          ],
          [
            'restarts',
            restarts
              .map((r) => `${r.signal}: back on port ${port} after ${r.downMs} ms`)
              .join('; '),
          ],
          [
            'after the restarts',
            `${after.filter((a) => a === 'current').length} of ${servers.length} servers current`,
          ],
          [
            'peak RSS',
            `daemon ${(Math.max(...daemonPeakKb) / 1024).toFixed(1)} MB; briefd mcp (largest) ${(mcpPeakKb / 1024).toFixed(1)} MB`,
          ],
        ],
      ),
    )

    expect(done).toBe(total)
    expect(restarts.map((r) => r.signal)).toEqual(['SIGKILL', 'SIGTERM'])
    for (const bad of ['protocol error', 'tool error', 'wrong text'] as const)
      expect(all.get(bad) ?? 0, bad).toBe(0)
    expect((all.get('current') ?? 0) + (all.get('stale') ?? 0) + (all.get('fallback') ?? 0)).toBe(
      total,
    )
    expect(after).toEqual(servers.map(() => 'current'))
    for (const s of servers) expect(leakedCanaries(content, s.stderr())).toEqual([])
  })
})

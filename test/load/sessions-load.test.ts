/**
 * Load: session churn. Sessions are issued, used once and revoked, over and over; the daemon
 * keeps each one (live or revoked) until its token expires, in a store bounded by
 * BRIEFD_MAX_SESSIONS, so memory stays flat however many sessions come and go. `npm test`
 * shows the bound deterministically (an in-process daemon whose clock the test moves);
 * `npm run soak` runs 100 000 cycles against a `briefd serve` process in real time with
 * 60-second tokens, samples its RSS from /proc and prints throughput and the RSS curve.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { daemonRequest, jsonBody } from '../../src/client/daemon-request.js'
import { readBootstrapCredential } from '../../src/shared/state-files.js'
import { makeContent } from '../helpers/content.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { spawnDaemon, type DaemonProcess } from '../helpers/mcp.js'
import { memoryOf } from '../helpers/processes.js'
import { tempDir } from '../helpers/tmp.js'
import {
  HEAP_CYCLES,
  SESSION_CYCLES,
  SESSION_WORKERS,
  SOAK,
  SOAK_MAX_SESSIONS,
  percentiles,
  report,
} from './settings.js'

const TTL_SECONDS = 60
const open: { close(): Promise<void> }[] = []
afterAll(async () => {
  await Promise.all(open.map((d) => d.close()))
})

type Step = 'issued' | 'store full' | 'delivered' | 'revoked' | 'refused after revocation' | 'other'

/** One cycle: issue (60 s token), fetch a template with it, revoke it, and (sometimes) check it is refused. */
async function cycle(url: string, bootstrap: string, checkRefused: boolean): Promise<Step[]> {
  const issued = await daemonRequest({
    method: 'POST',
    url,
    path: '/v1/sessions',
    bearer: bootstrap,
    body: JSON.stringify({ ttl_seconds: TTL_SECONDS }),
    timeoutMs: 10_000,
  })
  if (issued.status === 503 && jsonBody(issued).error === 'session_limit') return ['store full']
  if (issued.status !== 201) return ['other']
  const token = String(jsonBody(issued).token)
  const steps: Step[] = ['issued']
  const doc = await daemonRequest({
    method: 'GET',
    url,
    path: '/v1/templates/verdict',
    bearer: token,
    timeoutMs: 10_000,
  })
  steps.push(doc.status === 200 ? 'delivered' : 'other')
  const revoked = await daemonRequest({
    method: 'DELETE',
    url,
    path: '/v1/sessions/current',
    bearer: token,
    timeoutMs: 10_000,
  })
  steps.push(revoked.status === 204 ? 'revoked' : 'other')
  if (checkRefused) {
    const after = await daemonRequest({
      method: 'GET',
      url,
      path: '/v1/templates/verdict',
      bearer: token,
      timeoutMs: 10_000,
    })
    steps.push(after.status === 401 ? 'refused after revocation' : 'other')
  }
  return steps
}

function tally(into: Map<Step, number>, steps: Step[]): void {
  for (const s of steps) into.set(s, (into.get(s) ?? 0) + 1)
}

/** Runs `n` cycles with `workers` at a time; `between` runs after every `batch` cycles (all workers idle). */
async function churn(o: {
  n: number
  workers: number
  batch: number
  url: string
  bootstrap: string
  between?: () => void
}): Promise<Map<Step, number>> {
  const counts = new Map<Step, number>()
  for (let done = 0; done < o.n; done += o.batch) {
    let next = done
    const end = Math.min(o.n, done + o.batch)
    await Promise.all(
      Array.from({ length: o.workers }, async () => {
        for (let i = next++; i < end; i = next++)
          tally(counts, await cycle(o.url, o.bootstrap, i % 50 === 0))
      }),
    )
    o.between?.()
  }
  return counts
}

/** An in-process daemon whose clock only moves when the test says so. */
async function clockedDaemon(
  maxSessions: number,
): Promise<{ daemon: TestDaemon; advance(ms: number): void }> {
  let clock = Date.now()
  const daemon = await startTestDaemon({
    contentDir: makeContent().dir,
    now: () => clock,
    env: { BRIEFD_MAX_SESSIONS: String(maxSessions), BRIEFD_RATE_BOOTSTRAP: '1000000/1000000' },
  })
  open.push(daemon)
  return { daemon, advance: (ms) => void (clock += ms) }
}

describe('the session store under churn', () => {
  it('refuses new sessions with 503 while BRIEFD_MAX_SESSIONS are held, and makes room as their tokens expire', async () => {
    const max = 50
    const { daemon, advance } = await clockedDaemon(max)
    const first = await churn({
      n: max,
      workers: 4,
      batch: max,
      url: daemon.url,
      bootstrap: daemon.bootstrap(),
    })
    expect(first.get('revoked')).toBe(max)
    // Revoked sessions are kept until their tokens expire (a revocation must hold until then).
    const full = await cycle(daemon.url, daemon.bootstrap(), false)
    expect(full).toEqual(['store full'])
    advance((TTL_SECONDS + 1) * 1000)
    expect(await cycle(daemon.url, daemon.bootstrap(), true)).toEqual([
      'issued',
      'delivered',
      'revoked',
      'refused after revocation',
    ])
  })

  it.skipIf(SOAK)(
    `issues, uses and revokes ${SESSION_CYCLES} sessions through a store of ${SOAK_MAX_SESSIONS}, with no refusal`,
    async () => {
      const { daemon, advance } = await clockedDaemon(SOAK_MAX_SESSIONS)
      const started = performance.now()
      // Half the store per batch, then the clock passes the tokens' expiry: the store never fills.
      const counts = await churn({
        n: SESSION_CYCLES,
        workers: SESSION_WORKERS,
        batch: SOAK_MAX_SESSIONS / 2,
        url: daemon.url,
        bootstrap: daemon.bootstrap(),
        between: () => advance((TTL_SECONDS + 1) * 1000),
      })
      const seconds = (performance.now() - started) / 1000
      const ledgerLines =
        readFileSync(join(daemon.stateDir, 'sessions.jsonl'), 'utf8').split('\n').length - 1
      console.log(
        report('session churn (short version; npm run soak for 100 000 in real time)', [
          [
            'cycles',
            `${SESSION_CYCLES} (issue, deliver, revoke) in ${seconds.toFixed(1)} s = ${(SESSION_CYCLES / seconds).toFixed(0)}/s, ${SESSION_WORKERS} workers, in-process daemon`,
          ],
          [
            'store',
            `BRIEFD_MAX_SESSIONS=${SOAK_MAX_SESSIONS}; the test clock passes token expiry every ${SOAK_MAX_SESSIONS / 2} cycles`,
          ],
          ['steps', [...counts].map(([k, n]) => `${k} ${n}`).join(', ')],
          ['ledger file', `${ledgerLines} lines (compacted; at most 2 × store + 1024)`],
        ]),
      )
      expect(counts.get('issued')).toBe(SESSION_CYCLES)
      expect(counts.get('delivered')).toBe(SESSION_CYCLES)
      expect(counts.get('revoked')).toBe(SESSION_CYCLES)
      expect(counts.get('refused after revocation')).toBe(Math.ceil(SESSION_CYCLES / 50))
      expect(counts.get('store full') ?? 0).toBe(0)
      expect(counts.get('other') ?? 0).toBe(0)
      expect(ledgerLines).toBeLessThanOrEqual(2 * SOAK_MAX_SESSIONS + 1025)
    },
  )

  it.runIf(SOAK)(
    `soak: ${SESSION_CYCLES} sessions against a daemon process in real time, RSS flat`,
    async () => {
      const stateDir = join(tempDir('briefd-soak-'), 'state')
      const daemon: DaemonProcess = await spawnDaemon({
        contentDir: makeContent().dir,
        stateDir,
        env: {
          BRIEFD_MAX_SESSIONS: String(SOAK_MAX_SESSIONS),
          BRIEFD_RATE_BOOTSTRAP: '1000000/1000000',
        },
      })
      open.push({ close: () => daemon.kill('SIGTERM') })
      const pid = daemon.child.pid ?? 0
      const bootstrap = readBootstrapCredential(stateDir)
      const samples: { s: number; cycles: number; rssMb: number }[] = []
      const counts = new Map<Step, number>()
      let cycles = 0
      let refusedWaitMs = 0
      const started = performance.now()
      const sampler = setInterval(() => {
        const m = memoryOf(pid)
        if (m)
          samples.push({ s: (performance.now() - started) / 1000, cycles, rssMb: m.rssKb / 1024 })
      }, 500)
      const latencies: number[] = []
      let next = 0
      let reported = 0
      await Promise.all(
        Array.from({ length: SESSION_WORKERS }, async () => {
          while (next < SESSION_CYCLES) {
            const i = next++
            const t0 = performance.now()
            const steps = await cycle(daemon.url, bootstrap, i % 50 === 0)
            latencies.push(performance.now() - t0)
            tally(counts, steps)
            if (steps[0] === 'store full') {
              // The bound at work: wait for tokens to expire, then try this cycle again.
              next--
              refusedWaitMs += 100
              await sleep(100)
              continue
            }
            cycles++
            if (cycles >= reported + SESSION_CYCLES / 10) {
              reported = cycles
              const m = memoryOf(pid)
              console.log(
                `soak: ${cycles} cycles, ${((performance.now() - started) / 1000).toFixed(0)} s, daemon RSS ${((m?.rssKb ?? 0) / 1024).toFixed(1)} MB`,
              )
            }
          }
        }),
      )
      clearInterval(sampler)
      const seconds = (performance.now() - started) / 1000
      const peakMb = (memoryOf(pid)?.peakKb ?? 0) / 1024
      const third = (k: number): number =>
        Math.max(
          ...samples
            .filter((x) => x.s >= (seconds * k) / 3 && x.s < (seconds * (k + 1)) / 3)
            .map((x) => x.rssMb),
        )
      const curve = [0.1, 0.25, 0.5, 0.75, 1].map((q) => {
        const at =
          samples.find((x) => x.cycles >= q * SESSION_CYCLES) ?? samples[samples.length - 1]
        return `${Math.round(q * 100)}%: ${at?.rssMb.toFixed(1) ?? '?'} MB`
      })
      const lat = percentiles(latencies)
      console.log(
        report('session soak (daemon process, real time)', [
          [
            'cycles',
            `${cycles} (issue with a ${TTL_SECONDS} s token, deliver, revoke) in ${seconds.toFixed(0)} s = ${(cycles / seconds).toFixed(0)}/s, ${SESSION_WORKERS} workers`,
          ],
          [
            'requests',
            `${(counts.get('issued') ?? 0) + (counts.get('delivered') ?? 0) + (counts.get('revoked') ?? 0) + (counts.get('refused after revocation') ?? 0) + (counts.get('store full') ?? 0)} in all`,
          ],
          [
            'store',
            `BRIEFD_MAX_SESSIONS=${SOAK_MAX_SESSIONS}; refused while full: ${counts.get('store full') ?? 0} (waited ${(refusedWaitMs / 1000).toFixed(1)} s in all)`,
          ],
          ['steps', [...counts].map(([k, n]) => `${k} ${n}`).join(', ')],
          [
            'cycle latency ms',
            `p50 ${lat.p50.toFixed(1)}, p99 ${lat.p99.toFixed(1)}, max ${lat.max.toFixed(0)}`,
          ],
          ['daemon RSS by progress', curve.join(', ')],
          [
            'daemon RSS max per third',
            `${third(0).toFixed(1)} / ${third(1).toFixed(1)} / ${third(2).toFixed(1)} MB`,
          ],
          ['daemon peak RSS', `${peakMb.toFixed(1)} MB`],
        ]),
      )
      expect(cycles).toBe(SESSION_CYCLES)
      expect(counts.get('other') ?? 0).toBe(0)
      // Flat: the last third of the run holds no more than the middle third (plus GC slack).
      expect(third(2)).toBeLessThanOrEqual(third(1) * 1.15 + 16)
    },
  )
  it.runIf(SOAK)(
    `soak: heap after GC stays flat once the bounded caches are full (${HEAP_CYCLES} cycles, in process)`,
    async () => {
      // RSS is a noisy proxy (V8 keeps freed pages); the heap after a full GC is the store itself.
      setFlagsFromString('--expose-gc')
      const gc = runInNewContext('gc') as () => void
      const heapMb = (): number => {
        gc()
        gc()
        return process.memoryUsage().heapUsed / 1024 / 1024
      }
      const max = 2000
      const { daemon, advance } = await clockedDaemon(max)
      const samples: { cycles: number; mb: number }[] = [{ cycles: 0, mb: heapMb() }]
      let cycles = 0
      await churn({
        n: HEAP_CYCLES,
        workers: SESSION_WORKERS,
        batch: max / 2,
        url: daemon.url,
        bootstrap: daemon.bootstrap(),
        between: () => {
          advance((TTL_SECONDS + 1) * 1000)
          cycles += max / 2
          if (cycles % (HEAP_CYCLES / 10) === 0) samples.push({ cycles, mb: heapMb() })
        },
      })
      const at = (q: number): number => samples.find((x) => x.cycles >= q * HEAP_CYCLES)?.mb ?? NaN
      console.log(
        report('session soak: heap after GC (in-process daemon, test clock)', [
          [
            'cycles',
            `${HEAP_CYCLES} through a store of ${max}; the verifier remembers 10 000 tokens and the rate limiter 20 000 buckets, both bounded`,
          ],
          ['heap MB', samples.map((x) => `${x.cycles}: ${x.mb.toFixed(1)}`).join(', ')],
        ]),
      )
      // Past half-way every bounded cache is full: from there on, nothing may accumulate.
      expect(at(1)).toBeLessThanOrEqual(at(0.5) + 4)
    },
  )
})

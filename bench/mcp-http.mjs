// npm run bench:mcp-http — MCP over Streamable HTTP: `tools/call` on the daemon's /mcp against a
// bare SDK Streamable HTTP server (stateless, one tool, the same template text, no auth), in
// one run, on loopback only. Rounds alternate the two servers at 20 concurrent clients; then
// the daemon alone answers 100 000 calls while its RSS is sampled, to show it stays flat.
import autocannon from 'autocannon'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fmt, machine, median, pinSelf, startServer, table } from './lib.mjs'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const DURATION_S = Number(process.env.BENCH_DURATION ?? 4)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20)
const CALLS = Number(process.env.BENCH_CALLS ?? 100_000)
const contentDir = resolve('examples/content')
const toolsFile = resolve('examples/tools.json')
const stateDir = mkdtempSync(join(tmpdir(), 'briefd-bench-mcp-http-'))

const body = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'review_verdict', arguments: { verdict: 'APPROVE', findings: 'none' } },
})
const baseHeaders = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-06-18',
}

function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : NaN
}

async function load(server, headers, opts) {
  const r = await autocannon({
    url: `http://127.0.0.1:${server.port}/mcp`,
    method: 'POST',
    connections: CONNECTIONS,
    headers: { ...baseHeaders, ...headers },
    body,
    ...opts,
  })
  if (r.non2xx > 0 || r.errors > 0)
    throw new Error(
      `benchmark saw ${r.non2xx} non-2xx and ${r.errors} errors on port ${server.port}: ${JSON.stringify(r.statusCodeStats)}`,
    )
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    total: r.requests.total,
  }
}

async function main() {
  if (!(await pinSelf())) return
  const servers = {}
  try {
    servers.bare = await startServer([
      'bench/mcp-http-servers.mjs',
      'bare',
      contentDir,
      stateDir,
      toolsFile,
    ])
    servers.briefd = await startServer([
      'bench/mcp-http-servers.mjs',
      'briefd',
      contentDir,
      stateDir,
      toolsFile,
    ])
  } catch (err) {
    for (const s of Object.values(servers)) await s.stop()
    throw err
  }
  const { requestSession } = await import('../dist/client/session-api.js')
  const { readBootstrapCredential } = await import('../dist/shared/state-files.js')
  const session = await requestSession({
    url: `http://127.0.0.1:${servers.briefd.port}`,
    bootstrap: readBootstrapCredential(stateDir),
    timeoutMs: 2000,
  })
  const headersFor = (k) => (k === 'briefd' ? { authorization: `Bearer ${session.token}` } : {})
  const results = { bare: [], briefd: [] }
  const ratios = []
  const rss = []
  try {
    for (const k of ['bare', 'briefd']) await load(servers[k], headersFor(k), { duration: 2 })
    for (let round = 0; round < ROUNDS; round++) {
      const b = await load(servers.bare, {}, { duration: DURATION_S })
      const d = await load(servers.briefd, headersFor('briefd'), { duration: DURATION_S })
      results.bare.push(b)
      results.briefd.push(d)
      ratios.push(d.rps / b.rps)
    }
    // 100 000 calls on the daemon alone, RSS sampled every 500 ms.
    const pid = servers.briefd.child.pid
    rss.push(rssMiB(pid))
    const timer = setInterval(() => rss.push(rssMiB(pid)), 500)
    const long = await load(servers.briefd, headersFor('briefd'), { amount: CALLS })
    clearInterval(timer)
    rss.push(rssMiB(pid))
    results.long = long
  } finally {
    for (const s of Object.values(servers)) await s.stop()
    rmSync(stateDir, { recursive: true, force: true })
  }
  const row = (name, rs) => [
    name,
    fmt(median(rs.map((r) => r.rps)), 0),
    `${fmt(Math.min(...rs.map((r) => r.rps)), 0)}..${fmt(Math.max(...rs.map((r) => r.rps)), 0)}`,
    fmt(median(rs.map((r) => r.p50)), 0),
    fmt(median(rs.map((r) => r.p99)), 0),
  ]
  console.log(`${await machine()}; ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION_S} s`)
  console.log(
    table([
      ['server', 'req/s (median)', 'min..max', 'p50 ms', 'p99 ms'],
      row('bare SDK', results.bare),
      row('briefd /mcp', results.briefd),
    ]),
  )
  console.log(`briefd / bare throughput: ${fmt(median(ratios))}× (median of per-round ratios)`)
  const at = (f) => fmt(rss[Math.min(rss.length - 1, Math.round((rss.length - 1) * f))], 1)
  console.log(
    `${results.long.total} calls on briefd /mcp (${fmt(results.long.rps, 0)} req/s, p50 ${results.long.p50} ms, p99 ${results.long.p99} ms)`,
  )
  console.log(
    `daemon RSS MiB over them: start ${at(0)}, 25% ${at(0.25)}, 50% ${at(0.5)}, 75% ${at(0.75)}, end ${at(1)}, max ${fmt(Math.max(...rss), 1)}`,
  )
}
await main()

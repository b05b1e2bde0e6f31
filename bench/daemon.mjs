// npm run bench:daemon — the daemon against two baselines in one run, on loopback only:
// a plain node:http server and a bare @hono/node-server route, serving the same template
// bytes as briefd (which also checks Host/Origin, the session token, rate limits, and writes
// an audit line per delivery), and briefd again over its Unix socket (the local transport).
// Then, briefd only: the cost of an (unthrottled) `POST /v1/proof` next to `GET /health`. Rounds alternate the servers to spread machine noise; we
// report the median round and the min..max.
import autocannon from 'autocannon'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { cpuSeconds, fmt, machine, median, pinSelf, startServer, table } from './lib.mjs'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const DURATION_S = Number(process.env.BENCH_DURATION ?? 4)
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '1,50').split(',').map(Number)
const contentDir = resolve('examples/content')
const stateDir = mkdtempSync(join(tmpdir(), 'briefd-bench-'))

async function load(server, connections, headers, request = {}) {
  const port = server.port
  const cpu0 = cpuSeconds(server.child.pid)
  const path = request.path ?? '/v1/templates/review-verdict'
  const r = await autocannon({
    ...(server.socketPath
      ? { url: `http://localhost${path}`, socketPath: server.socketPath }
      : { url: `http://127.0.0.1:${port}${path}` }),
    connections,
    duration: DURATION_S,
    headers: { ...(server.socketPath ? { host: 'localhost' } : {}), ...headers },
    ...(request.method ? { method: request.method, body: request.body } : {}),
  })
  if (r.non2xx > 0 || r.errors > 0)
    throw new Error(
      `benchmark saw ${r.non2xx} non-2xx and ${r.errors} errors on port ${port}: ${JSON.stringify(r.statusCodeStats)}`,
    )
  const cpu = cpuSeconds(server.child.pid) - cpu0
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    cpuUs: (cpu * 1e6) / r.requests.total,
  }
}

async function main() {
  const kinds = ['bare-http', 'bare-hono', 'briefd', 'briefd-socket']
  const started = ['bare-http', 'bare-hono', 'briefd']
  const servers = {}
  try {
    for (const k of started)
      servers[k] = await startServer(['bench/servers.mjs', k, contentDir, stateDir])
    // The same daemon process, reached over its Unix socket.
    servers['briefd-socket'] = { ...servers.briefd, socketPath: join(stateDir, 'daemon.sock') }
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
  const headersFor = (k) =>
    k.startsWith('briefd') ? { authorization: `Bearer ${session.token}` } : {}
  const results = {}
  const routes = []
  try {
    for (const c of CONNECTIONS) {
      for (const k of kinds) await load(servers[k], c, headersFor(k)) // warm-up (JIT, caches)
      for (let round = 0; round < ROUNDS; round++) {
        for (const k of kinds) {
          const r = await load(servers[k], c, headersFor(k))
          ;((results[c] ??= {})[k] ??= []).push(r)
        }
      }
    }
    // The proof route (no rate limit since the local-user DoS fix) against the health check,
    // both on TCP where anyone may call them. BRIEFD_RATE_HEALTH is raised for the bench.
    const nonce = 'A'.repeat(43)
    for (const [name, request] of [
      ['GET /health', { path: '/health' }],
      [
        'POST /v1/proof (bootstrap)',
        {
          path: '/v1/proof',
          method: 'POST',
          body: JSON.stringify({ nonce, for: 'bootstrap' }),
        },
      ],
      [
        'POST /v1/proof (session)',
        {
          path: '/v1/proof',
          method: 'POST',
          body: JSON.stringify({
            nonce,
            for: 'session',
            signed: session.token.slice(0, session.token.lastIndexOf('.')),
          }),
        },
      ],
    ]) {
      const json = request.method ? { 'content-type': 'application/json' } : {}
      await load(servers.briefd, 50, json, request) // warm-up
      const rs = []
      for (let round = 0; round < ROUNDS; round++)
        rs.push(await load(servers.briefd, 50, json, request))
      routes.push([name, rs])
    }
  } finally {
    for (const k of started) await servers[k].stop()
    rmSync(stateDir, { recursive: true, force: true })
  }
  const rows = [
    [
      'connections',
      'server',
      'req/s (median)',
      'req/s min..max',
      'p50 ms',
      'p99 ms',
      'req/s vs bare Hono',
      'server CPU µs/req',
      'CPU vs bare Hono',
    ],
  ]
  for (const c of CONNECTIONS) {
    // Ratios are paired per round (same minute, same machine noise), then the median is taken.
    const hono = results[c]['bare-hono']
    const ratio = (rs, key) => median(rs.map((r, i) => r[key] / hono[i][key]))
    for (const k of kinds) {
      const rs = results[c][k]
      const rps = rs.map((r) => r.rps)
      rows.push([
        c,
        k,
        fmt(median(rps), 0),
        `${fmt(Math.min(...rps), 0)}..${fmt(Math.max(...rps), 0)}`,
        fmt(median(rs.map((r) => r.p50)), 1),
        fmt(median(rs.map((r) => r.p99)), 1),
        `${fmt(ratio(rs, 'rps'))}×`,
        fmt(median(rs.map((r) => r.cpuUs)), 1),
        `${fmt(ratio(rs, 'cpuUs'))}×`,
      ])
    }
  }
  console.log(`machine: ${await machine()}`)
  console.log(
    `rounds: ${ROUNDS} × ${DURATION_S}s per server and connection count (after one warm-up run each); load generator pinned to CPU 0, servers to CPU 1: ${Boolean(process.env.BENCH_PINNED)}\n`,
  )
  console.log(table(rows))
  const routeRows = [['briefd, TCP, 50 connections', 'req/s (median)', 'server CPU µs/req']]
  for (const [name, rs] of routes)
    routeRows.push([
      name,
      fmt(median(rs.map((r) => r.rps)), 0),
      fmt(median(rs.map((r) => r.cpuUs)), 1),
    ])
  console.log(`\n${table(routeRows)}`)
}

try {
  if (await pinSelf()) await main()
} catch (err) {
  console.error(err)
  process.exitCode = 1
}

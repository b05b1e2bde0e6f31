// npm run bench:remote — remote mode (issue 10): template delivery over TLS at 50 connections,
// in one run, on loopback only:
// - `bare Hono (TLS)`: a bare @hono/node-server route on node:https, no auth (the baseline);
// - `briefd, access token`: the daemon in public mode (`--resource`, `--issuer`, `--tls-cert`)
//   with an OAuth access token from a real oidc-provider this bench starts on loopback (client
//   credentials with a resource indicator; the daemon fetched its keys at start);
// - `briefd, API key`: the same daemon process with an API key from its state dir.
// All serve the same template bytes with the same certificate. Rounds alternate the servers;
// we report the median round and the min..max, and ratios paired per round.
// Then the first request of a new access token (keys cached) against a remembered one: N
// distinct tokens minted beforehand, each sent once, against N requests with one token the
// daemon has seen; the server's CPU time per request for each, from process.cpuUsage() in the
// server process.
import autocannon from 'autocannon'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:https'
import { createServer } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fmt, machine, median, pinSelf, startServer, table } from './lib.mjs'
import { startAuthServer } from './oidc.mjs'
import { makeTls, serverCredentials, tlsIn } from './tls.mjs'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const DURATION_S = Number(process.env.BENCH_DURATION ?? 4)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50)
const FIRST_TOKENS = Number(process.env.BENCH_FIRST_TOKENS ?? 400)
const FIRST_PARALLEL = 8
// For profiling one arm alone: BENCH_ARMS=token BENCH_FIRST_TOKENS=0 BENCH_PROFILE=/tmp/prof.
const ARMS = (process.env.BENCH_ARMS ?? 'bare,token,apikey').split(',')
const PATH = '/v1/templates/review-verdict'
// BENCH_PROFILE=<dir>: the servers run under `node --cpu-prof` and write their profiles there.
const PROFILE = process.env.BENCH_PROFILE
  ? ['--cpu-prof', `--cpu-prof-dir=${resolve(process.env.BENCH_PROFILE)}`]
  : []

async function freePort() {
  const s = createServer()
  await new Promise((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address()
  await new Promise((r) => s.close(r))
  return port
}

async function load(server, headers) {
  const cpu0 = await server.cpu()
  const r = await autocannon({
    url: `https://127.0.0.1:${server.port}${PATH}`,
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers,
  })
  const cpu = (await server.cpu()) - cpu0
  if (r.non2xx > 0 || r.errors > 0)
    throw new Error(
      `benchmark saw ${r.non2xx} non-2xx and ${r.errors} errors on port ${server.port}: ${JSON.stringify(r.statusCodeStats)}`,
    )
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    cpuUs: cpu / r.requests.total,
  }
}

/** GET the template once per token, `FIRST_PARALLEL` at a time on kept-alive connections. */
async function sendEach(agent, port, tokens) {
  let next = 0
  const one = (token) =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: PATH,
          agent,
          headers: { authorization: `Bearer ${token}` },
        },
        (res) => {
          res.resume()
          res.on('end', () =>
            res.statusCode === 200
              ? resolve()
              : reject(new Error(`first-token run: HTTP ${res.statusCode}`)),
          )
        },
      )
      req.on('error', reject)
      req.end()
    })
  const worker = async () => {
    while (next < tokens.length) await one(tokens[next++])
  }
  await Promise.all(Array.from({ length: FIRST_PARALLEL }, worker))
}

/** Server CPU µs per request for sending each token of `tokens` once. */
async function cpuPerRequest(server, agent, tokens) {
  const cpu0 = await server.cpu()
  await sendEach(agent, server.port, tokens)
  return ((await server.cpu()) - cpu0) / tokens.length
}

async function main() {
  const tls = tlsIn(process.env.BENCH_TLS_DIR)
  const contentDir = resolve('examples/content')
  const stateDir = mkdtempSync(join(tmpdir(), 'briefd-bench-'))
  const port = await freePort()
  const resource = `https://127.0.0.1:${port}`
  const as = await startAuthServer({ credentials: serverCredentials(tls), resource })
  const { createApiKey } = await import('../dist/apikeys/store.js')
  const apiKey = (await createApiKey(stateDir, { name: 'bench', scopes: ['briefd:read'] })).key
  const opts = { contentDir, stateDir, tlsDir: tls.dir }
  const servers = {}
  const loads = []
  const first = []
  const loadAvgs = [loadavg()[0]]
  try {
    servers.bare = await startServer(
      [...PROFILE, 'bench/remote-servers.mjs', 'bare-hono-tls', JSON.stringify(opts)],
      {},
      { ipc: true },
    )
    servers.briefd = await startServer(
      [
        ...PROFILE,
        'bench/remote-servers.mjs',
        'briefd-public',
        JSON.stringify({ ...opts, port, resource, issuer: as.issuer }),
      ],
      {},
      { ipc: true },
    )
    const token = await as.mint()
    const arms = [
      ['bare Hono (TLS)', servers.bare, {}],
      ['briefd, access token', servers.briefd, { authorization: `Bearer ${token}` }],
      ['briefd, API key', servers.briefd, { authorization: `Bearer ${apiKey}` }],
    ].filter((_, i) => ARMS.includes(['bare', 'token', 'apikey'][i]))
    // A wrong credential must fail, or the run would measure refusals.
    for (const [name, server, headers] of arms) {
      const res = await fetch(`https://127.0.0.1:${server.port}${PATH}`, { headers })
      const body = await res.text()
      if (res.status !== 200 || !body.includes('"content"'))
        throw new Error(`${name}: HTTP ${res.status} before the run`)
    }
    const denied = await fetch(`${resource}${PATH}`, {
      headers: { authorization: `Bearer ${token.slice(0, -4)}AAAA` },
    })
    if (denied.status !== 401) throw new Error(`a forged token got HTTP ${denied.status}`)

    for (const [, server, headers] of arms) await load(server, headers) // warm-up (JIT, caches)
    for (let round = 0; round < ROUNDS; round++) {
      const r = {}
      for (const [name, server, headers] of arms) r[name] = await load(server, headers)
      loads.push(r)
      loadAvgs.push(loadavg()[0])
    }

    // First request of a new token against a remembered one. Tokens are minted before the
    // measurement (the authorization server runs in this process, not the server's); the
    // connections are opened and warmed first, so neither side pays a TLS handshake.
    const agent = new Agent({ keepAlive: true, maxSockets: FIRST_PARALLEL })
    const warm = Array.from({ length: FIRST_PARALLEL * 50 }, () => token)
    await sendEach(agent, port, warm)
    if (FIRST_TOKENS > 0) await sendEach(agent, port, await as.mintMany(FIRST_TOKENS)) // warm the new-token path too
    for (let round = 0; round < (FIRST_TOKENS > 0 ? ROUNDS : 0); round++) {
      const fresh = await as.mintMany(FIRST_TOKENS)
      const same = Array.from({ length: FIRST_TOKENS }, () => token)
      await sendEach(agent, port, warm)
      // Alternate which goes first, so a slow start of either lands on both.
      const r =
        round % 2 === 0
          ? {
              fresh: await cpuPerRequest(servers.briefd, agent, fresh),
              same: await cpuPerRequest(servers.briefd, agent, same),
            }
          : {
              same: await cpuPerRequest(servers.briefd, agent, same),
              fresh: await cpuPerRequest(servers.briefd, agent, fresh),
            }
      first.push(r)
    }
    agent.destroy()
    loadAvgs.push(loadavg()[0])
  } finally {
    for (const s of Object.values(servers)) await s.stop()
    await as.close()
    rmSync(stateDir, { recursive: true, force: true })
  }

  const names = Object.keys(loads[0])
  const base = 'bare Hono (TLS)'
  const rows = [
    [
      'server (TLS, 50 connections)',
      'req/s (median)',
      'req/s min..max',
      'p50 ms',
      'p99 ms',
      'req/s vs bare',
      'server CPU µs/req',
      'CPU vs bare',
    ],
  ]
  for (const name of names) {
    const rs = loads.map((r) => r[name])
    const rps = rs.map((r) => r.rps)
    const ratio = (key) =>
      base in loads[0] ? median(loads.map((r) => r[name][key] / r[base][key])) : NaN
    rows.push([
      name,
      fmt(median(rps), 0),
      `${fmt(Math.min(...rps), 0)}..${fmt(Math.max(...rps), 0)}`,
      fmt(median(rs.map((r) => r.p50)), 1),
      fmt(median(rs.map((r) => r.p99)), 1),
      `${fmt(ratio('rps'))}×`,
      fmt(median(rs.map((r) => r.cpuUs)), 1),
      `${fmt(ratio('cpuUs'))}×`,
    ])
  }
  const firstRows = first.length > 0 ? firstTable(first) : [['(first-token run skipped)']]
  console.log(`machine: ${await machine()}`)
  console.log(
    `load average (1 min) during the run: ${loadAvgs.map((l) => fmt(l, 1)).join(', ')}; rounds: ${ROUNDS} × ${DURATION_S}s per server (after one warm-up run each); load generator pinned to CPU 0, servers to CPU 1: ${Boolean(process.env.BENCH_PINNED)}\n`,
  )
  console.log(table(rows))
  console.log(`\n${table(firstRows)}`)
}

function firstTable(first) {
  const diffs = first.map((r) => r.fresh - r.same)
  return [
    [
      `briefd, ${FIRST_TOKENS} requests, ${FIRST_PARALLEL} in flight`,
      'server CPU µs/req (median)',
      'min..max',
    ],
    [
      'one remembered access token',
      fmt(median(first.map((r) => r.same)), 1),
      range(first.map((r) => r.same)),
    ],
    [
      'a new access token each (keys cached)',
      fmt(median(first.map((r) => r.fresh)), 1),
      range(first.map((r) => r.fresh)),
    ],
    ['**difference** (paired per round)', fmt(median(diffs), 1), range(diffs)],
  ]
}

function range(xs) {
  return `${fmt(Math.min(...xs), 1)}..${fmt(Math.max(...xs), 1)}`
}

// The clients (fetch, autocannon, the https agent) and the daemon (which fetches the
// authorization server's metadata and keys) must trust the bench's CA: Node reads
// NODE_EXTRA_CA_CERTS only at start-up, so the first process makes the CA and re-executes
// this script with it set, then removes it.
async function run() {
  if (process.env.BENCH_TLS_DIR) {
    if (await pinSelf()) await main()
    return
  }
  const tls = makeTls()
  try {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, BENCH_TLS_DIR: tls.dir, NODE_EXTRA_CA_CERTS: tls.caPath },
    })
    const [code] = await once(child, 'exit')
    process.exitCode = code ?? 1
  } finally {
    rmSync(tls.dir, { recursive: true, force: true })
  }
}

try {
  await run()
} catch (err) {
  console.error(err)
  process.exitCode = 1
}

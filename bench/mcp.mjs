// npm run bench:mcp — `briefd mcp` against a bare SDK stdio server (bench/mcp-bare.mjs) with
// the same instructions and template hard-coded, in one run: spawn → `initialize` result, the
// first tool call (for briefd: uncached, a daemon round trip), the median cached call, and peak
// RSS (VmHWM). Also shown, for reference: briefd mcp unbundled (dist/mcp/main.js) and the bare
// server bundled with esbuild the same way, and `node -e ""` (spawn → exit) as the floor of process
// start that no Node server can beat. Start-up and first calls are measured one server at
// a time (rotating the order each round); cached calls are interleaved across the running
// servers so machine noise hits all of them alike. Each figure is the median over rounds; each
// ratio is the median over rounds of (server ÷ bare server in the same round).
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'
import { fmt, machine, median, startServer, table } from './lib.mjs'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15)
const CALLS = Number(process.env.BENCH_CALLS ?? 200)
const contentDir = resolve('examples/content')
const work = mkdtempSync(join(tmpdir(), 'briefd-bench-mcp-'))
const stateDir = join(work, 'state')
const tokenFile = join(work, 'token.json')
const instructionsText = readFileSync(join(contentDir, 'instructions.md'), 'utf8').trim()
const bareArgs = [
  join(contentDir, 'instructions.md'),
  join(contentDir, 'templates', 'review-verdict.md'),
]
const callArgs = { verdict: 'APPROVE', findings: 'src/a.ts:12 — the error path drops the cause' }

/** One server process speaking raw newline-delimited JSON-RPC (no SDK client on our side). */
function rpcProcess(args, env) {
  const t0 = performance.now()
  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  const waiting = new Map()
  let buf = ''
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  child.stdout.on('data', (d) => {
    buf += d
    let nl
    while ((nl = buf.indexOf('\n')) >= 0) {
      const msg = JSON.parse(buf.slice(0, nl))
      buf = buf.slice(nl + 1)
      waiting.get(msg.id)?.(msg)
      waiting.delete(msg.id)
    }
  })
  let nextId = 1
  const request = (method, params) =>
    new Promise((res, rej) => {
      const id = nextId++
      waiting.set(id, (msg) =>
        msg.error ? rej(new Error(`${method}: ${msg.error.message} ${stderr}`)) : res(msg.result),
      )
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`)
    })
  const notify = (method) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method })}\n`)
  const peakRssKb = () =>
    Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1])
  const close = async () => {
    child.stdin.end()
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
    if (child.exitCode === null) await once(child, 'exit')
    clearTimeout(timer)
  }
  return { t0, request, notify, peakRssKb, close }
}

/** Spawn → initialize and the first call, measured alone; the process stays up for the cached calls. */
async function startAndFirstCall(kind, args, env) {
  const p = rpcProcess(args, env)
  const init = await p.request('initialize', {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'bench', version: '1' },
  })
  const initMs = performance.now() - p.t0
  p.notify('notifications/initialized')
  const t = performance.now()
  const first = await p.request('tools/call', { name: 'review_verdict', arguments: callArgs })
  const firstMs = performance.now() - t
  check(kind, init, first)
  return { p, initMs, firstMs }
}

/** spawn → exit of `node -e ""`: what starting any Node process costs on this machine. */
async function nodeFloorMs() {
  const t0 = performance.now()
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await once(child, 'exit')
  return performance.now() - t0
}

/** One round: each server started and first-called in turn, then cached calls interleaved across all of them. */
async function round(servers) {
  const floorMs = await nodeFloorMs()
  const started = {}
  for (const [kind, [args, env]] of Object.entries(servers))
    started[kind] = await startAndFirstCall(kind, args, env)
  const laps = Object.fromEntries(Object.keys(servers).map((k) => [k, []]))
  for (let i = 0; i < CALLS; i++) {
    for (const kind of Object.keys(servers)) {
      const t = performance.now()
      await started[kind].p.request('tools/call', { name: 'review_verdict', arguments: callArgs })
      laps[kind].push(performance.now() - t)
    }
  }
  const out = { floor: { initMs: floorMs } }
  for (const [kind, s] of Object.entries(started)) {
    out[kind] = {
      initMs: s.initMs,
      firstMs: s.firstMs,
      callMs: median(laps[kind]),
      rssMb: s.p.peakRssKb() / 1024,
    }
    await s.p.close()
  }
  return out
}

function check(kind, init, first) {
  if (!init.instructions?.includes(instructionsText.slice(0, 60)))
    throw new Error(`${kind}: initialize did not carry the confidential instructions`)
  const text = first.content?.[0]?.text ?? ''
  if (!text.startsWith('Lanternfish verdict: APPROVE'))
    throw new Error(`${kind}: the tool call did not render the template`)
  if (kind.startsWith('briefd') && first._meta !== undefined)
    throw new Error(
      `${kind}: first call was not served from the daemon (${JSON.stringify(first._meta)})`,
    )
}

async function main() {
  const daemon = await startServer(['bench/servers.mjs', 'briefd', contentDir, stateDir])
  try {
    const { requestSession } = await import('../dist/client/session-api.js')
    const { writeTokenFile } = await import('../dist/host/token-file.js')
    const { readBootstrapCredential } = await import('../dist/shared/state-files.js')
    const url = `http://127.0.0.1:${daemon.port}`
    const s = await requestSession({
      url,
      bootstrap: readBootstrapCredential(stateDir),
      timeoutMs: 2000,
    })
    writeTokenFile(tokenFile, {
      version: 1,
      token: s.token,
      session_id: s.session_id,
      expires_at: s.expires_at,
      daemon_url: url,
      host: null,
      created_at: new Date().toISOString(),
    })
    const bareBundle = join(work, 'bare.bundle.mjs')
    await build({
      entryPoints: ['bench/mcp-bare.mjs'],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      minify: true,
      outfile: bareBundle,
      logLevel: 'warning',
    })

    const briefdEnv = { BRIEFD_TOKEN_FILE: tokenFile, BRIEFD_LOG_LEVEL: 'warn' }
    const unbundled = `const m = await import(${JSON.stringify(resolve('dist/mcp/main.js'))}); process.exitCode = await m.main(['node', 'briefd', 'mcp'])`
    const servers = {
      bare: [['bench/mcp-bare.mjs', ...bareArgs], {}],
      'briefd mcp': [['bin/briefd.js', 'mcp'], briefdEnv],
      'briefd mcp (unbundled)': [['--input-type=module', '-e', unbundled], briefdEnv],
      'bare (bundled)': [[bareBundle, ...bareArgs], {}],
    }
    const results = Object.fromEntries([...Object.keys(servers), 'floor'].map((k) => [k, []]))
    await round(servers) // warm-up (page cache)
    for (let r = 0; r < ROUNDS; r++) {
      // Rotate the start order so no server always starts first (or last) in a round.
      const kinds = Object.keys(servers)
      const order = kinds.slice(r % kinds.length).concat(kinds.slice(0, r % kinds.length))
      const out = await round(Object.fromEntries(order.map((k) => [k, servers[k]])))
      for (const k of [...kinds, 'floor']) results[k].push(out[k])
    }

    const m = (kind, key) => median(results[kind].map((r) => r[key]))
    // Paired: each round's figure over the bare server's in the same round, then the median of
    // those ratios (round-to-round machine noise cancels out; ratios of medians would keep it).
    const r = (kind, key) => median(results[kind].map((x, i) => x[key] / results.bare[i][key]))
    const ratio = (kind, key) => `${fmt(r(kind, key))}×`
    const rows = [
      [
        'server',
        'spawn→initialize ms',
        'vs bare',
        'first call ms',
        'vs bare',
        'cached call ms (median)',
        'vs bare',
        'peak RSS MB',
        'vs bare',
      ],
    ]
    for (const kind of Object.keys(servers)) {
      rows.push([
        kind,
        fmt(m(kind, 'initMs'), 1),
        ratio(kind, 'initMs'),
        fmt(m(kind, 'firstMs'), 2),
        ratio(kind, 'firstMs'),
        fmt(m(kind, 'callMs'), 3),
        ratio(kind, 'callMs'),
        fmt(m(kind, 'rssMb'), 1),
        ratio(kind, 'rssMb'),
      ])
    }
    rows.push([
      'node -e "" (floor: spawn → exit)',
      fmt(m('floor', 'initMs'), 1),
      ratio('floor', 'initMs'),
      '',
      '',
      '',
      '',
      '',
      '',
    ])
    console.log(`machine: ${await machine()}`)
    console.log(
      `rounds: ${ROUNDS} (after one warm-up round), ${CALLS} interleaved cached calls per server per round; medians over rounds, ratios paired per round\n`,
    )
    console.log(table(rows))
    const targets = [
      ['initialize ≤ 1.05× (aim 0.8×)', r('briefd mcp', 'initMs'), 1.05],
      ['first call ≤ 1.5×', r('briefd mcp', 'firstMs'), 1.5],
      ['cached call ≤ 1.05×', r('briefd mcp', 'callMs'), 1.05],
      ['peak RSS ≤ 1.1×', r('briefd mcp', 'rssMb'), 1.1],
    ]
    console.log(
      `\n${targets.map(([name, x, max]) => `${x <= max ? 'met ' : 'MISSED'}  ${name}: ${fmt(x)}×`).join('\n')}`,
    )
  } finally {
    await daemon.stop()
    rmSync(work, { recursive: true, force: true })
  }
}

try {
  await main()
} catch (err) {
  console.error(err)
  process.exitCode = 1
}

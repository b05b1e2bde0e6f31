// npm run bench:mcp-remote — `briefd mcp` spawn → `initialize` (with the confidential instructions)
// against a hosted daemon over TLS (`serve --resource`, a CA made for the run, an API key
// exchanged for a session token) and against the loopback daemon, alternating, in one run; and
// `briefd headers` with a cached session token. Each figure is the median over rounds.
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createServer } from 'node:net'
import { machine, median } from './lib.mjs'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15)
const BIN = resolve('bin/briefd.js')
const contentDir = resolve('examples/content')
const work = mkdtempSync(join(tmpdir(), 'briefd-bench-remote-'))
const ossl = (args) => execFileSync('/usr/bin/openssl', args, { cwd: work, stdio: 'ignore' })

// A CA and a loopback certificate for the hosted daemon (as test/helpers/tls.ts makes them).
ossl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca-key.pem'])
ossl([
  'req',
  '-x509',
  '-new',
  '-key',
  'ca-key.pem',
  '-days',
  '1',
  '-subj',
  '/CN=bench CA',
  '-addext',
  'basicConstraints=critical,CA:TRUE',
  '-addext',
  'keyUsage=critical,keyCertSign',
  '-out',
  'ca.pem',
])
ossl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'key.pem'])
ossl(['req', '-new', '-key', 'key.pem', '-subj', '/CN=localhost', '-out', 'csr.pem'])
writeFileSync(join(work, 'ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
ossl([
  'x509',
  '-req',
  '-in',
  'csr.pem',
  '-CA',
  'ca.pem',
  '-CAkey',
  'ca-key.pem',
  '-CAcreateserial',
  '-days',
  '1',
  '-extfile',
  'ext',
  '-out',
  'cert.pem',
])

const env = { ...process.env, NODE_EXTRA_CA_CERTS: join(work, 'ca.pem') }
for (const k of Object.keys(env)) if (k.startsWith('BRIEFD_')) delete env[k]

async function freePort() {
  const s = createServer()
  await new Promise((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address()
  await new Promise((r) => s.close(r))
  return port
}

function briefd(args, extra = {}) {
  return execFileSync(process.execPath, [BIN, ...args], {
    env: { ...env, ...extra },
    encoding: 'utf8',
  })
}

async function serve(args) {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stderr.on('data', (d) => (out += d))
  child.stdout.on('data', (d) => (out += d))
  for (let i = 0; i < 100 && !/listening|PORT|serving/i.test(out); i++)
    await new Promise((r) => setTimeout(r, 100))
  return child
}

// Hosted daemon: public mode with API keys only.
const port = await freePort()
const remote = `https://127.0.0.1:${port}`
const hostedState = join(work, 'hosted-state')
const key = briefd([
  'apikey',
  'create',
  '--name',
  'bench',
  '--scope',
  'briefd:read',
  '--state-dir',
  hostedState,
]).trim()
const hosted = await serve([
  '--resource',
  remote,
  '--tls-cert',
  join(work, 'cert.pem'),
  '--tls-key',
  join(work, 'key.pem'),
  '--port',
  String(port),
  '--content',
  contentDir,
  '--state-dir',
  hostedState,
])
// Loopback daemon.
const localState = join(work, 'local-state')
const local = await serve(['--port', '0', '--content', contentDir, '--state-dir', localState])
await new Promise((r) => setTimeout(r, 1000))

const config = join(work, 'config')
writeFileSync(join(work, 'apikey'), `${key}\n`, { mode: 0o600 })
briefd(['login', remote, '--api-key-file', join(work, 'apikey')], { BRIEFD_CONFIG_DIR: config })
const remoteToken = join(work, 'remote-token.json')
const localToken = join(work, 'local-token.json')
briefd(['session', 'start', '--remote', remote, '--token-file', remoteToken], {
  BRIEFD_CONFIG_DIR: config,
})
briefd(['session', 'start', '--token-file', localToken], { BRIEFD_STATE_DIR: localState })
const instructions = readFileSync(join(contentDir, 'instructions.md'), 'utf8').trim().slice(0, 40)

async function initMs(tokenFile, extra) {
  const t0 = performance.now()
  const child = spawn(process.execPath, [BIN, 'mcp'], {
    env: { ...env, BRIEFD_TOKEN_FILE: tokenFile, ...extra },
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  let buf = ''
  const got = new Promise((r) =>
    child.stdout.on('data', (d) => ((buf += d), buf.includes('\n') && r())),
  )
  child.stdin.write(
    `${JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'bench', version: '1' },
      },
    })}\n`,
  )
  await got
  const ms = performance.now() - t0
  if (!JSON.parse(buf.split('\n')[0]).result.instructions.includes(instructions))
    throw new Error('initialize without the confidential instructions')
  child.stdin.end()
  await once(child, 'exit')
  return ms
}

const r = { local: [], remote: [], ratio: [], headers: [] }
for (let i = 0; i < ROUNDS; i++) {
  const l = await initMs(localToken, { BRIEFD_STATE_DIR: localState })
  const h = await initMs(remoteToken, { BRIEFD_REMOTE: remote, BRIEFD_CONFIG_DIR: config })
  r.local.push(l)
  r.remote.push(h)
  r.ratio.push(h / l)
  const t = performance.now()
  briefd(['headers', remote], { BRIEFD_CONFIG_DIR: config })
  r.headers.push(performance.now() - t)
}
console.log(await machine())
console.log(`rounds: ${ROUNDS}`)
console.log(`briefd mcp spawn → initialize, loopback daemon:      ${median(r.local).toFixed(1)} ms`)
console.log(
  `briefd mcp spawn → initialize, hosted daemon (TLS):  ${median(r.remote).toFixed(1)} ms`,
)
console.log(`ratio hosted / loopback (median of per-round ratios): ${median(r.ratio).toFixed(3)}×`)
console.log(
  `briefd headers, cached session token (process):      ${median(r.headers).toFixed(1)} ms`,
)
hosted.kill('SIGTERM')
local.kill('SIGTERM')
await Promise.all([once(hosted, 'exit'), once(local, 'exit')])
rmSync(work, { recursive: true, force: true })

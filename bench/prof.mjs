// Ad-hoc: CPU-profile one benchmark server under load. node bench/prof.mjs <kind> <connections>
import autocannon from 'autocannon'
import { mkdtempSync } from 'node:fs'
import { resolve } from 'node:path'
import { startServer } from './lib.mjs'
const [kind = 'briefd', conns = '1'] = process.argv.slice(2)
const stateDir = mkdtempSync('/tmp/bb-')
const s = await startServer([
  '--cpu-prof',
  '--cpu-prof-dir=/tmp/prof',
  'bench/servers.mjs',
  kind,
  resolve('examples/content'),
  stateDir,
])
let headers = {}
if (kind === 'briefd') {
  const { requestSession } = await import('../dist/client/session-api.js')
  const { readBootstrapCredential } = await import('../dist/shared/state-files.js')
  const session = await requestSession({
    url: `http://127.0.0.1:${s.port}`,
    bootstrap: readBootstrapCredential(stateDir),
    timeoutMs: 2000,
  })
  headers = { authorization: `Bearer ${session.token}` }
}
const r2 = await autocannon({
  url: `http://127.0.0.1:${s.port}/v1/templates/review-verdict`,
  connections: Number(conns),
  duration: 5,
  headers,
})
console.log(r2.statusCodeStats, r2.requests.average)
await s.stop()

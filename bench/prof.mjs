import autocannon from 'autocannon'
import { mkdtempSync } from 'node:fs'
import { startServer } from './lib.mjs'
const stateDir = mkdtempSync('/tmp/bb-')
const s = await startServer(['--cpu-prof', '--cpu-prof-dir=/tmp/prof', 'bench/servers.mjs', 'briefd', '/work/main/content', stateDir])
const { requestSession } = await import('../dist/client/sessions.js')
const { readBootstrapCredential } = await import('../dist/shared/state-files.js')
const session = await requestSession({ url: `http://127.0.0.1:${s.port}`, bootstrap: readBootstrapCredential(stateDir), timeoutMs: 2000 })
const r2 = await autocannon({ url: `http://127.0.0.1:${s.port}/v1/templates/review-verdict`, connections: 50, duration: 5, headers: { authorization: `Bearer ${session.token}` } })
console.log(r2.statusCodeStats, r2.requests.average)
await s.stop()

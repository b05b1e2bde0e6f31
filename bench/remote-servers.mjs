// Benchmark servers for bench/remote.mjs, one per process, both over TLS with the same
// certificate and the same template bytes: `bare-hono-tls` (@hono/node-server on node:https,
// no auth) and `briefd-public` (the real daemon in public mode: `--resource`, `--issuer`,
// `--tls-cert/--tls-key`; Host guard, access tokens and API keys, rate limits, audit log).
// Usage: node bench/remote-servers.mjs <kind> <json options>; prints `PORT <n>` on stdout.
// Started with an IPC channel: answers `cpu` with process.cpuUsage() (µs, user + system), so
// the bench reads the server's own CPU time at microsecond resolution.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { serverCredentials, tlsIn } from './tls.mjs'

const [kind, json] = process.argv.slice(2)
const options = JSON.parse(json)
const name = 'review-verdict'
const content = readFileSync(join(options.contentDir, 'templates', `${name}.md`), 'utf8')
const body = JSON.stringify({ name, content, etag: '"x"' })
const headers = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }

process.on('message', (m) => {
  if (m === 'cpu') {
    const u = process.cpuUsage()
    process.send({ cpu: u.user + u.system })
  }
})

async function main() {
  const tls = tlsIn(options.tlsDir)
  if (kind === 'bare-hono-tls') {
    process.on('SIGTERM', () => process.exit(0))
    const { createServer } = await import('node:https')
    const { Hono } = await import('hono')
    const { serve } = await import('@hono/node-server')
    const app = new Hono()
    app.get('/v1/templates/:name', (c) => c.body(body, 200, headers))
    serve(
      {
        fetch: app.fetch,
        port: 0,
        hostname: '127.0.0.1',
        createServer,
        serverOptions: serverCredentials(tls),
      },
      (info) => console.log(`PORT ${info.port}`),
    )
    return
  }
  if (kind === 'briefd-public') {
    const { resolveDaemonConfig } = await import('../dist/daemon/config.js')
    const { startDaemon } = await import('../dist/daemon/server.js')
    const { silentLogger } = await import('../dist/shared/log.js')
    const config = resolveDaemonConfig(
      {
        port: String(options.port),
        content: options.contentDir,
        stateDir: options.stateDir,
        resource: options.resource,
        issuer: [options.issuer],
        tlsCert: tls.certPath,
        tlsKey: tls.keyPath,
      },
      {},
    )
    const d = await startDaemon(config, { logger: silentLogger })
    console.log(`PORT ${d.port}`)
    process.on('SIGTERM', () => void d.close().then(() => process.exit(0)))
    return
  }
  throw new Error(`unknown server kind ${kind}`)
}
await main()

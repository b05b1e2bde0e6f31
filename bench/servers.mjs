// Benchmark servers, one per process so each is measured alone. Each serves the same
// template bytes: `bare-http` (node:http), `bare-hono` (@hono/node-server, no auth), and
// `briefd` (the real daemon: Host/Origin guard, session auth, rate limits, audit log).
// Usage: node bench/servers.mjs <kind> <contentDir> <stateDir>; prints `PORT <n>` on stdout.
import { createServer } from 'node:http'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const [kind, contentDir, stateDir] = process.argv.slice(2)
if (kind !== 'briefd') process.on('SIGTERM', () => process.exit(0))
const name = 'review-verdict'
const content = readFileSync(join(contentDir, 'templates', `${name}.md`), 'utf8')
const body = JSON.stringify({ name, content, etag: '"x"' })
const headers = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }

async function main() {
  if (kind === 'bare-http') {
    const server = createServer((req, res) => {
      res.writeHead(200, headers)
      res.end(body)
    })
    server.listen(0, '127.0.0.1', () => console.log(`PORT ${server.address().port}`))
    return
  }
  if (kind === 'bare-hono') {
    const { Hono } = await import('hono')
    const { serve } = await import('@hono/node-server')
    const app = new Hono()
    app.get('/v1/templates/:name', (c) => c.body(body, 200, headers))
    serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      console.log(`PORT ${info.port}`),
    )
    return
  }
  if (kind === 'briefd') {
    const { resolveDaemonConfig } = await import('../dist/daemon/config.js')
    const { startDaemon } = await import('../dist/daemon/server.js')
    const { silentLogger } = await import('../dist/shared/log.js')
    // /health is rate limited per daemon; the bench measures its cost, not the limit.
    const config = resolveDaemonConfig(
      { port: '0', content: contentDir, stateDir },
      { BRIEFD_RATE_HEALTH: '1000000/1000000' },
    )
    const d = await startDaemon(config, { logger: silentLogger })
    console.log(`PORT ${d.port}`)
    process.on('SIGTERM', () => void d.close().then(() => process.exit(0)))
    return
  }
  throw new Error(`unknown server kind ${kind}`)
}
await main()

// Benchmark servers for bench/mcp-http.mjs, one per process so each is measured alone:
// `bare` is the MCP SDK's Streamable HTTP server with nothing else (stateless: a fresh
// McpServer and transport per request, one tool answering the same rendered template text,
// no auth), on @hono/node-server like the daemon; `briefd` is the daemon with `--tools`
// (guard, credential gate, rate limits, scope check, argument check, audit line per call).
// Usage: node bench/mcp-http-servers.mjs <kind> <contentDir> <stateDir> <tools.json>
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const [kind, contentDir, stateDir, toolsFile] = process.argv.slice(2)
if (kind !== 'briefd') process.on('SIGTERM', () => process.exit(0))

async function main() {
  if (kind === 'bare') {
    const { Hono } = await import('hono')
    const { serve } = await import('@hono/node-server')
    const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js')
    const { WebStandardStreamableHTTPServerTransport } =
      await import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js')
    const { z } = await import('zod')
    const { renderTemplate } = await import('../dist/briefing/render.js')
    const template = readFileSync(join(contentDir, 'templates', 'review-verdict.md'), 'utf8')
    const app = new Hono()
    app.post('/mcp', async (c) => {
      const server = new McpServer({ name: 'bare', version: '1.0.0' })
      server.registerTool(
        'review_verdict',
        {
          description: 'Return the review verdict.',
          inputSchema: {
            verdict: z.enum(['APPROVE', 'COMMENT', 'REQUEST_CHANGES']),
            findings: z.string().optional(),
          },
        },
        async (args) => ({ content: [{ type: 'text', text: renderTemplate(template, args) }] }),
      )
      const transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      })
      await server.connect(transport)
      try {
        return await transport.handleRequest(c.req.raw)
      } finally {
        await server.close()
      }
    })
    serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      console.log(`PORT ${info.port}`),
    )
    return
  }
  if (kind === 'briefd') {
    const { resolveDaemonConfig } = await import('../dist/daemon/config.js')
    const { startDaemon } = await import('../dist/daemon/server.js')
    const { silentLogger } = await import('../dist/shared/log.js')
    const config = resolveDaemonConfig(
      { port: '0', content: contentDir, stateDir, tools: toolsFile },
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

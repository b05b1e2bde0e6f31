// The baseline for `npm run bench:mcp`: a bare SDK stdio server of the same shape as the one
// `briefd mcp` builds (McpServer, the same instructions and template, one tool with a zod
// schema), with the content read from files given on the command line — as if hard-coded.
// Usage: node bench/mcp-bare.mjs <instructions.md> <template.md>
import { readFileSync } from 'node:fs'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { z } from 'zod'

const [instructionsPath, templatePath] = process.argv.slice(2)
const instructions = readFileSync(instructionsPath, 'utf8')
const template = readFileSync(templatePath, 'utf8')

const server = new McpServer({ name: 'bare', version: '1.0.0' }, { instructions })
server.registerTool(
  'review_verdict',
  {
    description: 'Return the review verdict with the findings that support it.',
    inputSchema: {
      verdict: z.enum(['APPROVE', 'COMMENT', 'REQUEST_CHANGES']),
      findings: z.string().max(20000).optional(),
    },
    annotations: { readOnlyHint: true },
  },
  async (args) => ({
    content: [
      {
        type: 'text',
        text: template.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}/g, (_m, k) =>
          String(args[k] ?? ''),
        ),
      },
    ],
  }),
)
await server.connect(new StdioServerTransport())

// node examples/custom-server.mjs — an MCP server with its own tool logic that takes only
// the confidential parts from briefd: the instructions, the briefing, and the template a tool
// renders. `review_verdict` does its own work (here: it remembers the verdicts) and then
// renders its template; the other manifest tools render theirs as `briefd mcp` would.
// Register it with a host as: node /path/to/examples/custom-server.mjs
import { fileURLToPath } from 'node:url'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { createLogger, createMcpServer } from 'briefd'

const verdicts = []

const server = await createMcpServer({
  manifest: fileURLToPath(new URL('./tools.json', import.meta.url)),
  logger: createLogger({ name: 'custom-server' }), // stderr only: stdout is the protocol
  handlers: {
    review_verdict: async (args, { render }) => {
      verdicts.push(args.verdict)
      const result = await render()
      return {
        ...result,
        content: [
          ...result.content,
          { type: 'text', text: `(verdict ${verdicts.length} of this session)` },
        ],
      }
    },
  },
})
// Your own tools sit beside the manifest's.
server.registerTool(
  'verdict_count',
  { description: 'How many verdicts this session gave.', annotations: { readOnlyHint: true } },
  () => ({
    content: [{ type: 'text', text: String(verdicts.length) }],
  }),
)
await server.connect(new StdioServerTransport())

/**
 * @module plugin/entry
 * The entry of the single-file briefd that `briefd plugin build` puts into a plugin
 * (dist/plugin/briefd.mjs, bundled by esbuild). A plugin is installed without node_modules,
 * so the hooks and the MCP server must run from this one file. Like bin/briefd.js, `mcp`
 * goes straight to the MCP server without loading commander or any daemon module: the
 * bundle evaluates a module only when its dynamic import runs.
 */
import { fileURLToPath } from 'node:url'
import { setSelfEntry } from '../shared/self-entry.js'

setSelfEntry(fileURLToPath(import.meta.url))

const command = process.argv[2]
if (command === 'mcp') {
  const { main } = await import('../mcp/main.js')
  process.exitCode = await main(process.argv)
} else {
  const { main } = await import('../cli/main.js')
  process.exitCode = await main(process.argv)
}

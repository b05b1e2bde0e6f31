/**
 * @module plugin/entry
 * The entry of the single-file briefd that `briefd plugin build` puts into a plugin
 * (dist/plugin/briefd.mjs, bundled by esbuild). A plugin is installed without node_modules,
 * so the hooks and the MCP server must run from this one file. Like bin/briefd.js, `mcp`
 * goes straight to the MCP server without loading commander or any daemon module: the
 * bundle evaluates a module only when its dynamic import runs.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setSelfEntry } from '../shared/self-entry.js'

const self = fileURLToPath(import.meta.url)
setSelfEntry(self)
// The plugin's own manifest (plugin/layout's tools.json, next to runtime/) is the default one:
// the package's example manifest is not in a plugin, and `briefd doctor` probes `mcp` bare.
if (!process.env.BRIEFD_TOOLS) process.env.BRIEFD_TOOLS = join(dirname(dirname(self)), 'tools.json')

const command = process.argv[2]
if (command === 'mcp') {
  const { main } = await import('../mcp/main.js')
  process.exitCode = await main(process.argv)
} else {
  const { main } = await import('../cli/main.js')
  process.exitCode = await main(process.argv)
}

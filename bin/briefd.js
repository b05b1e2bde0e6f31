#!/usr/bin/env node
// Shim only: the code lives in dist/. `briefd mcp` goes straight to the MCP server's
// single-file bundle (dist/mcp/bundle.js, built by esbuild from dist/mcp/main.js): one file
// starts faster and uses less memory than ~100 separate SDK modules, and it never loads
// commander or any daemon module.
const command = process.argv[2]
const entry = command === 'mcp' ? '../dist/mcp/bundle.js' : '../dist/cli/main.js'
let mod
try {
  mod = await import(entry)
} catch (err) {
  const missing = err && err.code === 'ERR_MODULE_NOT_FOUND'
  const why =
    missing && /Cannot find module '[^']*\/dist\//.test(String(err.message))
      ? 'dist/ is missing; run `npm run build` first'
      : missing
        ? 'a dependency is missing; run `npm install` in the briefd package first'
        : `cannot load (${String(err && err.message).split('\n')[0]})`
  process.stderr.write(`briefd: ${why}\n`)
  // A session hook must never block or fail the host's session: warn and exit 0.
  process.exit(command === 'session' ? 0 : 1)
}
process.exitCode = await mod.main(process.argv)

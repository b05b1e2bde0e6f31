#!/usr/bin/env node
// Shim only: the code lives in dist/. `briefd mcp` goes straight to the MCP server's
// single-file bundle (dist/mcp/bundle.js, built by esbuild from dist/mcp/main.js): one file
// starts faster and uses less memory than ~100 separate SDK modules, and it never loads
// commander or any daemon module.
const entry = process.argv[2] === 'mcp' ? '../dist/mcp/bundle.js' : '../dist/cli/main.js'
let mod
try {
  mod = await import(entry)
} catch (err) {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('/dist/')) {
    process.stderr.write('briefd: dist/ is missing; run `npm run build` first\n')
    process.exit(1)
  }
  throw err
}
process.exitCode = await mod.main(process.argv)

// The MCP server's import graph: it must not reach daemon code (src/daemon, src/tokens,
// src/content) or the daemon's libraries, so `briefd mcp` can neither read the content dir nor
// pay for Hono and jose at start-up. esbuild's metafile lists every module the bundle pulls in.
import { describe, expect, it } from 'vitest'
import { build } from 'esbuild'

describe('the briefd mcp bundle', () => {
  it('imports no daemon module and no daemon library', async () => {
    const result = await build({
      entryPoints: ['dist/mcp/main.js'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    })
    const inputs = Object.keys(result.metafile.inputs)
    expect(inputs).toContain('dist/mcp/main.js')
    expect(
      inputs.filter((i) => /^dist\/(daemon|tokens|content|access|apikeys|oauth|cli)\//.test(i)),
    ).toEqual([])
    expect(inputs.filter((i) => /node_modules\/(hono|jose|@hono|commander)\//.test(i))).toEqual([])
  })
})

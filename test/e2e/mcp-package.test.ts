// The leak scan: the built code (dist/) and the npm package must not contain any of the
// example content's text, and the packaged `briefd mcp` must work with no content dir at all
// (generic content alone, confidential content only through the daemon).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { childEnv, firstText, sourceOf, writeSessionTokenFile } from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'
import { contentPieces as scanPieces, leaks, normalise } from '../helpers/content-scan.js'

const CONTENT_DIR = resolve('examples/content')
const contentPieces = (): string[] => scanPieces(CONTENT_DIR)

let pkgDir: string
let packed: string[]

beforeAll(() => {
  const dest = tempDir('briefd-pack-')
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dest], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[]
  if (!info) throw new Error('npm pack printed no result')
  packed = info.files.map((f) => f.path)
  execFileSync('tar', ['-xzf', join(dest, info.filename), '-C', dest])
  pkgDir = join(dest, 'package')
}, 60_000)

describe('the built code and the package', () => {
  it('has example content to scan for (the scan itself is not vacuous)', () => {
    const pieces = contentPieces()
    expect(pieces.length).toBeGreaterThan(100)
    expect(leaks(pieces, CONTENT_DIR).length).toBeGreaterThan(0)
  })

  it('dist/ contains none of the example content', () => {
    expect(leaks(contentPieces(), resolve('dist'))).toEqual([])
  })

  it('the npm package ships no content dir and none of the example content', () => {
    expect(packed.filter((p) => /^(examples\/)?content\//.test(p))).toEqual([])
    expect(packed).toEqual(
      expect.arrayContaining([
        'bin/briefd.js',
        'dist/mcp/bundle.js',
        'dist/plugin/briefd.mjs',
        'dist/index.js',
        'examples/tools.json',
      ]),
    )
    expect(leaks(contentPieces(), pkgDir)).toEqual([])
  })
})

describe('the packaged briefd mcp', () => {
  let daemon: TestDaemon
  beforeAll(async () => {
    daemon = await startTestDaemon({ contentDir: CONTENT_DIR })
  })
  afterAll(async () => {
    await daemon.close()
  })

  async function connect(env: Record<string, string>): Promise<Client> {
    // Run from an empty directory, with no node_modules and no content dir anywhere near it.
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [join(pkgDir, 'bin/briefd.js'), 'mcp'],
      cwd: tempDir('briefd-empty-'),
      env: childEnv(env),
      stderr: 'pipe',
    })
    const client = new Client({ name: 'briefd-test', version: '1.0.0' })
    await client.connect(transport)
    return client
  }

  it('serves the example tools with generic content when there is no token', async () => {
    const client = await connect({})
    try {
      const { tools } = await client.listTools()
      expect(tools.map((t) => t.name)).toEqual([
        'review_start',
        'score_change',
        'review_verdict',
        'reviewer_brief',
        'read_briefing',
      ])
      const r = await client.callTool({ name: 'review_verdict', arguments: { verdict: 'APPROVE' } })
      expect(sourceOf(r)).toBe('fallback')
      expect(
        contentPieces().filter((p) =>
          normalise(JSON.stringify(r) + (client.getInstructions() ?? '')).includes(p),
        ),
      ).toEqual([])
    } finally {
      await client.close()
    }
  })

  it('serves the confidential content from the daemon with a token', async () => {
    const tokenPath = join(tempDir('briefd-token-'), 'token.json')
    writeSessionTokenFile(tokenPath, await daemon.newSession(), daemon.url)
    const client = await connect({ BRIEFD_TOKEN_FILE: tokenPath })
    try {
      const instructions = readFileSync(join(CONTENT_DIR, 'instructions.md'), 'utf8')
      expect(client.getInstructions()).toContain(instructions.trim())
      const r = await client.callTool({
        name: 'review_verdict',
        arguments: { verdict: 'APPROVE', findings: 'a.ts:1 — breaks' },
      })
      expect(sourceOf(r)).toBe('current')
      expect(firstText(r)).toMatch(/^Lanternfish verdict: APPROVE\n/)
    } finally {
      await client.close()
    }
  })
})

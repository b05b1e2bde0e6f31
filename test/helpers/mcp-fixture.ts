/** The usual setup of an end-to-end `briefd mcp` test file: real daemon, test manifest, a token file. */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeContent, type TestContent } from './content.js'
import { startTestDaemon, type TestDaemon } from './daemon.js'
import { testManifest, writeSessionTokenFile } from './mcp.js'
import { tempDir } from './tmp.js'

export interface McpFixture {
  content: TestContent
  daemon: TestDaemon
  /** A temp dir holding the two files below. */
  dir: string
  /** The test manifest (tools.json). */
  manifestPath: string
  /** A token file with a fresh session of `daemon`. */
  tokenPath: string
}

export async function startMcpFixture(): Promise<McpFixture> {
  const content = makeContent()
  const daemon = await startTestDaemon({ contentDir: content.dir })
  const dir = tempDir('briefd-mcp-')
  const manifestPath = join(dir, 'tools.json')
  writeFileSync(manifestPath, JSON.stringify(testManifest()))
  const tokenPath = join(dir, 'token.json')
  writeSessionTokenFile(tokenPath, await daemon.newSession(), daemon.url)
  return { content, daemon, dir, manifestPath, tokenPath }
}

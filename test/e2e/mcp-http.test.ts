// The daemon's /mcp against `briefd mcp` for the same session: the same instructions, tools,
// prompt and texts, because both are the one server in src/briefing/. And `briefd serve
// --tools` as a real process, spoken to by the SDK's real Client over Streamable HTTP with a
// token from `briefd token`, as the README shows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { makeContent, type TestContent } from '../helpers/content.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import {
  BIN,
  EXAMPLE_TOOLS,
  childEnv,
  firstText,
  startMcp,
  testManifest,
  writeSessionTokenFile,
} from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'

async function httpClient(url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'briefd-e2e', version: '1.0.0' })
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  )
  return client
}

describe('/mcp and briefd mcp for the same session', () => {
  let content: TestContent
  let daemon: TestDaemon
  let tools: string
  beforeAll(async () => {
    content = makeContent()
    tools = join(tempDir('briefd-e2e-http-'), 'tools.json')
    writeFileSync(tools, JSON.stringify(testManifest()))
    daemon = await startTestDaemon({ contentDir: content.dir, flags: { tools } })
  })
  afterAll(async () => {
    await daemon?.close()
  })

  it('give the same instructions, tools, prompt and tool results', async () => {
    const session = await daemon.newSession()
    const tokenFile = join(tempDir('briefd-e2e-http-'), 'token.json')
    writeSessionTokenFile(tokenFile, session, daemon.url)
    const stdio = await startMcp({
      env: { BRIEFD_TOKEN_FILE: tokenFile },
      args: ['--tools', tools],
    })
    const http = await httpClient(daemon.url, session.token)
    try {
      expect(http.getInstructions()).toBe(stdio.client.getInstructions())
      expect(http.getInstructions()).toContain(content.canary.instructions)
      expect(await http.listTools()).toEqual(await stdio.client.listTools())
      expect(await http.listPrompts()).toEqual(await stdio.client.listPrompts())
      expect(await http.getPrompt({ name: 'briefing' })).toEqual(
        await stdio.client.getPrompt({ name: 'briefing' }),
      )
      for (const call of [
        { name: 'give_verdict', arguments: { verdict: 'APPROVE', target: 'PR-1' } },
        { name: 'give_verdict', arguments: { verdict: 'nope', target: 'PR-1' } },
        { name: 'hidden', arguments: {} },
        { name: 'missing', arguments: {} },
        { name: 'read_briefing', arguments: {} },
      ]) {
        expect(await http.callTool(call), call.name).toEqual(await stdio.client.callTool(call))
      }
    } finally {
      await http.close()
      await stdio.close()
    }
  })
})

describe('briefd serve --tools (a real process)', () => {
  it('serves the example tools at /mcp to a client holding a token from `briefd token`', async () => {
    const stateDir = join(tempDir('briefd-e2e-serve-'), 'state')
    const child = spawn(
      process.execPath,
      [
        BIN,
        'serve',
        '--port',
        '0',
        '--state-dir',
        stateDir,
        '--content',
        'examples/content',
        '--tools',
        EXAMPLE_TOOLS,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: childEnv() },
    )
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()))
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listen line: ${stderr}`)), 15_000)
        child.stderr.on('data', () => {
          const m = /daemon listening on (http:\/\/\S+)/.exec(stderr)
          // The MCP line follows the listen line, maybe in a later chunk.
          if (m?.[1] && stderr.includes(`${m[1]}/mcp`)) {
            clearTimeout(timer)
            resolve(m[1])
          }
        })
      })
      expect(stderr).toContain(`${url}/mcp`)
      const token = execFileSync(process.execPath, [BIN, 'token', '--state-dir', stateDir], {
        env: childEnv(),
        encoding: 'utf8',
      }).trim()
      const client = await httpClient(url, token)
      const { tools } = await client.listTools()
      expect(tools.map((t) => t.name)).toContain('review_verdict')
      const r = await client.callTool({ name: 'review_verdict', arguments: { verdict: 'APPROVE' } })
      expect(r.isError).toBeFalsy()
      expect(r._meta).toBeUndefined()
      expect(firstText(r)).toContain('APPROVE')
      await client.close()
    } finally {
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      await exited
    }
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import * as types from '@modelcontextprotocol/sdk/types.js'
import { BriefdClient } from '../../src/client/briefd-client.js'
import { parseManifest, type Manifest } from '../../src/briefing/manifest.js'
import { createBriefdServer } from '../../src/briefing/server.js'
import { createLogger } from '../../src/shared/log.js'
import { makeContent, type TestContent } from '../helpers/content.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import {
  deliveries,
  firstText,
  GENERIC,
  sourceOf,
  testManifest,
  writeSessionTokenFile,
} from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'

let content: TestContent
let daemon: TestDaemon
let tokenEnv: Record<string, string>

beforeAll(async () => {
  content = makeContent()
  daemon = await startTestDaemon({ contentDir: content.dir })
  const path = join(tempDir('briefd-server-'), 'token.json')
  writeSessionTokenFile(path, await daemon.newSession(), daemon.url)
  tokenEnv = { BRIEFD_TOKEN_FILE: path }
})
afterAll(async () => {
  await daemon.close()
})

async function connect(o: {
  env: Record<string, string>
  manifest?: Manifest
}): Promise<{ client: Client; logs: string[] }> {
  const logs: string[] = []
  const manifest = o.manifest ?? parseManifest(testManifest(), 'test.json')
  const server = createBriefdServer({
    sdk: { Server, types },
    manifest,
    client: new BriefdClient({ env: o.env }),
    instructions: 'INSTRUCTIONS',
    logger: createLogger({ name: 'test', write: (l) => void logs.push(l) }),
  })
  const [a, b] = InMemoryTransport.createLinkedPair()
  const client = new Client({ name: 't', version: '1' })
  await Promise.all([server.connect(a), client.connect(b)])
  return { client, logs }
}

describe('createBriefdServer', () => {
  it('answers initialize with the instructions it was given', async () => {
    const { client } = await connect({ env: tokenEnv })
    expect(client.getInstructions()).toBe('INSTRUCTIONS')
    expect(client.getServerCapabilities()).toMatchObject({ tools: {}, prompts: {} })
  })

  it('makes one daemon request for a burst of calls for an uncached template', async () => {
    const { client } = await connect({ env: tokenEnv })
    const before = deliveries(daemon.stateDir, 'template:hidden')
    const results = await Promise.all(
      Array.from({ length: 20 }, () => client.callTool({ name: 'hidden', arguments: {} })),
    )
    expect(new Set(results.map((r) => sourceOf(r)))).toEqual(new Set(['current']))
    expect(deliveries(daemon.stateDir, 'template:hidden')).toBe(before + 1)
  })

  it('serves the fallback and logs one warning per outage, not per call', async () => {
    const path = join(tempDir('briefd-server-'), 'token.json')
    writeSessionTokenFile(
      path,
      { token: 't', session_id: 's', expires_at: new Date(Date.now() + 60_000).toISOString() },
      'http://127.0.0.1:9',
    )
    const { client, logs } = await connect({ env: { BRIEFD_TOKEN_FILE: path } })
    for (let i = 0; i < 3; i++) {
      const r = await client.callTool({
        name: 'give_verdict',
        arguments: { verdict: 'REJECT', target: 'x' },
      })
      expect(firstText(r)).toBe('GENERIC-VERDICT REJECT for x')
    }
    const briefing = await client.getPrompt({ name: 'briefing' })
    expect(briefing.messages[0]?.content).toEqual({ type: 'text', text: GENERIC.briefing })
    expect(briefing._meta).toEqual({
      'briefd/source': 'fallback',
      'briefd/reason': 'ERR_DAEMON_UNREACHABLE',
    })
    expect(logs.filter((l) => l.includes('warn'))).toHaveLength(1)
  })

  it('refuses arguments to the briefing tool and unknown prompts', async () => {
    const { client } = await connect({ env: tokenEnv })
    const r = await client.callTool({ name: 'read_briefing', arguments: { x: 1 } })
    expect(r).toMatchObject({
      isError: true,
      content: [
        { type: 'text', text: 'Invalid arguments for tool read_briefing: it takes no arguments' },
      ],
    })
    await expect(client.getPrompt({ name: 'other' })).rejects.toMatchObject({ code: -32602 })
  })

  it('offers neither the briefing tool nor the prompt when the manifest turns them off', async () => {
    const raw = testManifest()
    raw.briefing = { tool: null, prompt: null }
    const { client } = await connect({ env: tokenEnv, manifest: parseManifest(raw, 'test.json') })
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual([
      'give_verdict',
      'hidden',
      'missing',
    ])
    expect(client.getServerCapabilities()?.prompts).toBeUndefined()
  })

  it('keeps manifest annotations over the read-only defaults', async () => {
    const raw = testManifest()
    ;(raw.tools as Record<string, unknown>[])[1] = {
      ...(raw.tools as Record<string, unknown>[])[1],
      annotations: { title: 'H', openWorldHint: true },
    }
    const { client } = await connect({ env: tokenEnv, manifest: parseManifest(raw, 'test.json') })
    const hidden = (await client.listTools()).tools.find((t) => t.name === 'hidden')
    expect(hidden?.annotations).toEqual({
      title: 'H',
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: true,
    })
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { BriefdClient, createMcpServer, type ToolHandler } from '../../src/index.js'
import { makeContent, type TestContent } from '../helpers/content.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import {
  firstText,
  GENERIC,
  sourceOf,
  testManifest,
  writeSessionTokenFile,
} from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'

let content: TestContent
let daemon: TestDaemon
let manifestPath: string
let tokenEnv: Record<string, string>

beforeAll(async () => {
  content = makeContent()
  daemon = await startTestDaemon({ contentDir: content.dir })
  const dir = tempDir('briefd-helper-')
  manifestPath = join(dir, 'tools.json')
  writeFileSync(manifestPath, JSON.stringify(testManifest()))
  writeSessionTokenFile(join(dir, 'token.json'), await daemon.newSession(), daemon.url)
  tokenEnv = { BRIEFD_TOKEN_FILE: join(dir, 'token.json') }
})
afterAll(async () => {
  await daemon.close()
})

async function connect(server: McpServer): Promise<Client> {
  const [a, b] = InMemoryTransport.createLinkedPair()
  const client = new Client({ name: 't', version: '1' })
  await Promise.all([server.connect(a), client.connect(b)])
  return client
}

describe('createMcpServer', () => {
  it('builds an McpServer with the confidential instructions, the manifest tools and the briefing', async () => {
    const client = await connect(
      await createMcpServer({
        manifest: manifestPath,
        client: new BriefdClient({ env: tokenEnv }),
      }),
    )
    expect(client.getInstructions()).toContain(content.canary.instructions)
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name)).toEqual(['give_verdict', 'hidden', 'missing', 'read_briefing'])
    expect(tools[0]?.inputSchema).toMatchObject({
      type: 'object',
      properties: { verdict: { type: 'string', enum: ['APPROVE', 'REJECT'] } },
      required: ['verdict', 'target'],
    })
    expect(tools[0]?.annotations).toMatchObject({ readOnlyHint: true })
    const r = await client.callTool({
      name: 'give_verdict',
      arguments: { verdict: 'APPROVE', target: 'x' },
    })
    expect(firstText(r)).toBe(`Verdict: APPROVE for x. ${content.canary.template}\n`)
    expect(firstText(await client.callTool({ name: 'read_briefing', arguments: {} }))).toContain(
      content.canary.briefing,
    )
    const prompt = await client.getPrompt({ name: 'briefing' })
    expect(prompt.messages[0]?.content).toMatchObject({
      text: expect.stringContaining(content.canary.briefing),
    })
  })

  it('runs a custom handler with checked arguments and lets it render its template', async () => {
    const seen: unknown[] = []
    const handler: ToolHandler = async (args, { render }) => {
      seen.push(args)
      const rendered = await render({ ...args, target: `${String(args.target)}!` })
      return { ...rendered, content: [...rendered.content, { type: 'text', text: 'saved' }] }
    }
    const server = await createMcpServer({
      manifest: manifestPath,
      client: new BriefdClient({ env: tokenEnv }),
      handlers: { give_verdict: handler },
    })
    const client = await connect(server)
    const tool = (await client.listTools()).tools.find((t) => t.name === 'give_verdict')
    // A handler may have effects: the read-only defaults are not claimed for it.
    expect(tool?.annotations?.readOnlyHint).toBeUndefined()
    const r = await client.callTool({
      name: 'give_verdict',
      arguments: { verdict: 'REJECT', target: 'y' },
    })
    expect(seen).toEqual([{ verdict: 'REJECT', target: 'y' }])
    expect((r.content as { text: string }[]).map((c) => c.text)).toEqual([
      `Verdict: REJECT for y!. ${content.canary.template}\n`,
      'saved',
    ])
    const bad = await client.callTool({
      name: 'give_verdict',
      arguments: { verdict: 'MAYBE', target: 'y' },
    })
    expect(bad.isError).toBe(true)
    expect(seen).toHaveLength(1)
  })

  it('falls back to the generic instructions and texts without a token', async () => {
    const client = await connect(
      await createMcpServer({ manifest: manifestPath, client: new BriefdClient({ env: {} }) }),
    )
    expect(client.getInstructions()).toBe(GENERIC.instructions)
    const r = await client.callTool({
      name: 'give_verdict',
      arguments: { verdict: 'APPROVE', target: 'x' },
    })
    expect(sourceOf(r)).toBe('fallback')
    expect(firstText(r)).toBe('GENERIC-VERDICT APPROVE for x')
  })

  it('lets the author register more tools on the returned server', async () => {
    const server = await createMcpServer({
      manifest: manifestPath,
      client: new BriefdClient({ env: {} }),
    })
    server.registerTool('ping', { description: 'p' }, () => ({
      content: [{ type: 'text', text: 'pong' }],
    }))
    const client = await connect(server)
    expect(firstText(await client.callTool({ name: 'ping', arguments: {} }))).toBe('pong')
  })

  it('refuses a handler for a tool the manifest does not have', async () => {
    await expect(
      createMcpServer({
        manifest: manifestPath,
        client: new BriefdClient({ env: {} }),
        handlers: { nope: () => ({ content: [] }) },
      }),
    ).rejects.toThrow(TypeError)
  })

  it('checks patterns in linear time, never with the SDK native RegExp, and still publishes them', async () => {
    const manifest = testManifest()
    const dir = tempDir('briefd-helper-')
    const path = join(dir, 'tools.json')
    const patterns = { id: '^(\\w|\\d)+$', tags: '^(a|a?)+$' }
    writeFileSync(
      path,
      JSON.stringify({
        ...manifest,
        tools: [
          {
            name: 'lookup',
            description: 'Look up.',
            template: 'verdict',
            inputSchema: {
              type: 'object',
              properties: {
                id: { type: 'string', pattern: patterns.id, description: 'An id.' },
                tags: { type: 'array', items: { type: 'string', pattern: patterns.tags } },
              },
              required: ['id'],
            },
            fallback: 'GENERIC-LOOKUP',
          },
        ],
      }),
    )
    const client = await connect(
      await createMcpServer({ manifest: path, client: new BriefdClient({ env: {} }) }),
    )
    const { tools } = await client.listTools()
    expect(tools[0]?.inputSchema.properties).toEqual({
      id: { type: 'string', pattern: patterns.id, description: 'An id.' },
      tags: { type: 'array', items: { type: 'string', pattern: patterns.tags } },
    })
    // Native RegExp needs minutes for either of these; re2js answers at once.
    const hostileId = await client.callTool({
      name: 'lookup',
      arguments: { id: `${'1'.repeat(41)}!` },
    })
    expect(hostileId.isError).toBe(true)
    expect(firstText(hostileId)).toContain('must match the pattern')
    const hostileTag = await client.callTool({
      name: 'lookup',
      arguments: { id: 'a1', tags: [`${'a'.repeat(41)}b`] },
    })
    expect(hostileTag.isError).toBe(true)
    expect(firstText(hostileTag)).toContain('item 0 must match the pattern')
    const fine = await client.callTool({
      name: 'lookup',
      arguments: { id: 'a'.repeat(10_000), tags: ['a'.repeat(10_000)] },
    })
    expect(fine.isError).toBeFalsy()
    expect(firstText(fine)).toBe('GENERIC-LOOKUP')
    await client.ping()
  })
})

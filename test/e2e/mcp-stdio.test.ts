// The real `briefd mcp` process, driven by the SDK's real Client over stdio, against the real
// daemon: instructions with and without a token, tool calls, the briefing, invalid calls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { leakedCanaries, type TestContent } from '../helpers/content.js'
import type { TestDaemon } from '../helpers/daemon.js'
import {
  deliveries,
  firstText,
  GENERIC,
  sourceOf,
  startMcp,
  testManifest,
  type McpSession,
} from '../helpers/mcp.js'
import { startMcpFixture } from '../helpers/mcp-fixture.js'

let content: TestContent
let daemon: TestDaemon
let manifestPath: string
let tokenPath: string

beforeAll(async () => {
  ;({ content, daemon, manifestPath, tokenPath } = await startMcpFixture())
})
afterAll(async () => {
  await daemon.close()
})

describe('briefd mcp with a valid token', () => {
  let mcp: McpSession
  beforeAll(async () => {
    mcp = await startMcp({ env: { BRIEFD_TOOLS: manifestPath, BRIEFD_TOKEN_FILE: tokenPath } })
  })
  afterAll(async () => {
    await mcp.close()
  })

  it('answers initialize with the confidential instructions (preamble first)', () => {
    const instructions = mcp.client.getInstructions() ?? ''
    expect(instructions).toContain(content.canary.instructions)
    expect(instructions.indexOf(content.canary.preamble)).toBeLessThan(
      instructions.indexOf(content.canary.instructions),
    )
    expect(mcp.client.getServerVersion()).toMatchObject({ name: 'briefd-test', version: '1.0.0' })
    expect(mcp.stderr()).not.toMatch(/warn/)
  })

  it('lists the manifest tools with their schemas verbatim, read-only, plus the briefing tool', async () => {
    const { tools } = await mcp.client.listTools()
    expect(tools.map((t) => t.name)).toEqual(['give_verdict', 'hidden', 'missing', 'read_briefing'])
    const verdict = tools[0]
    expect(verdict?.inputSchema).toEqual(
      (testManifest().tools as { inputSchema: unknown }[])[0]?.inputSchema,
    )
    for (const t of tools)
      expect(t.annotations).toMatchObject({
        readOnlyHint: true,
        destructiveHint: false,
        openWorldHint: false,
      })
    expect(leakedCanaries(content, JSON.stringify(tools))).toEqual([])
  })

  it('renders the template with the arguments as plain text, fetching it once', async () => {
    const before = deliveries(daemon.stateDir, 'template:verdict')
    const r = await mcp.client.callTool({
      name: 'give_verdict',
      arguments: { verdict: 'APPROVE', target: '{{verdict}} $& `x`' },
    })
    expect(r.isError).toBeFalsy()
    expect(firstText(r)).toBe(
      `Verdict: APPROVE for {{verdict}} $& \`x\`. ${content.canary.template}\n`,
    )
    expect(r._meta).toBeUndefined()
    const again = await mcp.client.callTool({
      name: 'give_verdict',
      arguments: { verdict: 'REJECT', target: 'b' },
    })
    expect(firstText(again)).toContain('Verdict: REJECT for b.')
    expect(deliveries(daemon.stateDir, 'template:verdict')).toBe(before + 1)
  })

  it('serves the briefing through the read-only tool and the prompt', async () => {
    const tool = await mcp.client.callTool({ name: 'read_briefing', arguments: {} })
    expect(firstText(tool)).toContain(content.canary.briefing)
    const { prompts } = await mcp.client.listPrompts()
    expect(prompts.map((p) => p.name)).toEqual(['briefing'])
    const prompt = await mcp.client.getPrompt({ name: 'briefing' })
    expect(prompt.messages[0]?.content).toMatchObject({
      type: 'text',
      text: expect.stringContaining(content.canary.briefing),
    })
  })

  it.each([
    [{ verdict: 'MAYBE', target: 'x' }, /verdict.*must be one of/],
    [{ verdict: 'APPROVE' }, /"target" is required/],
    [{ verdict: 'APPROVE', target: 'x', extra: 1 }, /"extra" is not accepted/],
    [{ verdict: 'APPROVE', target: 'x'.repeat(101) }, /at most 100 characters/],
  ])(
    'returns a tool error for invalid arguments %j and never asks the daemon',
    async (args, message) => {
      const before = deliveries(daemon.stateDir, 'template:verdict')
      const r = await mcp.client.callTool({ name: 'give_verdict', arguments: args })
      expect(r.isError).toBe(true)
      expect(firstText(r)).toMatch(message)
      expect(leakedCanaries(content, JSON.stringify(r))).toEqual([])
      expect(deliveries(daemon.stateDir, 'template:verdict')).toBe(before)
    },
  )

  it('answers an unknown tool with a JSON-RPC error', async () => {
    await expect(mcp.client.callTool({ name: 'nope', arguments: {} })).rejects.toMatchObject({
      code: -32602,
    })
  })

  it('serves the generic fallback, marked as such, for a template the daemon does not have', async () => {
    const r = await mcp.client.callTool({ name: 'missing', arguments: {} })
    expect(r.isError).toBeFalsy()
    expect(firstText(r)).toBe('GENERIC-MISSING')
    expect(r._meta).toMatchObject({
      'briefd/source': 'fallback',
      'briefd/reason': 'ERR_CONTENT_NOT_FOUND',
    })
    expect(JSON.stringify(r.content)).toMatch(/generic fallback/)
  })
})

describe('briefd mcp without a token', () => {
  it('answers initialize with the generic instructions and says why in one stderr line', async () => {
    const mcp = await startMcp({ env: { BRIEFD_TOOLS: manifestPath } })
    try {
      expect(mcp.client.getInstructions()).toBe(GENERIC.instructions)
      const warnings = mcp
        .stderr()
        .split('\n')
        .filter((l) => l.includes('warn'))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(/no session token/)
      const r = await mcp.client.callTool({
        name: 'give_verdict',
        arguments: { verdict: 'APPROVE', target: 'main' },
      })
      expect(firstText(r)).toBe('GENERIC-VERDICT APPROVE for main')
      expect(sourceOf(r)).toBe('fallback')
      const briefing = await mcp.client.callTool({ name: 'read_briefing', arguments: {} })
      expect(firstText(briefing)).toBe(GENERIC.briefing)
      expect(leakedCanaries(content, mcp.stderr())).toEqual([])
    } finally {
      await mcp.close()
    }
  })

  it('uses the example manifest shipped in the package by default', async () => {
    const mcp = await startMcp()
    try {
      const { tools } = await mcp.client.listTools()
      expect(tools.map((t) => t.name)).toEqual([
        'review_start',
        'score_change',
        'review_verdict',
        'reviewer_brief',
        'read_briefing',
      ])
    } finally {
      await mcp.close()
    }
  })
})

/**
 * End to end: `briefd mcp` with manifest patterns that backtrack exponentially in native
 * RegExp (issue 9 §4). Before re2js, a tools/call with a 41-character argument pinned the
 * process at 100 % CPU and the next ping went unanswered. The real process, the SDK's real
 * Client, the real daemon.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { startMcpFixture, type McpFixture } from '../helpers/mcp-fixture.js'
import {
  BIN,
  childEnv,
  firstText,
  startMcp,
  testManifest,
  type McpSession,
} from '../helpers/mcp.js'

const PATTERNS = {
  words: '^(\\w|\\d)+$',
  digits: '^(\\d?\\d?)+$',
  letters: '^(a|a?)+$',
  runs: '^\\w*\\w*\\w*$',
}

function manifestWith(properties: Record<string, unknown>): Record<string, unknown> {
  const manifest = testManifest()
  return {
    ...manifest,
    tools: [
      {
        name: 'lookup',
        description: 'Look something up.',
        template: 'verdict',
        inputSchema: { type: 'object', properties, additionalProperties: false },
        fallback: 'GENERIC-LOOKUP {{words}}',
      },
    ],
  }
}

let fx: McpFixture
let mcp: McpSession

beforeAll(async () => {
  fx = await startMcpFixture()
  const path = join(fx.dir, 'patterns.json')
  writeFileSync(
    path,
    JSON.stringify(
      manifestWith(
        Object.fromEntries(
          Object.entries(PATTERNS).map(([name, pattern]) => [name, { type: 'string', pattern }]),
        ),
      ),
    ),
  )
  mcp = await startMcp({ env: { BRIEFD_TOOLS: path, BRIEFD_TOKEN_FILE: fx.tokenPath } })
})
afterAll(async () => {
  await mcp.close()
  await fx.daemon.close()
})

async function lookup(args: Record<string, string>): Promise<CallToolResult> {
  return mcp.client.request(
    { method: 'tools/call', params: { name: 'lookup', arguments: args } },
    CallToolResultSchema,
  )
}

describe('briefd mcp with backtracking-prone manifest patterns', () => {
  it('publishes the patterns as written', async () => {
    const { tools } = await mcp.client.listTools()
    const lookupTool = tools.find((t) => t.name === 'lookup')
    expect(lookupTool?.inputSchema.properties).toEqual(
      Object.fromEntries(
        Object.entries(PATTERNS).map(([name, pattern]) => [name, { type: 'string', pattern }]),
      ),
    )
  })

  it.each([
    // Digits: both branches of (\w|\d) match each one, so native RegExp tries 2^40 ways.
    ['words', `${'1'.repeat(40)}!`],
    ['digits', `${'1'.repeat(40)}x`],
    ['letters', `${'a'.repeat(40)}b`],
    ['runs', `${'a'.repeat(5_000)}!`],
    ['words', `${'1'.repeat(10_240)}!`],
    ['letters', `${'a'.repeat(10_240)}b`],
  ])(
    'answers a hostile %s argument (%#) with an invalid-arguments error, then a ping',
    async (name, value) => {
      const result = await lookup({ [name]: value })
      expect(result.isError).toBe(true)
      expect(firstText(result)).toContain(
        `"${name}" must match the pattern ${JSON.stringify(PATTERNS[name as keyof typeof PATTERNS])}`,
      )
      await expect(mcp.client.ping()).resolves.toEqual({})
    },
  )

  it('renders with long arguments that match', async () => {
    const result = await lookup({
      words: 'a1'.repeat(5_120),
      digits: '12'.repeat(5_120),
      letters: 'a'.repeat(10_240),
      runs: 'a'.repeat(10_240),
    })
    expect(result.isError).toBeFalsy()
    expect(firstText(result)).toContain(fx.content.canary.template)
    await expect(mcp.client.ping()).resolves.toEqual({})
    expect(mcp.stderr()).toBe('')
  })

  it('refuses at start a pattern RE2 cannot express: exit 1, one line naming the field and the tool', () => {
    const path = join(fx.dir, 'backreference.json')
    writeFileSync(
      path,
      JSON.stringify(manifestWith({ words: { type: 'string', pattern: '^(CANARY)\\1$' } })),
    )
    const r = spawnSync(process.execPath, [BIN, 'mcp'], {
      encoding: 'utf8',
      input: '',
      env: childEnv({ BRIEFD_TOOLS: path }),
      timeout: 15_000,
    })
    expect(r.status).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(
      `briefd mcp: error: tool manifest ${path}: tools[0].inputSchema.properties.words.pattern: uses a backreference, which briefd's linear-time matcher cannot check (tool lookup)\n`,
    )
  })
})

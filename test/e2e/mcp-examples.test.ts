// The runnable examples of the README, run as a user would run them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { childEnv, firstText, writeSessionTokenFile } from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'

let daemon: TestDaemon
let tokenEnv: Record<string, string>

beforeAll(async () => {
  daemon = await startTestDaemon({ contentDir: resolve('examples/content') })
  const path = join(tempDir('briefd-examples-'), 'token.json')
  writeSessionTokenFile(path, await daemon.newSession(), daemon.url)
  tokenEnv = { BRIEFD_TOKEN_FILE: path }
})
afterAll(async () => {
  await daemon.close()
})

describe('examples/client.mjs', () => {
  it('prints the rendered template from the daemon with a token', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['examples/client.mjs'],
      { env: childEnv(tokenEnv) },
    )
    expect(stdout).toMatch(/^Lanternfish verdict: APPROVE\n/)
    expect(stderr).toMatch(
      /^instructions: daemon, \d+ characters\nreview-verdict: daemon, \d+ characters\n$/,
    )
  })

  it('prints the fallback and the reason without a token', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['examples/client.mjs'],
      { env: childEnv() },
    )
    expect(stdout).toBe('Verdict: APPROVE\nsrc/a.ts:12 — the error path drops the cause\n')
    expect(stderr).toMatch(/review-verdict: fallback \(no session token\)/)
  })
})

describe('examples/custom-server.mjs', () => {
  it('runs its own logic, renders the confidential template, and serves its own tools', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['examples/custom-server.mjs'],
      env: childEnv(tokenEnv),
      stderr: 'pipe',
    })
    const client = new Client({ name: 't', version: '1' })
    await client.connect(transport)
    try {
      expect(client.getInstructions()).toMatch(/^CONFIDENTIAL OPERATING INSTRUCTIONS/)
      const r = await client.callTool({ name: 'review_verdict', arguments: { verdict: 'COMMENT' } })
      expect(firstText(r)).toMatch(/^Lanternfish verdict: COMMENT\n/)
      expect((r.content as { text: string }[])[1]?.text).toBe('(verdict 1 of this session)')
      expect(firstText(await client.callTool({ name: 'verdict_count', arguments: {} }))).toBe('1')
    } finally {
      await client.close()
    }
  })
})

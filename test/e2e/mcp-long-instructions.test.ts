/**
 * Instructions edited past the host's 2,048-character limit after the daemon started (a hot
 * reload): `briefd mcp` still sends them, and says so on stderr in one line, without the text.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { leakedCanaries, makeContent } from '../helpers/content.js'
import {
  spawnDaemon,
  startRawMcp,
  writeSessionTokenFile,
  type DaemonProcess,
} from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'

let daemon: DaemonProcess | undefined
afterAll(async () => {
  await daemon?.kill()
})

describe('briefd mcp with instructions over the host limit', () => {
  it('warns on stderr in one line and still sends them', async () => {
    const content = makeContent()
    daemon = await spawnDaemon({ contentDir: content.dir, stateDir: join(tempDir(), 'state') })
    // Edited after start: the daemon's start-up check saw the short version.
    const file = join(content.dir, 'instructions.md')
    writeFileSync(file, `${content.canary.instructions} ${'x'.repeat(3400)}\n`)
    const past = new Date(Date.now() - 5000)
    utimesSync(file, past, past)
    const tokenFile = join(tempDir(), 'token.json')
    writeSessionTokenFile(tokenFile, await daemon.newSession(), daemon.url)
    const mcp = startRawMcp({ BRIEFD_TOKEN_FILE: tokenFile })
    mcp.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 't', version: '1' },
      },
    })
    const reply = (await mcp.reply(1)) as { result: { instructions: string } }
    expect(reply.result.instructions.length).toBeGreaterThan(2048)
    await mcp.end()
    const warned = mcp
      .stderr()
      .split('\n')
      .filter((l) => l.includes('Claude Code keeps only the first 2048'))
    expect(warned).toHaveLength(1)
    expect(warned[0]).toMatch(
      /^briefd mcp: warn: the daemon's instructions are \d{4} characters; Claude Code keeps only the first 2048 \(move the rest to briefing\.md in the content dir\)$/,
    )
    expect(leakedCanaries(content, mcp.stderr())).toEqual([])
  })
})

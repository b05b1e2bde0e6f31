/**
 * @module doctor/mcp-probe
 * The end-to-end check: run `briefd mcp` exactly as installed (the entry's command, args and
 * env, so a broken manifest in the entry fails here as it does in Claude Code) with a fresh session token (in a private
 * temp token file), `initialize` it with the SDK's client, and compare the instructions it
 * returns with what the daemon serves for that token. Nothing confidential is printed: the
 * result is a yes/no and a length.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sessionTokenRecord, writeTokenFile } from '../host/token-file.js'
import type { IssuedSession } from '../client/session-api.js'
import { selfEntry } from '../shared/self-entry.js'

export interface McpProbeResult {
  ok: boolean
  detail: string
}

/** What to run: an installed entry's command, args and env (default: this briefd's `mcp`). */
export interface McpCommand {
  command: string
  args: string[]
  env: Record<string, string>
}

export async function probeMcpInstructions(
  session: IssuedSession,
  daemonUrl: string,
  expected: string,
  daemonSocket?: string,
  timeoutMs = 10_000,
  run: McpCommand = { command: process.execPath, args: [selfEntry(), 'mcp'], env: {} },
): Promise<McpProbeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'briefd-doctor-'))
  const tokenFile = join(dir, 'token.json')
  writeTokenFile(tokenFile, sessionTokenRecord(session, daemonUrl, null, new Date(), daemonSocket))
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js')
  const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js')
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v
  // As Claude Code runs it: our environment plus the entry's own, then the probe's token.
  Object.assign(env, run.env)
  env.BRIEFD_TOKEN_FILE = tokenFile
  const transport = new StdioClientTransport({
    command: run.command,
    args: run.args,
    env,
    stderr: 'pipe',
  })
  const client = new Client({ name: 'briefd-doctor', version: '1' })
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      client.connect(transport),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no initialize result within ${timeoutMs} ms`)),
          timeoutMs,
        )
      }),
    ])
    const got = client.getInstructions() ?? ''
    return got === expected
      ? {
          ok: true,
          detail: `briefd mcp initialized with the confidential instructions (${got.length} characters)`,
        }
      : {
          ok: false,
          detail: `briefd mcp initialized with other instructions (${got.length} characters; expected ${expected.length}): it fell back to generic content`,
        }
  } catch (err) {
    return {
      ok: false,
      detail: `briefd mcp did not initialize: ${err instanceof Error ? err.message : String(err)}`,
    }
  } finally {
    clearTimeout(timer)
    await client.close().catch(() => {})
    rmSync(dir, { recursive: true, force: true })
  }
}

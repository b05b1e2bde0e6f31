/**
 * Helpers for `briefd mcp` tests: token files, the daemon as a child process (so a test can
 * kill and restart it), the real `briefd mcp` process behind the SDK's real Client, and the
 * daemon's audit log as the count of daemon deliveries.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { sessionTokenRecord, writeTokenFile } from '../../src/client/token-file.js'
import { requestSession, type IssuedSession } from '../../src/client/sessions.js'
import { readBootstrapCredential } from '../../src/shared/state-files.js'

export const BIN = resolve('bin/briefd.js')
export const EXAMPLE_TOOLS = resolve('examples/tools.json')

/** Writes a 0600 token file for `session` at `path` (what the SessionStart hook does). */
export function writeSessionTokenFile(path: string, session: Pick<IssuedSession, 'token' | 'session_id' | 'expires_at'>, daemonUrl: string): void {
  writeTokenFile(path, sessionTokenRecord(session, daemonUrl, null))
}

/** An environment for a child: this one minus every BRIEFD_* variable, plus `extra`. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('BRIEFD_')) env[k] = v
  return { ...env, ...extra }
}

export interface DaemonProcess {
  child: ChildProcess
  url: string
  port: number
  stateDir: string
  newSession(): Promise<IssuedSession>
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>
}

/** `briefd serve` as a child process; resolves once it listens (its daemon.json names its pid). */
export async function spawnDaemon(o: { contentDir: string; stateDir: string; port?: number }): Promise<DaemonProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(o.port ?? 0), '--state-dir', o.stateDir, '--content', o.contentDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: childEnv({ BRIEFD_RATE_ANONYMOUS: '1000/1000' }),
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => void (stderr += d.toString()))
  const infoPath = join(o.stateDir, 'daemon.json')
  const deadline = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`daemon exited with ${child.exitCode}: ${stderr}`)
    if (existsSync(infoPath)) {
      try {
        const info = JSON.parse(readFileSync(infoPath, 'utf8')) as { pid: number; url: string; port: number }
        if (info.pid === child.pid) {
          return {
            child,
            url: info.url,
            port: info.port,
            stateDir: o.stateDir,
            newSession: () => requestSession({ url: info.url, bootstrap: readBootstrapCredential(o.stateDir), timeoutMs: 5000 }),
            kill: async () => {
              if (child.exitCode !== null || child.signalCode !== null) return
              const exited = once(child, 'exit')
              child.kill('SIGKILL')
              await exited
            },
          }
        }
      } catch {
        // written while we read it: try again
      }
    }
    if (Date.now() > deadline) throw new Error(`daemon did not start: ${stderr}`)
    await sleep(25)
  }
}

export interface AuditEntry {
  event?: string
  document?: string
  status?: number
  reason?: string
}

/** The daemon's audit log, one entry per line. */
export function auditEntries(stateDir: string): AuditEntry[] {
  const path = join(stateDir, 'audit.log')
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as AuditEntry)
}

/** How many times the daemon delivered `document` (e.g. `template:review-verdict`). */
export function deliveries(stateDir: string, document: string): number {
  return auditEntries(stateDir).filter((e) => e.event === 'document.delivered' && e.document === document).length
}

/** How many requests the daemon denied. */
export function denials(stateDir: string): number {
  return auditEntries(stateDir).filter((e) => e.event === 'request.denied').length
}

export interface McpSession {
  client: Client
  transport: StdioClientTransport
  /** Everything the server wrote to stderr so far. */
  stderr(): string
  close(): Promise<void>
}

/** Spawns `node bin/briefd.js mcp` and connects the SDK's Client (which sends `initialize`). */
export async function startMcp(o: { env?: Record<string, string>; args?: string[] } = {}): Promise<McpSession> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp', ...(o.args ?? [])],
    env: childEnv(o.env),
    stderr: 'pipe',
  })
  let stderr = ''
  transport.stderr?.on('data', (d: Buffer) => void (stderr += d.toString()))
  const client = new Client({ name: 'briefd-test', version: '1.0.0' })
  await client.connect(transport)
  return { client, transport, stderr: () => stderr, close: () => client.close() }
}

/** The text of a tool result's first content item. */
export function firstText(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? []
  return content[0]?.text ?? ''
}

/** The `briefd/source` of a tool result: `stale`, `fallback`, or `current` when unmarked (daemon or cache). */
export function sourceOf(result: unknown): unknown {
  return (result as { _meta?: Record<string, unknown> })._meta?.['briefd/source'] ?? 'current'
}

/** Generic texts of the test manifest: what a host sees when the daemon's content is unavailable. */
export const GENERIC = {
  instructions: 'GENERIC-INSTRUCTIONS: review changes carefully.',
  briefing: 'GENERIC-BRIEFING: no briefing available.',
  verdict: 'GENERIC-VERDICT {{verdict}} for {{target}}',
}

/** A manifest for the test content of helpers/content.ts (templates `verdict` and `hidden`). */
export function testManifest(): Record<string, unknown> {
  return {
    server: { name: 'briefd-test', version: '1.0.0' },
    instructions: { fallback: GENERIC.instructions },
    briefing: { tool: 'read_briefing', prompt: 'briefing', description: 'The full briefing.', fallback: GENERIC.briefing },
    tools: [
      {
        name: 'give_verdict',
        description: 'Give a verdict.',
        template: 'verdict',
        inputSchema: {
          type: 'object',
          properties: { verdict: { type: 'string', enum: ['APPROVE', 'REJECT'] }, target: { type: 'string', maxLength: 100 } },
          required: ['verdict', 'target'],
          additionalProperties: false,
        },
        fallback: GENERIC.verdict,
      },
      { name: 'hidden', description: 'Hidden.', template: 'hidden', inputSchema: { type: 'object' }, fallback: 'GENERIC-HIDDEN' },
      { name: 'missing', description: 'No such template.', template: 'no-such-template', inputSchema: { type: 'object' }, fallback: 'GENERIC-MISSING' },
    ],
  }
}

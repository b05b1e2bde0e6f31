/**
 * Helpers for `briefd mcp` tests: token files, the daemon as a child process (so a test can
 * kill and restart it), the real `briefd mcp` process behind the SDK's real Client, and the
 * daemon's audit log as the count of daemon deliveries.
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { sessionTokenRecord, writeTokenFile } from '../../src/host/token-file.js'
import { requestSession, type IssuedSession } from '../../src/client/session-api.js'
import { readBootstrapCredential } from '../../src/shared/state-files.js'

export const BIN = resolve('bin/briefd.js')
export const EXAMPLE_TOOLS = resolve('examples/tools.json')

/** Writes a 0600 token file for `session` at `path` (what the SessionStart hook does). */
export function writeSessionTokenFile(
  path: string,
  session: Pick<IssuedSession, 'token' | 'session_id' | 'expires_at'>,
  daemonUrl: string,
  daemonSocket?: string,
): void {
  writeTokenFile(path, sessionTokenRecord(session, daemonUrl, null, new Date(), daemonSocket))
}

/** An environment for a child: this one minus every BRIEFD_* variable, plus `extra`. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('BRIEFD_')) env[k] = v
  return { ...env, ...extra }
}

export interface DaemonProcess {
  child: ChildProcess
  url: string
  port: number
  stateDir: string
  newSession(): Promise<IssuedSession>
  /** Sends `signal` (default SIGKILL), and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>
}

/** `briefd serve` as a child process; resolves once it listens (its daemon.json names its pid). */
export async function spawnDaemon(o: {
  contentDir: string
  stateDir: string
  port?: number
  env?: Record<string, string>
}): Promise<DaemonProcess> {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--port',
      String(o.port ?? 0),
      '--state-dir',
      o.stateDir,
      '--content',
      o.contentDir,
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: childEnv({ BRIEFD_RATE_ANONYMOUS: '1000/1000', ...o.env }),
    },
  )
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => void (stderr += d.toString()))
  const infoPath = join(o.stateDir, 'daemon.json')
  const deadline = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`daemon exited with ${child.exitCode}: ${stderr}`)
    if (existsSync(infoPath)) {
      try {
        const info = JSON.parse(readFileSync(infoPath, 'utf8')) as {
          pid: number
          url: string
          port: number
        }
        if (info.pid === child.pid) {
          return {
            child,
            url: info.url,
            port: info.port,
            stateDir: o.stateDir,
            newSession: () =>
              requestSession({
                url: info.url,
                bootstrap: readBootstrapCredential(o.stateDir),
                timeoutMs: 5000,
              }),
            kill: async (signal: NodeJS.Signals = 'SIGKILL') => {
              if (child.exitCode !== null || child.signalCode !== null) return
              const exited = once(child, 'exit')
              child.kill(signal)
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
  return auditEntries(stateDir).filter(
    (e) => e.event === 'document.delivered' && e.document === document,
  ).length
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
export async function startMcp(
  o: { env?: Record<string, string>; args?: string[] } = {},
): Promise<McpSession> {
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
    briefing: {
      tool: 'read_briefing',
      prompt: 'briefing',
      description: 'The full briefing.',
      fallback: GENERIC.briefing,
    },
    tools: [
      {
        name: 'give_verdict',
        description: 'Give a verdict.',
        template: 'verdict',
        inputSchema: {
          type: 'object',
          properties: {
            verdict: { type: 'string', enum: ['APPROVE', 'REJECT'] },
            target: { type: 'string', maxLength: 100 },
          },
          required: ['verdict', 'target'],
          additionalProperties: false,
        },
        fallback: GENERIC.verdict,
      },
      {
        name: 'hidden',
        description: 'Hidden.',
        template: 'hidden',
        inputSchema: { type: 'object' },
        fallback: 'GENERIC-HIDDEN',
      },
      {
        name: 'missing',
        description: 'No such template.',
        template: 'no-such-template',
        inputSchema: { type: 'object' },
        fallback: 'GENERIC-MISSING',
      },
    ],
  }
}

export interface RawMcp {
  child: ChildProcessWithoutNullStreams
  /** Writes bytes to the server's stdin as they are (newlines included by the caller). */
  write(data: string | Buffer): void
  /** Sends one JSON-RPC message as a line. */
  send(message: Record<string, unknown>): void
  /** The message answering request `id`, once it arrives. */
  reply(id: number | string, timeoutMs?: number): Promise<Record<string, unknown>>
  /** Every stdout line so far, parsed; a line that is not JSON is kept as a string. */
  lines(): (Record<string, unknown> | string)[]
  stdout(): string
  stderr(): string
  /** Closes stdin; resolves with the exit code. */
  end(): Promise<number | null>
}

/** `briefd mcp` spoken to byte by byte (no SDK client in between), for hostile input. */
export function startRawMcp(env: Record<string, string>): RawMcp {
  const child = spawn(process.execPath, [BIN, 'mcp'], {
    env: childEnv(env),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const exited = once(child, 'exit') as Promise<[number | null]>
  let out = ''
  let err = ''
  const parsed: (Record<string, unknown> | string)[] = []
  const waiters = new Map<string, (m: Record<string, unknown>) => void>()
  const byId = new Map<string, Record<string, unknown>>()
  let pending = ''
  // Decoded as a stream, so a character split across two chunks stays whole.
  child.stdout.setEncoding('utf8')
  child.stderr.setEncoding('utf8')
  child.stdout.on('data', (text: string) => {
    out += text
    pending += text
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      const line = pending.slice(0, nl)
      pending = pending.slice(nl + 1)
      let msg: Record<string, unknown> | string = line
      try {
        msg = JSON.parse(line) as Record<string, unknown>
      } catch {
        // kept as text: the test decides what a line that is not JSON means
      }
      parsed.push(msg)
      if (typeof msg === 'object' && msg !== null && 'id' in msg) {
        const key = JSON.stringify(msg.id)
        byId.set(key, msg)
        waiters.get(key)?.(msg)
      }
    }
  })
  child.stderr.on('data', (text: string) => void (err += text))
  // A server that exits at once closes its stdin: ignore EPIPE on our side.
  child.stdin.on('error', () => {})
  return {
    child,
    write: (data) => void child.stdin.write(data),
    send: (message) => void child.stdin.write(`${JSON.stringify(message)}\n`),
    reply: (id, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const key = JSON.stringify(id)
        const have = byId.get(key)
        if (have) return resolve(have)
        const timer = setTimeout(
          () => reject(new Error(`no reply to ${key} within ${timeoutMs} ms; stderr: ${err}`)),
          timeoutMs,
        )
        waiters.set(key, (m) => {
          clearTimeout(timer)
          resolve(m)
        })
      }),
    lines: () => [...parsed],
    stdout: () => out,
    stderr: () => err,
    end: async () => {
      child.stdin.end()
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      const [code] = child.exitCode !== null ? [child.exitCode] : await exited
      clearTimeout(timer)
      return code
    },
  }
}

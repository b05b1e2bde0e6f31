/**
 * Drives test/fixtures/claude-host.mjs: a simulated Claude Code host process whose hooks run
 * through `/bin/sh -c` and whose MCP server is its own child. The SDK's real Client talks to
 * that server through the host's stdio (a small Transport over the pipes).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'
import { childEnv } from './mcp.js'

/** JSON-RPC over a child's stdin/stdout, framed like the SDK's stdio transport. */
class PipeTransport implements Transport {
  onclose?: () => void
  onerror?: (error: Error) => void
  onmessage?: (message: JSONRPCMessage) => void
  readonly #child: ChildProcess
  readonly #buffer = new ReadBuffer()
  /** Every byte the server wrote to stdout, to prove it was JSON-RPC only. */
  readonly raw: Buffer[] = []

  constructor(child: ChildProcess) {
    this.#child = child
  }

  async start(): Promise<void> {
    this.#child.stdout?.on('data', (chunk: Buffer) => {
      this.raw.push(chunk)
      this.#buffer.append(chunk)
      for (let m = this.#buffer.readMessage(); m; m = this.#buffer.readMessage())
        this.onmessage?.(m)
    })
    this.#child.on('close', () => this.onclose?.())
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.#child.stdin?.write(serializeMessage(message))
  }

  async close(): Promise<void> {
    this.#child.stdin?.end()
  }
}

export interface HookResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface SimulatedHost {
  pid: number
  client: Client
  transport: PipeTransport
  stderr: () => string
  spawnMcp(via?: 'direct' | 'npx'): Promise<number>
  /** Starts `initialize`; resolves when it completes. */
  connect(): Promise<void>
  hook(event: 'start' | 'end', input: Record<string, unknown>): Promise<HookResult>
  close(): Promise<void>
}

export async function startSimulatedHost(env: Record<string, string>): Promise<SimulatedHost> {
  const child = spawn(process.execPath, [resolve('test/fixtures/claude-host.mjs')], {
    stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
    env: childEnv({ ...env, HOST_BRIEFD_BIN: resolve('bin/briefd.js') }),
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => void (stderr += d.toString()))
  const replies = new Map<number, (r: HookResult) => void>()
  let onSpawned: ((pid: number) => void) | undefined
  const ready = new Promise<number>((resolveReady) => {
    child.on('message', (m: { type: string; id?: number; pid?: number } & HookResult) => {
      if (m.type === 'ready') resolveReady(m.pid ?? 0)
      else if (m.type === 'spawned') onSpawned?.(m.pid ?? 0)
      else if (m.type === 'hook-done' && m.id !== undefined)
        replies.get(m.id)?.({ code: m.code, stdout: m.stdout, stderr: m.stderr })
    })
  })
  const pid = await ready
  const transport = new PipeTransport(child)
  const client = new Client({ name: 'simulated-claude', version: '1' })
  let nextId = 1
  return {
    pid,
    client,
    transport,
    stderr: () => stderr,
    spawnMcp: (via = 'direct') =>
      new Promise((r) => {
        onSpawned = r
        child.send({ type: 'spawn-mcp', via })
      }),
    connect: () => client.connect(transport),
    hook: (event, input) =>
      new Promise((r) => {
        const id = nextId++
        replies.set(id, r)
        child.send({ type: 'hook', id, event, input })
      }),
    close: async () => {
      await client.close().catch(() => {})
      if (child.exitCode === null) child.send({ type: 'exit' })
    },
  }
}

/**
 * @module mcp/main
 * `briefd mcp`: the stdio MCP server. Start-up is ordered for speed: options and manifest
 * (fast, synchronous), then the token lookup and the daemon request for the instructions,
 * and only then the SDK import, which is the bulk of start-up (~265 ms of a ~420 ms bare server) and runs
 * while the daemon answers. The server connects to stdin once the instructions are known,
 * so `initialize` (waiting in the pipe) is answered with them. stdout carries JSON-RPC
 * only; every diagnostic goes to stderr.
 */
import { BriefdClient } from '../client/briefd-client.js'
import { remoteRenewer } from './remote-renew.js'
import { BriefdError } from '../shared/errors.js'
import { createLogger, parseLogLevel, type Logger } from '../shared/log.js'
import type { Env } from '../shared/paths.js'
import { DegradationReporter, resolveInstructions } from '../briefing/content-flow.js'
import { loadManifest, type Manifest } from '../briefing/manifest.js'
import { MCP_USAGE, resolveMcpOptions, type McpOptions } from './options.js'
import { createBriefdServer, type ServerSdk } from '../briefing/server.js'
import { HOST_INSTRUCTIONS_LIMIT } from '../briefing/server-parts.js'

async function importSdk(): Promise<
  ServerSdk & {
    StdioServerTransport: typeof import('@modelcontextprotocol/sdk/server/stdio.js').StdioServerTransport
  }
> {
  const [server, stdio, types] = await Promise.all([
    import('@modelcontextprotocol/sdk/server/index.js'),
    import('@modelcontextprotocol/sdk/server/stdio.js'),
    import('@modelcontextprotocol/sdk/types.js'),
  ])
  return { Server: server.Server, StdioServerTransport: stdio.StdioServerTransport, types }
}

interface Shutdown {
  /** Resolves with the exit code when the host is gone (stdin closed), we are told to stop, or the transport gave up. */
  done: Promise<number>
  stop: (why: string, code?: number) => void
}

function untilShutdown(logger: Logger): Shutdown {
  let stop!: Shutdown['stop']
  const done = new Promise<number>((resolve) => {
    let stopping = false
    stop = (why, code = 0) => {
      if (stopping) return
      stopping = true
      logger.debug(`stopping: ${why}`)
      resolve(code)
    }
    process.stdin.once('end', () => stop('stdin closed'))
    process.stdin.once('close', () => stop('stdin closed'))
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
    // A host that dies leaves us writing into a closed pipe: stop instead of crashing on EPIPE.
    process.stdout.once('error', (err) =>
      stop(`stdout: ${(err as NodeJS.ErrnoException).code ?? err.message}`),
    )
  })
  return { done, stop }
}

/** Runs `briefd mcp`; resolves to the exit code. `argv` is process.argv. */
export async function main(argv: readonly string[], env: Env = process.env): Promise<number> {
  const logger = createLogger({ name: 'briefd mcp', level: parseLogLevel(env.BRIEFD_LOG_LEVEL) })
  let options: McpOptions
  let manifest: Manifest
  try {
    options = resolveMcpOptions(argv.slice(3), env)
    if (options.help) {
      process.stderr.write(MCP_USAGE)
      return 0
    }
    manifest = loadManifest(options.toolsFile)
    if (manifest.instructions.fallback.length > HOST_INSTRUCTIONS_LIMIT) {
      logger.warn(
        `${manifest.source}: instructions.fallback is ${manifest.instructions.fallback.length} characters; Claude Code keeps only the first ${HOST_INSTRUCTIONS_LIMIT}`,
      )
    }
  } catch (err) {
    logger.error(describeError(err))
    return 1
  }
  try {
    return await serve(options, manifest, env, logger)
  } catch (err) {
    // Not expected (every daemon failure degrades instead): one line, a non-zero exit, no hang.
    logger.error(describeError(err))
    return 1
  }
}

function describeError(err: unknown): string {
  return err instanceof BriefdError
    ? err.message
    : `unexpected error: ${err instanceof Error ? err.message : String(err)}`
}

async function serve(
  options: McpOptions,
  manifest: Manifest,
  env: Env,
  logger: Logger,
): Promise<number> {
  const client = new BriefdClient({
    env,
    timeoutMs: options.timeoutMs,
    graceMs: options.graceMs,
    cacheTtlMs: options.cacheTtlMs,
    cacheMaxEntries: options.cacheMaxEntries,
    ...(options.remote ? { renewSession: remoteRenewer(options.remote, env, logger) } : {}),
    logger,
  })
  const reporter = new DegradationReporter(logger)
  let resolved = false
  const instructions = resolveInstructions(client, manifest, reporter).finally(
    () => void (resolved = true),
  )
  // Let the request reach the daemon before evaluating the SDK blocks the event loop (30–150 ms):
  // the connect completes in one loop turn, the write in the next. Then the daemon answers
  // while the SDK loads, and the answer waits in the socket.
  for (let turn = 0; turn < 3 && !resolved; turn++)
    await new Promise<void>((resolve) => setImmediate(resolve))
  const sdk = await importSdk()
  const served = await instructions
  // The daemon checks its content at start, but an edit since (a hot reload) reaches us
  // unchecked: say so here too, in one line, without any of the text.
  if (served.source !== 'fallback' && served.text.length > HOST_INSTRUCTIONS_LIMIT)
    logger.warn(
      `the daemon's instructions are ${served.text.length} characters; Claude Code keeps only the first ${HOST_INSTRUCTIONS_LIMIT} (move the rest to briefing.md in the content dir)`,
    )
  const server = createBriefdServer({
    sdk,
    manifest,
    client,
    instructions: served.text,
    logger,
    reporter,
  })
  const shutdown = untilShutdown(logger)
  let oversized = false
  // The SDK reports malformed lines here and keeps reading; their parse errors quote the line,
  // so they are never logged as such. A message over the SDK's read limit (10 MiB) makes the
  // transport close itself: say so in one line and exit, rather than wait forever on a paused stdin.
  server.onerror = (err) => {
    if (err.message.includes('ReadBuffer exceeded')) oversized = true
    else logger.debug('ignored a malformed message on stdin')
  }
  server.onclose = () => {
    if (oversized) logger.error('a message on stdin is larger than 10 MiB; closing')
    shutdown.stop('transport closed', oversized ? 1 : 0)
  }
  // The SDK's stdio transport waits for 'drain' once per message while stdout is backed up:
  // a host sending thousands of requests at once is not a listener leak, and Node's warning
  // about it would only be noise on stderr.
  process.stdout.setMaxListeners(0)
  await server.connect(new sdk.StdioServerTransport())
  const code = await shutdown.done
  await server.close().catch(() => {
    // best effort: we are exiting anyway
  })
  process.stdin.destroy()
  return code
}

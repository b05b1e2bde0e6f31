/**
 * @module cli/main
 * The `briefd` command line. Each subcommand imports its code only when it runs, so a
 * command never pays for another's dependencies (the daemon's Hono and jose stay out of
 * `briefd mcp`). Results go to stdout, diagnostics to stderr; a failure is one line naming
 * what to fix and a non-zero exit.
 */
import { Command, CommanderError } from 'commander'
import { BriefdError } from '../shared/errors.js'
import { VERSION } from '../shared/version.js'

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

export function buildProgram(): Command {
  const program = new Command('briefd')
    .description('Serve confidential MCP instructions and templates to authenticated sessions only.')
    .version(VERSION, '-v, --version')
    .showHelpAfterError()

  program
    .command('serve')
    .description('run the daemon in the foreground on a loopback address')
    .option('--host <address>', 'loopback address to bind (127.0.0.1 or ::1)')
    .option('--port <port>', 'port to listen on (0 = any free port)')
    .option('--content <dir>', 'content dir (default: ./content)')
    .option('--state-dir <dir>', 'state dir for keys, credentials and the audit log')
    .option('--session-ttl <duration>', 'session token lifetime, e.g. 24h (max 7d)')
    .option('--allow-origin <origin>', 'allow a browser origin (repeatable; none by default)', collect)
    .action(async (opts: Record<string, unknown>) => {
      const { serveCommand } = await import('./commands/serve.js')
      await serveCommand(opts)
    })

  program
    .command('token')
    .description('print a new session token for the running daemon (for curl and scripts)')
    .option('--state-dir <dir>', 'state dir of the daemon')
    .option('--ttl <duration>', 'lifetime, e.g. 1h (default: the daemon\'s session lifetime)')
    .action(async (opts: Record<string, unknown>) => {
      const { tokenCommand } = await import('./commands/token.js')
      await tokenCommand(opts)
    })

  const key = program.command('key').description('manage the session signing keys')
  key
    .command('rotate')
    .description('sign new tokens with a new key; tokens signed with the old key stay valid until they expire')
    .option('--state-dir <dir>', 'state dir of the daemon')
    .action(async (opts: Record<string, unknown>) => {
      const { keyRotateCommand } = await import('./commands/key.js')
      keyRotateCommand(opts)
    })

  const content = program.command('content').description('inspect the content dir')
  content
    .command('check')
    .description('check the content dir (fails when preamble + instructions exceed the host limit)')
    .option('--content <dir>', 'content dir (default: ./content)')
    .option('--limit <chars>', 'instruction limit in characters (default 2048)')
    .action(async (opts: Record<string, unknown>) => {
      const { contentCheckCommand } = await import('./commands/content.js')
      contentCheckCommand(opts)
    })

  // bin/briefd.js sends `briefd mcp` straight to the MCP server without loading commander;
  // this entry is for `briefd --help` (and callers of main() that bypass the shim).
  program
    .command('mcp')
    .description('run the stdio MCP server (options: briefd mcp --help)')
    .allowUnknownOption()
    .helpOption(false)
    .action(async () => {
      const { main: mcpMain } = await import('../mcp/main.js')
      process.exitCode = await mcpMain(process.argv)
    })

  return program
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram()
  program.exitOverride()
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) })
  try {
    await program.parseAsync(argv)
    return process.exitCode === undefined ? 0 : Number(process.exitCode)
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode
    if (err instanceof BriefdError) {
      process.stderr.write(`briefd: ${err.message}\n`)
      return 1
    }
    process.stderr.write(`briefd: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`)
    return 1
  }
}

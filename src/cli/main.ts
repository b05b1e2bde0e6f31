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
import { describeUsageError } from './usage-error.js'

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

/**
 * The program; `argv` (process.argv's shape) is what `briefd mcp` parses its own options from,
 * the same array main() was given rather than the process's.
 */
export function buildProgram(argv: readonly string[] = process.argv): Command {
  const program = new Command('briefd')
    .description(
      'Serve confidential MCP instructions and templates to authenticated sessions only.',
    )
    .version(VERSION, '-v, --version')
    // Set before any subcommand exists, so every subcommand inherits them: usage errors are
    // thrown (not process.exit) and not printed by commander; main() prints them as one line.
    .exitOverride()
    .showSuggestionAfterError(false)
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: () => {},
    })

  program
    .command('serve')
    .description('run the daemon in the foreground (loopback; public with --resource)')
    .option(
      '--host <address>',
      'address to bind (loopback unless --resource with TLS or --behind-tls-proxy)',
    )
    .option('--port <port>', 'port to listen on (0 = any free port)')
    .option('--content <dir>', 'content dir (default: ./content)')
    .option(
      '--tools <file>',
      'tools manifest: serves MCP over Streamable HTTP at /mcp, and the templates are checked against it (default: BRIEFD_TOOLS; without one, no /mcp and the example is used for the check)',
    )
    .option('--state-dir <dir>', 'state dir for keys, credentials and the audit log')
    .option('--session-ttl <duration>', 'session token lifetime, e.g. 24h (max 7d)')
    .option(
      '--allow-origin <origin>',
      'allow a browser origin (repeatable; none by default)',
      collect,
    )
    .option(
      '--log-file <file>',
      'log to a size-capped file instead of stderr (used by `briefd start`)',
    )
    .option('--resource <url>', 'public mode: the https URL of this server (token audience)')
    .option('--issuer <url>', 'public mode: an OAuth authorization server (repeatable)', collect)
    .option('--tls-cert <file>', 'public mode: PEM certificate (chain) for HTTPS')
    .option('--tls-key <file>', 'public mode: PEM private key for HTTPS')
    .option(
      '--behind-tls-proxy',
      'public mode: a TLS-terminating load balancer is in front (plain HTTP here)',
    )
    .action(async (opts: Record<string, unknown>) => {
      const { serveCommand } = await import('./commands/serve.js')
      await serveCommand(opts)
    })

  const daemonOptions = (cmd: Command): Command =>
    cmd
      .option('--host <address>', 'loopback address to bind (127.0.0.1 or ::1)')
      .option('--port <port>', 'port to listen on')
      .option('--content <dir>', 'content dir (default: ./content, or BRIEFD_CONTENT_DIR)')
      .option('--state-dir <dir>', 'state dir of the daemon')
      .option('--session-ttl <duration>', 'session token lifetime, e.g. 24h')
      .option('--allow-origin <origin>', 'allow a browser origin (repeatable)', collect)
  daemonOptions(
    program
      .command('start')
      .description('start the daemon in the background (no-op if it is running)'),
  ).action(async (opts: Record<string, unknown>) => {
    const { startCommand } = await import('./commands/daemon.js')
    await startCommand(opts)
  })
  program
    .command('stop')
    .description('stop the background daemon gracefully')
    .option('--state-dir <dir>', 'state dir of the daemon')
    .action(async (opts: Record<string, unknown>) => {
      const { stopCommand } = await import('./commands/daemon.js')
      await stopCommand(opts)
    })
  program
    .command('status')
    .description(
      'show the daemon: pid, address, uptime, content dir, live sessions (exit 3 if not running)',
    )
    .option('--state-dir <dir>', 'state dir of the daemon')
    .action(async (opts: Record<string, unknown>) => {
      const { statusCommand } = await import('./commands/daemon.js')
      await statusCommand(opts)
    })
  daemonOptions(
    program.command('restart').description('stop, then start the background daemon'),
  ).action(async (opts: Record<string, unknown>) => {
    const { restartCommand } = await import('./commands/daemon.js')
    await restartCommand(opts)
  })

  program
    .command('token')
    .description('print a new session token for the running daemon (for curl and scripts)')
    .option('--state-dir <dir>', 'state dir of the daemon')
    .option('--ttl <duration>', "lifetime, e.g. 1h (default: the daemon's session lifetime)")
    .action(async (opts: Record<string, unknown>) => {
      const { tokenCommand } = await import('./commands/token.js')
      await tokenCommand(opts)
    })

  const installOptions = (cmd: Command): Command =>
    cmd
      .option('--project', 'this project: .mcp.json and .claude/settings.json (default)')
      .option('--user', 'your user: ~/.claude.json and ~/.claude/settings.json')
      .option('--project-dir <dir>', 'project root (default: the current directory)')
      .option('--name <name>', 'MCP server name (default: briefd)')
      .option('--state-dir <dir>', 'state dir of the daemon')
      .option('--remote <url>', 'a hosted daemon (https): sign in first with briefd login URL')
      .option(
        '--transport <kind>',
        'with --remote: stdio (local briefd mcp + hooks, default) or http (the remote /mcp endpoint + briefd headers)',
      )
  installOptions(
    program
      .command('install')
      .description('add the MCP server, session hooks and read-deny rules to Claude Code'),
  )
    .option('--content <dir>', 'content dir for the daemon the hooks start')
    .option('--tools <file>', 'tools manifest for briefd mcp')
    .action(async (opts: Record<string, unknown>) => {
      const { installCommand } = await import('./commands/install.js')
      installCommand(opts)
    })
  installOptions(
    program.command('uninstall').description('remove exactly what briefd install added'),
  ).action(async (opts: Record<string, unknown>) => {
    const { uninstallCommand } = await import('./commands/install.js')
    uninstallCommand(opts)
  })

  program
    .command('doctor')
    .description(
      'check everything briefd needs, each with a one-line fix (exit 1 if any check fails)',
    )
    .option('--state-dir <dir>', 'state dir of the daemon')
    .option(
      '--project-dir <dir>',
      'project whose Claude Code config to check (default: the current directory)',
    )
    .option('--no-mcp', 'skip the end-to-end briefd mcp check')
    .option(
      '--remote <url>',
      'check a hosted daemon instead: sign-in, TLS, metadata, token exchange, briefd mcp (or BRIEFD_REMOTE)',
    )
    .action(async (opts: Record<string, unknown>) => {
      const { doctorCommand } = await import('./commands/doctor.js')
      await doctorCommand(opts)
    })

  const key = program.command('key').description('manage the session signing keys')
  key
    .command('rotate')
    .description(
      'sign new tokens with a new key; tokens signed with the old key stay valid until they expire',
    )
    .option('--state-dir <dir>', 'state dir of the daemon')
    .action(async (opts: Record<string, unknown>) => {
      const { keyRotateCommand } = await import('./commands/key.js')
      await keyRotateCommand(opts)
    })

  const sessions = program.command('sessions').description('manage issued sessions')
  sessions
    .command('revoke')
    .description('revoke every session of a subject (public mode: token sub or API key id)')
    .requiredOption('--subject <subject>', 'the subject whose sessions end now')
    .option('--state-dir <dir>', 'state dir of the daemon')
    .action(async (opts: Record<string, unknown>) => {
      const { sessionsRevokeCommand } = await import('./commands/sessions.js')
      await sessionsRevokeCommand(opts)
    })

  const apikey = program
    .command('apikey')
    .description('manage API keys (for machines, and authors without an authorization server)')
  apikey
    .command('create')
    .description('create an API key and print it once on stdout (nothing else goes there)')
    .requiredOption('--name <name>', 'what the key is for, shown by list')
    .requiredOption(
      '--scope <scopes>',
      'space-separated scopes, e.g. "briefd:read briefd:scoring" (repeatable)',
      collect,
    )
    .option('--tenant <tenant>', 'the tenant whose documents the key reads')
    .option('--ttl <duration>', 'lifetime, e.g. 90d, 12h, 30m (default: until revoked)')
    .option('--state-dir <dir>', 'state dir of the daemon')
    .action(async (opts: Record<string, unknown>) => {
      const { apikeyCreateCommand } = await import('./commands/apikey.js')
      await apikeyCreateCommand(opts)
    })
  apikey
    .command('list')
    .description('list the API keys, one per line with the id first (never the key)')
    .option('--json', 'print a JSON array instead')
    .option('--state-dir <dir>', 'state dir of the daemon')
    .action(async (opts: Record<string, unknown>) => {
      const { apikeyListCommand } = await import('./commands/apikey.js')
      apikeyListCommand(opts)
    })
  apikey
    .command('revoke')
    .description('revoke an API key; a running daemon refuses it within seconds')
    .argument('<id>', 'the key id, as list shows it')
    .option('--state-dir <dir>', 'state dir of the daemon')
    .action(async (id: string, opts: Record<string, unknown>) => {
      const { apikeyRevokeCommand } = await import('./commands/apikey.js')
      await apikeyRevokeCommand(id, opts)
    })

  const session = program
    .command('session')
    .description(
      'host session hooks: write or remove the token file of the host process (nothing on stdout; a failure is one stderr line and exit 0)',
    )
  const sessionCommand = (name: 'start' | 'end', description: string): Command =>
    session
      .command(name)
      .description(description)
      .option('--state-dir <dir>', 'state dir of the daemon')
      .option(
        '--token-file <path>',
        "token file to use instead of the host's (like BRIEFD_TOKEN_FILE)",
      )
      .option(
        '--deadline <ms>',
        `total time budget in ms (default ${name === 'start' ? '2000; 5000 with --remote' : 1000})`,
      )
      .option(
        '--remote <url>',
        'a hosted daemon (https) instead of the local one (or BRIEFD_REMOTE)',
      )
  sessionCommand(
    'start',
    "get a session token and write it to the host's token file (the SessionStart hook)",
  )
    .option('--content <dir>', 'start the daemon with this content dir when none is running')
    .action(async (opts: Record<string, unknown>) => {
      const { sessionStartCommand } = await import('./commands/session.js')
      await sessionStartCommand(opts)
    })
  sessionCommand(
    'end',
    "revoke the host's session token and delete its token file (the SessionEnd hook)",
  ).action(async (opts: Record<string, unknown>) => {
    const { sessionEndCommand } = await import('./commands/session.js')
    await sessionEndCommand(opts)
  })

  program
    .command('login')
    .description(
      'sign in to a hosted briefd daemon (browser, --device, an API key or client credentials)',
    )
    .argument('<url>', "the hosted daemon's URL, e.g. https://briefd.example.com")
    .option(
      '--scope <scopes>',
      "scopes to ask for (repeatable; default: the daemon's scopes_supported)",
      collect,
    )
    .option('--device', 'sign in with a code on another device (SSH, headless machines)')
    .option('--no-browser', 'print the sign-in URL on stderr instead of opening a browser')
    .option('--client-id <id>', 'a client id registered for briefd at the authorization server')
    .option(
      '--client-secret-file <file>',
      'client credentials: the 0600 file holding the client secret',
    )
    .option('--api-key-file <file>', 'sign in with an API key kept in this 0600 file')
    .action(async (url: string, opts: Record<string, unknown>) => {
      const { loginCommand } = await import('./commands/signin.js')
      await loginCommand(url, opts)
    })
  program
    .command('whoami')
    .description(
      'show the sign-in to a hosted daemon: subject, tenant, scopes, expiry (never a secret)',
    )
    .argument('[url]', "the hosted daemon's URL (default: BRIEFD_REMOTE)")
    .action(async (url: string | undefined) => {
      const { whoamiCommand } = await import('./commands/signin.js')
      whoamiCommand(url)
    })
  program
    .command('logout')
    .description('revoke the sign-in to a hosted daemon and delete it from this machine')
    .argument('[url]', "the hosted daemon's URL (default: BRIEFD_REMOTE)")
    .action(async (url: string | undefined) => {
      const { logoutCommand } = await import('./commands/signin.js')
      await logoutCommand(url)
    })
  program
    .command('headers')
    .description(
      'print {"Authorization":"Bearer <session token>"} for a hosted daemon (Claude Code headersHelper)',
    )
    .argument('[url]', "the hosted daemon's URL (default: BRIEFD_REMOTE)")
    .action(async (url: string | undefined) => {
      const { headersCommand } = await import('./commands/signin.js')
      await headersCommand(url)
    })

  const content = program.command('content').description('inspect the content dir')
  content
    .command('check')
    .description('check the content dir (fails when preamble + instructions exceed the host limit)')
    .option('--content <dir>', 'content dir (default: ./content)')
    .option(
      '--tools <file>',
      'tools manifest: warn about template placeholders its tools do not fill (default: BRIEFD_TOOLS)',
    )
    .option('--limit <chars>', 'instruction limit in characters (default 2048)')
    .action(async (opts: Record<string, unknown>) => {
      const { contentCheckCommand } = await import('./commands/content.js')
      contentCheckCommand(opts)
    })

  const plugin = program.command('plugin').description('build a Claude Code plugin on briefd')
  plugin
    .command('build')
    .description(
      'write a plugin dir to commit and publish: manifest, hooks, MCP entry and one bundled briefd; no content, no secret',
    )
    .requiredOption('--manifest <file>', 'tool manifest (validated, shipped as tools.json)')
    .requiredOption('--out <dir>', 'plugin dir to write (empty, new, or a previous build)')
    .option(
      '--name <name>',
      "plugin and MCP server name (default: from the manifest's server.name)",
    )
    .option(
      '--remote <url>',
      'hosted daemon (https:// only; experimental until the remote client arrives)',
    )
    .option(
      '--content <dir>',
      'content dir to keep out of the plugin (default: BRIEFD_CONTENT_DIR, the remembered one, ./content)',
    )
    .option('--license <spdx>', 'licence of the plugin for plugin.json, e.g. MIT')
    .option('--state-dir <dir>', 'state dir whose remembered content dir to check against')
    .option('--force', 'write into a non-empty dir that is not a previous build')
    .action(async (opts: Record<string, unknown>) => {
      const { pluginBuildCommand } = await import('./commands/plugin.js')
      pluginBuildCommand(opts)
    })

  // bin/briefd.js sends `briefd mcp` straight to the MCP server without loading commander;
  // this entry is for `briefd --help` (and callers of main() that bypass the shim).
  program
    .command('mcp')
    .description('run the stdio MCP server (options: briefd mcp --help)')
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption(false)
    .action(async () => {
      const { main: mcpMain } = await import('../mcp/main.js')
      process.exitCode = await mcpMain(argv)
    })

  return program
}

const HELP_CODES = new Set(['commander.help', 'commander.helpDisplayed', 'commander.version'])

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram(argv)
  try {
    await program.parseAsync(argv)
    return process.exitCode === undefined ? 0 : Number(process.exitCode)
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and the version are printed already (bare `briefd` prints help and exits 1).
      if (!HELP_CODES.has(err.code))
        process.stderr.write(`briefd: ${describeUsageError(program, argv.slice(2), err)}\n`)
      return err.exitCode
    }
    if (err instanceof BriefdError) {
      process.stderr.write(`briefd: ${err.message}\n`)
      return 1
    }
    process.stderr.write(
      `briefd: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`,
    )
    return 1
  }
}

/**
 * @module install/plan
 * What `briefd install` writes for a scope: which files, and the MCP server entry, the two
 * hooks and the read-deny rules that go into them.
 *
 * - project: `<dir>/.mcp.json` (server) and `<dir>/.claude/settings.json` (hooks, rules)
 * - user: `~/.claude.json` (server) and `~/.claude/settings.json` (hooks, rules);
 *   `CLAUDE_CONFIG_DIR` moves the latter, as it does for Claude Code.
 */
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defaultStateDir, type Env } from '../shared/paths.js'
import type { JsonObject } from './json-file.js'
import type { Additions } from './merge.js'

export type InstallScope = 'project' | 'user'

export interface InstallOptions {
  scope: InstallScope
  /** Project root for the project scope. */
  projectDir: string
  /** MCP server name (default `briefd`). */
  name: string
  stateDir: string
  runtimeDir: string
  /** Content dir for a daemon the SessionStart hook starts; undefined = the daemon's remembered one. */
  contentDir?: string
  /** Tools manifest for `briefd mcp`, if not the default. */
  toolsFile?: string
  /** Settings to pass on (only the ones the user set explicitly). */
  env: Env
  /**
   * A hosted daemon (`install --remote URL`): the hooks and `briefd mcp` get `--remote`, or,
   * with transport `http`, Claude Code talks to its `/mcp` endpoint with `briefd headers` as
   * the headers helper. Already checked (https, or http on loopback).
   */
  remote?: string
  transport?: 'stdio' | 'http'
  /** The credentials dir (refresh tokens): the agent's file tools are kept out of it too. */
  credentialsDir?: string
}

export interface FilePlan {
  path: string
  additions: Additions
}

const BIN = fileURLToPath(new URL('../../bin/briefd.js', import.meta.url))

/** POSIX shell single-quoting: the hook command runs through `/bin/sh -c`. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_\/.:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}

/**
 * BRIEFD_* settings the user set that the hooks and the server must see too. A state dir
 * given with --state-dir counts: the hooks must reach the same daemon, and uninstall finds
 * the install records through it (install/locate).
 */
function passedEnv(o: InstallOptions): Record<string, string> {
  const env: Record<string, string> = {}
  for (const k of ['BRIEFD_STATE_DIR', 'BRIEFD_RUNTIME_DIR'] as const) {
    const v = o.env[k]
    if (v) env[k] = resolve(v)
  }
  if (resolve(o.stateDir) !== resolve(defaultStateDir(o.env)))
    env.BRIEFD_STATE_DIR = resolve(o.stateDir)
  return env
}

export function planInstall(o: InstallOptions): FilePlan[] {
  const env = passedEnv(o)
  const prefix = Object.entries(env)
    .map(([k, v]) => `${k}=${shellQuote(v)} `)
    .join('')
  const cli = `${prefix}${shellQuote(process.execPath)} ${shellQuote(BIN)}`
  const remoteArg = o.remote ? ` --remote ${shellQuote(o.remote)}` : ''
  const startArgs =
    (o.contentDir && !o.remote ? ` --content ${shellQuote(resolve(o.contentDir))}` : '') + remoteArg
  const mcpArgs = [
    BIN,
    'mcp',
    ...(o.toolsFile ? ['--tools', resolve(o.toolsFile)] : []),
    ...(o.remote ? ['--remote', o.remote] : []),
  ]
  const mcpEntry: JsonObject =
    o.remote && o.transport === 'http'
      ? {
          type: 'http',
          url: o.remote.replace(/\/+$/, '').endsWith('/mcp')
            ? o.remote
            : `${o.remote.replace(/\/+$/, '')}/mcp`,
          // Claude Code runs this for each connection: a short-lived briefd session token,
          // never the OAuth tokens, which stay in the credential store.
          headersHelper: `${cli} headers ${shellQuote(o.remote)}`,
        }
      : {
          type: 'stdio',
          command: process.execPath,
          args: mcpArgs,
          ...(Object.keys(env).length ? { env } : {}),
        }
  const denied = [o.runtimeDir, o.stateDir, ...(o.credentialsDir ? [o.credentialsDir] : [])]
  // Over http, Claude Code calls the headers helper for its tokens: the hooks have no job.
  const hooks: Additions['hooks'] = [
    // SessionStart stdout goes into the model's context: `session start` prints nothing there.
    {
      event: 'SessionStart',
      group: {
        hooks: [{ type: 'command', command: `${cli} session start${startArgs}`, timeout: 10 }],
      },
    },
    {
      event: 'SessionEnd',
      group: {
        hooks: [{ type: 'command', command: `${cli} session end${remoteArg}`, timeout: 5 }],
      },
    },
  ]
  const settings: Additions = {
    hooks: o.transport === 'http' ? [] : hooks,
    // Keep the agent's own file tools (and sandboxed commands) out of the token and state
    // dirs: same-user code is otherwise out of reach of file modes.
    lists: [
      {
        path: ['permissions', 'deny'],
        values: denied.map((d) => `Read(/${d}/**)`),
      },
      { path: ['sandbox', 'filesystem', 'denyRead'], values: denied },
    ],
  }
  if (o.scope === 'project') {
    return [
      {
        path: join(o.projectDir, '.mcp.json'),
        additions: { mcpServer: { name: o.name, entry: mcpEntry } },
      },
      { path: join(o.projectDir, '.claude', 'settings.json'), additions: settings },
    ]
  }
  const home = o.env.HOME || homedir()
  const configDir = o.env.CLAUDE_CONFIG_DIR || join(home, '.claude')
  return [
    {
      path: join(home, '.claude.json'),
      additions: { mcpServer: { name: o.name, entry: mcpEntry } },
    },
    { path: join(configDir, 'settings.json'), additions: settings },
  ]
}

/**
 * @module mcp/options
 * `briefd mcp` settings from flags and BRIEFD_* variables (flags win). Flags are read by
 * `node:util` parseArgs (strict), not commander: the MCP server's start-up is measured in
 * milliseconds. Every bad value is one error that names the setting and what was found; a
 * mistyped flag gets a "did you mean" when a known one is close.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { fileURLToPath } from 'node:url'
import { DEFAULT_CACHE_MAX_ENTRIES, DEFAULT_CACHE_TTL_MS } from '../client/content-cache.js'
import { DEFAULT_GRACE_MS, DEFAULT_TIMEOUT_MS } from '../client/briefd-client.js'
import { BriefdError } from '../shared/errors.js'
import { logLevelSetting } from '../shared/log.js'
import type { Env } from '../shared/paths.js'
import { parseIntSetting, pick, type RawSetting } from '../shared/settings.js'
import { didYouMean } from '../shared/suggest.js'
import { remoteSetting } from '../signin/remote-setting.js'

export interface McpOptions {
  help: boolean
  toolsFile: string
  timeoutMs: number
  graceMs: number
  cacheTtlMs: number
  cacheMaxEntries: number
  /** A hosted daemon (`--remote`, BRIEFD_REMOTE): session tokens are renewed from the stored sign-in. */
  remote?: URL
}

/** The example manifest shipped in the package (`examples/tools.json`), from dist/mcp/. */
export function defaultToolsFile(): string {
  return fileURLToPath(new URL('../../examples/tools.json', import.meta.url))
}

interface Spec {
  flag: string
  env: string
  min: number
  max: number
}

const SPECS = {
  timeoutMs: { flag: '--timeout-ms', env: 'BRIEFD_TIMEOUT_MS', min: 1, max: 60_000 },
  graceMs: { flag: '--grace-ms', env: 'BRIEFD_GRACE_MS', min: 0, max: 10_000 },
  cacheTtlMs: { flag: '--cache-ttl-ms', env: 'BRIEFD_CACHE_TTL_MS', min: 1, max: 86_400_000 },
  cacheMaxEntries: { flag: '--cache-max', env: 'BRIEFD_CACHE_MAX', min: 1, max: 100_000 },
} as const satisfies Record<string, Spec>

/** A request across a network (TLS, a remote host) needs more than a loopback one. */
export const REMOTE_TIMEOUT_MS = 3000

const FLAGS = ['--help', '--tools', '--remote', ...Object.values(SPECS).map((s) => s.flag)]

export const MCP_USAGE = `Usage: briefd mcp [options]

Runs the stdio MCP server (stdout carries JSON-RPC only; diagnostics go to stderr).

Options (flag / environment variable, default):
  --tools FILE          BRIEFD_TOOLS        tool manifest (default: the example in the package)
  --timeout-ms N        BRIEFD_TIMEOUT_MS   deadline of each daemon request (${DEFAULT_TIMEOUT_MS})
  --grace-ms N          BRIEFD_GRACE_MS     wait this long for a late token file at start-up (${DEFAULT_GRACE_MS})
  --cache-ttl-ms N      BRIEFD_CACHE_TTL_MS reuse fetched content this long before revalidating (${DEFAULT_CACHE_TTL_MS})
  --cache-max N         BRIEFD_CACHE_MAX    most documents held in memory (${DEFAULT_CACHE_MAX_ENTRIES})
  --remote URL          BRIEFD_REMOTE       a hosted daemon (https); renews session tokens from briefd login
  BRIEFD_TOKEN_FILE     session token file (default: the one the SessionStart hook wrote for this host)
  BRIEFD_LOG_LEVEL      debug | info | warn | error (info)
`

const PARSE_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  tools: { type: 'string' },
  remote: { type: 'string' },
  ...Object.fromEntries(Object.values(SPECS).map((s) => [s.flag.slice(2), { type: 'string' }])),
} as const satisfies ParseArgsConfig['options']

/** What a refused command line did wrong, from the loose reading of the same words. */
function explain(args: readonly string[]): BriefdError {
  const usage = (why: string): BriefdError => new BriefdError('ERR_CONFIG_INVALID', why)
  const { tokens } = parseArgs({
    args: [...args],
    options: PARSE_OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  })
  for (const t of tokens) {
    if (t.kind === 'positional' || (t.kind === 'option' && !Object.hasOwn(PARSE_OPTIONS, t.name))) {
      // The name only, never a value after `=` (it might be anything the user pasted).
      const word = (t.kind === 'positional' ? t.value : t.rawName).slice(0, 80)
      return usage(
        `unknown option ${JSON.stringify(word)}${didYouMean(word, FLAGS)} (see briefd mcp --help)`,
      )
    }
    if (t.kind === 'option-terminator') return usage('unknown option "--" (see briefd mcp --help)')
    if (t.kind !== 'option') continue
    if (t.name === 'help') {
      if (t.value !== undefined) return usage(`${t.rawName} takes no value`)
    } else if (t.value === undefined || (!t.inlineValue && t.value.startsWith('-'))) {
      // A value that starts with "-" must be written --flag=-5, as parseArgs (strict) requires.
      return usage(`${t.rawName} needs a value`)
    }
  }
  return usage('the command line is not valid (see briefd mcp --help)')
}

/** The flags given, by their `--name` (strict: anything unknown or malformed is an error). */
function parseFlags(args: readonly string[]): Map<string, string> {
  let tokens
  try {
    tokens = parseArgs({
      args: [...args],
      options: PARSE_OPTIONS,
      strict: true,
      allowPositionals: false,
      tokens: true,
    }).tokens
  } catch {
    throw explain(args)
  }
  const flags = new Map<string, string>()
  for (const t of tokens) {
    if (t.kind !== 'option') continue
    const name = `--${t.name}`
    if (flags.has(name) && name !== '--help')
      throw new BriefdError('ERR_CONFIG_INVALID', `${name} is given twice`)
    flags.set(name, t.value ?? '')
  }
  return flags
}

function intSetting(flags: Map<string, string>, env: Env, spec: Spec, fallback: number): number {
  const s: RawSetting | undefined = flags.has(spec.flag)
    ? { name: spec.flag, value: flags.get(spec.flag) }
    : pick({ name: spec.env, value: env[spec.env] })
  if (s === undefined) return fallback
  return parseIntSetting(s, spec.min, spec.max)
}

/** Resolves the options; `args` are the words after `briefd mcp`. */
export function resolveMcpOptions(args: readonly string[], env: Env): McpOptions {
  const flags = parseFlags(args)
  logLevelSetting(env)
  const tools = flags.has('--tools')
    ? { name: '--tools', value: flags.get('--tools') }
    : pick({ name: 'BRIEFD_TOOLS', value: env.BRIEFD_TOOLS })
  if (tools && (tools.value ?? '').trim() === '')
    throw new BriefdError('ERR_CONFIG_INVALID', `${tools.name} must be a file path`)
  const remote = remoteSetting(flags.get('--remote'), env)
  return {
    help: flags.has('--help'),
    toolsFile: tools?.value ?? defaultToolsFile(),
    timeoutMs: intSetting(
      flags,
      env,
      SPECS.timeoutMs,
      remote ? REMOTE_TIMEOUT_MS : DEFAULT_TIMEOUT_MS,
    ),
    ...(remote ? { remote } : {}),
    graceMs: intSetting(flags, env, SPECS.graceMs, DEFAULT_GRACE_MS),
    cacheTtlMs: intSetting(flags, env, SPECS.cacheTtlMs, DEFAULT_CACHE_TTL_MS),
    cacheMaxEntries: intSetting(flags, env, SPECS.cacheMaxEntries, DEFAULT_CACHE_MAX_ENTRIES),
  }
}

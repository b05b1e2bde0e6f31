/**
 * @module mcp/options
 * `briefd mcp` settings from flags and BRIEFD_* variables (flags win). No commander here:
 * the MCP server's start-up is measured in milliseconds. Every bad value is one error that
 * names the setting and what was found.
 */
import { fileURLToPath } from 'node:url'
import { DEFAULT_CACHE_MAX_ENTRIES, DEFAULT_CACHE_TTL_MS } from '../client/content-cache.js'
import { DEFAULT_GRACE_MS, DEFAULT_TIMEOUT_MS } from '../client/briefd-client.js'
import { BriefdError } from '../shared/errors.js'
import { logLevelSetting } from '../shared/log.js'
import type { Env } from '../shared/paths.js'
import { parseIntSetting, pick, type RawSetting } from '../shared/settings.js'

export interface McpOptions {
  help: boolean
  toolsFile: string
  timeoutMs: number
  graceMs: number
  cacheTtlMs: number
  cacheMaxEntries: number
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

const FLAGS = new Set(['--tools', ...Object.values(SPECS).map((s) => s.flag)])

export const MCP_USAGE = `Usage: briefd mcp [options]

Runs the stdio MCP server (stdout carries JSON-RPC only; diagnostics go to stderr).

Options (flag / environment variable, default):
  --tools FILE          BRIEFD_TOOLS        tool manifest (default: the example in the package)
  --timeout-ms N        BRIEFD_TIMEOUT_MS   deadline of each daemon request (${DEFAULT_TIMEOUT_MS})
  --grace-ms N          BRIEFD_GRACE_MS     wait this long for a late token file at start-up (${DEFAULT_GRACE_MS})
  --cache-ttl-ms N      BRIEFD_CACHE_TTL_MS reuse fetched content this long before revalidating (${DEFAULT_CACHE_TTL_MS})
  --cache-max N         BRIEFD_CACHE_MAX    most documents held in memory (${DEFAULT_CACHE_MAX_ENTRIES})
  BRIEFD_TOKEN_FILE     session token file (default: the one the SessionStart hook wrote for this host)
  BRIEFD_LOG_LEVEL      debug | info | warn | error (info)
`

function parseFlags(args: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>()
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ''
    if (arg === '--help' || arg === '-h') {
      flags.set('--help', '')
      continue
    }
    const eq = arg.indexOf('=')
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg
    if (!FLAGS.has(name))
      throw new BriefdError(
        'ERR_CONFIG_INVALID',
        `unknown option ${JSON.stringify(arg.slice(0, 80))} (see briefd mcp --help)`,
      )
    let value: string | undefined
    if (eq > 0 && name !== arg) value = arg.slice(eq + 1)
    else {
      value = args[i + 1]
      i++
    }
    if (value === undefined || (value.startsWith('--') && name === arg))
      throw new BriefdError('ERR_CONFIG_INVALID', `${name} needs a value`)
    if (flags.has(name)) throw new BriefdError('ERR_CONFIG_INVALID', `${name} is given twice`)
    flags.set(name, value)
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
  return {
    help: flags.has('--help'),
    toolsFile: tools?.value ?? defaultToolsFile(),
    timeoutMs: intSetting(flags, env, SPECS.timeoutMs, DEFAULT_TIMEOUT_MS),
    graceMs: intSetting(flags, env, SPECS.graceMs, DEFAULT_GRACE_MS),
    cacheTtlMs: intSetting(flags, env, SPECS.cacheTtlMs, DEFAULT_CACHE_TTL_MS),
    cacheMaxEntries: intSetting(flags, env, SPECS.cacheMaxEntries, DEFAULT_CACHE_MAX_ENTRIES),
  }
}

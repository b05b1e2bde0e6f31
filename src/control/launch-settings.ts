/**
 * @module control/launch-settings
 * How a background daemon is started when no flags are given (from a SessionStart hook, or
 * a bare `briefd start`): the settings of the last explicit `briefd start` are remembered
 * in the state dir (`launch.json`, 0600). Flags win over BRIEFD_* variables, which win over
 * the remembered settings, which win over the defaults.
 */
import { join, resolve } from 'node:path'
import { isBriefdError } from '../shared/errors.js'
import type { Env } from '../shared/paths.js'
import { ensurePrivateDir, readSecretFile, writeSecretFileAtomic } from '../shared/secure-fs.js'

export interface LaunchSettings {
  content?: string
  host?: string
  port?: string
  sessionTtl?: string
  allowOrigin?: string[]
}

const FILE = 'launch.json'

export function readLaunchSettings(stateDir: string): LaunchSettings {
  try {
    const v: unknown = JSON.parse(
      readSecretFile(join(stateDir, FILE), {
        label: 'launch settings',
        maxBytes: 64 * 1024,
      }).toString('utf8'),
    )
    if (typeof v !== 'object' || v === null) return {}
    const o = v as Record<string, unknown>
    const s: LaunchSettings = {}
    for (const k of ['content', 'host', 'port', 'sessionTtl'] as const)
      if (typeof o[k] === 'string') s[k] = o[k]
    if (Array.isArray(o.allowOrigin))
      s.allowOrigin = o.allowOrigin.filter((x): x is string => typeof x === 'string')
    return s
  } catch (err) {
    if (isBriefdError(err, 'ERR_FILE_NOT_FOUND') || err instanceof SyntaxError) return {}
    throw err
  }
}

export function writeLaunchSettings(stateDir: string, s: LaunchSettings): void {
  ensurePrivateDir(stateDir, { label: 'state dir' })
  writeSecretFileAtomic(join(stateDir, FILE), `${JSON.stringify(s, null, 2)}\n`)
}

/** Merges flags, environment and remembered settings; paths made absolute. */
export function resolveLaunchSettings(
  stateDir: string,
  flags: LaunchSettings,
  env: Env = process.env,
): LaunchSettings {
  const remembered = readLaunchSettings(stateDir)
  // An empty variable counts as unset, as elsewhere in briefd.
  const first = (...vs: (string | undefined)[]): string | undefined =>
    vs.find((v) => v !== undefined && v !== '')
  const content = first(flags.content, env.BRIEFD_CONTENT_DIR, remembered.content) ?? 'content'
  const out: LaunchSettings = { content: resolve(content) }
  const host = first(flags.host, env.BRIEFD_HOST, remembered.host)
  const port = first(flags.port, env.BRIEFD_PORT, remembered.port)
  const ttl = first(flags.sessionTtl, env.BRIEFD_SESSION_TTL, remembered.sessionTtl)
  const origins = flags.allowOrigin?.length ? flags.allowOrigin : remembered.allowOrigin
  if (host) out.host = host
  if (port) out.port = port
  if (ttl) out.sessionTtl = ttl
  if (origins?.length) out.allowOrigin = origins
  return out
}

/** `briefd serve` arguments for these settings. */
export function serveArgsFor(s: LaunchSettings): string[] {
  const args: string[] = []
  if (s.content) args.push('--content', s.content)
  if (s.host) args.push('--host', s.host)
  if (s.port) args.push('--port', s.port)
  if (s.sessionTtl) args.push('--session-ttl', s.sessionTtl)
  for (const o of s.allowOrigin ?? []) args.push('--allow-origin', o)
  return args
}

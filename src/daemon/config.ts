/**
 * @module daemon/config
 * Resolves the daemon's settings from flags, BRIEFD_* variables and defaults into one
 * frozen object. Every error names the setting and the value found.
 */
import { isIP } from 'node:net'
import { resolve } from 'node:path'
import { DEFAULT_INSTRUCTIONS_LIMIT } from '../content/check.js'
import { BriefdError } from '../shared/errors.js'
import { defaultStateDir, type Env } from '../shared/paths.js'
import {
  parseDurationSetting,
  parseIntSetting,
  parseListSetting,
  pick,
} from '../shared/settings.js'
import {
  DEFAULT_SESSION_TTL_SECONDS,
  MAX_SESSION_TTL_SECONDS,
  MIN_SESSION_TTL_SECONDS,
} from '../tokens/constants.js'
import { DEFAULT_RATE_LIMITS, type BucketSpec, type RateLimitConfig } from './rate-limit.js'

export const DEFAULT_PORT = 7866
export const DEFAULT_HOST = '127.0.0.1'
export const BODY_LIMIT_BYTES = 16 * 1024

export interface DaemonConfig {
  host: string
  port: number
  contentDir: string
  stateDir: string
  sessionTtlSeconds: number
  maxSessions: number
  allowedOrigins: readonly string[]
  instructionsLimit: number
  bodyLimitBytes: number
  rateLimits: RateLimitConfig
}

export interface DaemonFlags {
  host?: string
  port?: string
  content?: string
  stateDir?: string
  sessionTtl?: string
  allowOrigin?: string[]
}

/** The daemon serves confidential content: loopback only until a deliberate public mode exists. */
export function parseLoopbackHost(name: string, value: string): string {
  const v = value.trim().toLowerCase()
  if (v === 'localhost') return '127.0.0.1'
  const bare = v.startsWith('[') && v.endsWith(']') ? v.slice(1, -1) : v
  if (bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'))) return bare
  throw new BriefdError(
    'ERR_HOST_NOT_LOOPBACK',
    `${name} ${JSON.stringify(value)} is not a loopback address; briefd serves content only on 127.0.0.1 or ::1`,
  )
}

function parseOrigin(name: string, value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new BriefdError(
      'ERR_CONFIG_INVALID',
      `${name}: ${JSON.stringify(value)} is not an origin like http://127.0.0.1:3000`,
    )
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.origin !== value.replace(/\/$/, '')
  ) {
    throw new BriefdError(
      'ERR_CONFIG_INVALID',
      `${name}: ${JSON.stringify(value)} is not an origin like http://127.0.0.1:3000 (scheme, host and port only)`,
    )
  }
  return url.origin
}

function parseBucket(name: string, value: string | undefined, fallback: BucketSpec): BucketSpec {
  if (value === undefined || value === '') return fallback
  const m = /^([0-9]{1,9})\/([0-9]{1,9})$/.exec(value.trim())
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) {
    throw new BriefdError(
      'ERR_CONFIG_INVALID',
      `${name} must be BURST/PER_SECOND, e.g. 30/5 (got ${JSON.stringify(value)})`,
    )
  }
  return { burst: Number(m[1]), perSecond: Number(m[2]) }
}

export function resolveDaemonConfig(
  flags: DaemonFlags,
  env: Env = process.env,
  cwd: string = process.cwd(),
): DaemonConfig {
  const host = pick(
    { name: '--host', value: flags.host },
    { name: 'BRIEFD_HOST', value: env.BRIEFD_HOST },
  )
  const port = pick(
    { name: '--port', value: flags.port },
    { name: 'BRIEFD_PORT', value: env.BRIEFD_PORT },
  )
  const content = pick(
    { name: '--content', value: flags.content },
    { name: 'BRIEFD_CONTENT_DIR', value: env.BRIEFD_CONTENT_DIR },
  )
  const stateDir = pick(
    { name: '--state-dir', value: flags.stateDir },
    { name: 'BRIEFD_STATE_DIR', value: env.BRIEFD_STATE_DIR },
  )
  const ttl = pick(
    { name: '--session-ttl', value: flags.sessionTtl },
    { name: 'BRIEFD_SESSION_TTL', value: env.BRIEFD_SESSION_TTL },
  )
  const maxSessions = pick({ name: 'BRIEFD_MAX_SESSIONS', value: env.BRIEFD_MAX_SESSIONS })
  const limit = pick({ name: 'BRIEFD_INSTRUCTIONS_LIMIT', value: env.BRIEFD_INSTRUCTIONS_LIMIT })
  const origins = flags.allowOrigin?.length
    ? flags.allowOrigin.map((o) => parseOrigin('--allow-origin', o))
    : parseListSetting({ name: 'BRIEFD_ALLOWED_ORIGINS', value: env.BRIEFD_ALLOWED_ORIGINS }).map(
        (o) => parseOrigin('BRIEFD_ALLOWED_ORIGINS', o),
      )

  return Object.freeze({
    host: host ? parseLoopbackHost(host.name, host.value ?? '') : DEFAULT_HOST,
    port: port ? parseIntSetting(port, 0, 65535) : DEFAULT_PORT,
    contentDir: resolve(cwd, content?.value ?? 'content'),
    stateDir: resolve(cwd, stateDir?.value ?? defaultStateDir(env)),
    sessionTtlSeconds: ttl
      ? parseDurationSetting(ttl, MIN_SESSION_TTL_SECONDS, MAX_SESSION_TTL_SECONDS)
      : DEFAULT_SESSION_TTL_SECONDS,
    maxSessions: maxSessions ? parseIntSetting(maxSessions, 1, 10_000_000) : 10_000,
    allowedOrigins: Object.freeze(origins),
    instructionsLimit: limit ? parseIntSetting(limit, 1, 1_000_000) : DEFAULT_INSTRUCTIONS_LIMIT,
    bodyLimitBytes: BODY_LIMIT_BYTES,
    rateLimits: Object.freeze({
      anonymous: parseBucket(
        'BRIEFD_RATE_ANONYMOUS',
        env.BRIEFD_RATE_ANONYMOUS,
        DEFAULT_RATE_LIMITS.anonymous,
      ),
      health: parseBucket('BRIEFD_RATE_HEALTH', env.BRIEFD_RATE_HEALTH, DEFAULT_RATE_LIMITS.health),
      bootstrap: parseBucket(
        'BRIEFD_RATE_BOOTSTRAP',
        env.BRIEFD_RATE_BOOTSTRAP,
        DEFAULT_RATE_LIMITS.bootstrap,
      ),
      session: parseBucket(
        'BRIEFD_RATE_SESSION',
        env.BRIEFD_RATE_SESSION,
        DEFAULT_RATE_LIMITS.session,
      ),
    }),
  })
}

/**
 * @module daemon/config
 * Resolves the daemon's settings from flags, BRIEFD_* variables and defaults into one
 * frozen object. Every error names the setting and the value found.
 */
import { isIP } from 'node:net'
import { resolve } from 'node:path'
import { DEFAULT_INSTRUCTIONS_LIMIT } from '../content/check.js'
import { canonicalResource } from '../oauth/resource.js'
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

/**
 * Public (remote) mode: the daemon is an OAuth 2.1 resource server for the people a plugin is
 * shipped to. Absent in local mode, which stays exactly as it was.
 */
export interface PublicConfig {
  /** The canonical URI of this server (RFC 8707): the audience tokens must carry. */
  resource: string
  /** Authorization servers whose access tokens are accepted (may be empty: API keys only). */
  issuers: readonly string[]
  /** PEM files for HTTPS; absent only behind a TLS-terminating proxy or on loopback. */
  tls?: { certFile: string; keyFile: string }
  /** A TLS-terminating load balancer in front; the daemon itself speaks plain HTTP. */
  behindTlsProxy: boolean
}

export interface DaemonConfig {
  host: string
  /** Set in public mode (`--resource`). */
  public?: PublicConfig
  port: number
  contentDir: string
  stateDir: string
  sessionTtlSeconds: number
  maxSessions: number
  allowedOrigins: readonly string[]
  instructionsLimit: number
  /** Tools manifest to check templates against (--tools, BRIEFD_TOOLS); undefined: the example. */
  toolsFile?: string
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
  resource?: string
  issuer?: string[]
  tlsCert?: string
  tlsKey?: string
  behindTlsProxy?: boolean
  tools?: string
}

/** Default session lifetime in public mode: short, since the sign-in behind it renews it. */
export const PUBLIC_SESSION_TTL_SECONDS = 3600

function resolvePublic(flags: DaemonFlags, env: Env, cwd: string): PublicConfig | undefined {
  const resource = pick(
    { name: '--resource', value: flags.resource },
    { name: 'BRIEFD_RESOURCE', value: env.BRIEFD_RESOURCE },
  )
  const issuers = flags.issuer?.length
    ? flags.issuer
    : parseListSetting({ name: 'BRIEFD_ISSUERS', value: env.BRIEFD_ISSUERS })
  const cert = pick(
    { name: '--tls-cert', value: flags.tlsCert },
    { name: 'BRIEFD_TLS_CERT', value: env.BRIEFD_TLS_CERT },
  )
  const key = pick(
    { name: '--tls-key', value: flags.tlsKey },
    { name: 'BRIEFD_TLS_KEY', value: env.BRIEFD_TLS_KEY },
  )
  const behindTlsProxy = flags.behindTlsProxy === true || env.BRIEFD_BEHIND_TLS_PROXY === '1'
  if (!resource) {
    const stray = issuers.length
      ? '--issuer'
      : cert
        ? cert.name
        : key
          ? key.name
          : behindTlsProxy
            ? '--behind-tls-proxy'
            : undefined
    if (stray) {
      throw new BriefdError(
        'ERR_CONFIG_INVALID',
        `${stray} needs --resource (the https URL this server is reached at)`,
      )
    }
    return undefined
  }
  if ((cert === undefined) !== (key === undefined)) {
    throw new BriefdError(
      'ERR_CONFIG_INVALID',
      `${cert ? '--tls-cert needs --tls-key' : '--tls-key needs --tls-cert'} (PEM files of this server's certificate and private key)`,
    )
  }
  if (cert && behindTlsProxy) {
    throw new BriefdError(
      'ERR_CONFIG_INVALID',
      '--behind-tls-proxy and --tls-cert exclude each other: either this process speaks TLS or the proxy in front does',
    )
  }
  const canonical = canonicalResource(resource.value ?? '', resource.name)
  return {
    resource: canonical,
    issuers: issuers.map((i) => canonicalIssuer(i)),
    ...(cert && key
      ? {
          tls: {
            certFile: resolve(cwd, cert.value ?? ''),
            keyFile: resolve(cwd, key.value ?? ''),
          },
        }
      : {}),
    behindTlsProxy,
  }
}

/** An issuer is compared exactly with the metadata's `issuer`: https only, as written. */
function canonicalIssuer(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new BriefdError(
      'ERR_CONFIG_INVALID',
      `--issuer ${JSON.stringify(value)} is not an https URL such as https://idp.example.com`,
    )
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.hash || url.search) {
    throw new BriefdError(
      'ERR_CONFIG_INVALID',
      `--issuer ${JSON.stringify(value)} must be a plain https URL (no user, query or fragment)`,
    )
  }
  return value
}

/** In public mode any address may be bound, but only with TLS here or at a proxy in front. */
function parseHost(name: string, value: string, pub: PublicConfig | undefined): string {
  if (pub === undefined) return parseLoopbackHost(name, value)
  const v = value.trim().toLowerCase()
  try {
    return parseLoopbackHost(name, value)
  } catch (err) {
    if (pub.tls || pub.behindTlsProxy) {
      const bare = v.startsWith('[') && v.endsWith(']') ? v.slice(1, -1) : v
      if (isIP(bare) === 0) {
        throw new BriefdError(
          'ERR_CONFIG_INVALID',
          `${name} ${JSON.stringify(value)} must be an IP address to bind (e.g. 0.0.0.0 or ::)`,
        )
      }
      return bare
    }
    throw new BriefdError(
      'ERR_HOST_NOT_LOOPBACK',
      `${name} ${JSON.stringify(value)} is not a loopback address: serving beyond loopback needs --tls-cert and --tls-key, or --behind-tls-proxy for a TLS-terminating load balancer`,
      { cause: err },
    )
  }
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
  const tools = pick(
    { name: '--tools', value: flags.tools },
    { name: 'BRIEFD_TOOLS', value: env.BRIEFD_TOOLS },
  )
  const maxSessions = pick({ name: 'BRIEFD_MAX_SESSIONS', value: env.BRIEFD_MAX_SESSIONS })
  const limit = pick({ name: 'BRIEFD_INSTRUCTIONS_LIMIT', value: env.BRIEFD_INSTRUCTIONS_LIMIT })
  const origins = flags.allowOrigin?.length
    ? flags.allowOrigin.map((o) => parseOrigin('--allow-origin', o))
    : parseListSetting({ name: 'BRIEFD_ALLOWED_ORIGINS', value: env.BRIEFD_ALLOWED_ORIGINS }).map(
        (o) => parseOrigin('BRIEFD_ALLOWED_ORIGINS', o),
      )

  const pub = resolvePublic(flags, env, cwd)
  return Object.freeze({
    host: host ? parseHost(host.name, host.value ?? '', pub) : DEFAULT_HOST,
    ...(pub ? { public: Object.freeze(pub) } : {}),
    port: port ? parseIntSetting(port, 0, 65535) : DEFAULT_PORT,
    contentDir: resolve(cwd, content?.value ?? 'content'),
    stateDir: resolve(cwd, stateDir?.value ?? defaultStateDir(env)),
    sessionTtlSeconds: ttl
      ? parseDurationSetting(ttl, MIN_SESSION_TTL_SECONDS, MAX_SESSION_TTL_SECONDS)
      : pub
        ? PUBLIC_SESSION_TTL_SECONDS
        : DEFAULT_SESSION_TTL_SECONDS,
    maxSessions: maxSessions ? parseIntSetting(maxSessions, 1, 10_000_000) : 10_000,
    allowedOrigins: Object.freeze(origins),
    instructionsLimit: limit ? parseIntSetting(limit, 1, 1_000_000) : DEFAULT_INSTRUCTIONS_LIMIT,
    ...(tools?.value ? { toolsFile: resolve(cwd, tools.value) } : {}),
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

/**
 * @module daemon/public-mode
 * What `--resource` adds to the daemon, assembled before it listens: the authorization
 * servers' metadata and keys (discovered once at start; a server that cannot be reached or
 * trusted is a start-up error naming it), the API keys of the state dir, the revocations of
 * exchanged sessions, the TLS key pair, and the challenge parameters of RFC 9728. The bootstrap
 * credential has no role here: it is never accepted in public mode.
 */
import { readFileSync } from 'node:fs'
import { ApiKeyVerifier } from '../apikeys/index.js'
import { AccessTokenVerifier, discoverIssuer, type IssuerMetadata } from '../oauth/index.js'
import { BriefdError, errnoCode } from '../shared/errors.js'
import type { Logger } from '../shared/log.js'
import type { CredentialVerifier } from '../shared/principal.js'
import { SubjectRevocations } from '../tokens/subject-revocations.js'
import type { GrantRevocations } from '../tokens/verifier.js'
import { accessTokenCredential, apiKeyCredential } from './auth/remote-verifiers.js'
import type { PublicConfig } from './config.js'
import type { ChallengeParams } from './error-map.js'

export interface PublicMode {
  config: PublicConfig
  /** The remote credential kinds, after the session verifier in the authenticator. */
  verifiers: CredentialVerifier[]
  revocations: GrantRevocations
  tls?: { cert: Buffer; key: Buffer }
  /** Challenge parameters for a request path: `/mcp…` has its own metadata document. */
  challenge(path: string): ChallengeParams
  close(): Promise<void>
}

export interface PublicModeOptions {
  stateDir: string
  logger: Logger
  now: () => number
  /** The scope a request without a token is told to ask for. */
  readScope: string
  /** Extra scopes from a token's roles (the access policy). */
  rolesToScopes?: (claims: Readonly<Record<string, unknown>>) => readonly string[]
  /** The tenant from a token's verified claims (the access policy). */
  tenantOf?: (claims: Readonly<Record<string, unknown>>) => string | undefined
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file)
  } catch (err) {
    throw new BriefdError(
      'ERR_CONFIG_INVALID',
      `cannot read the TLS ${what} ${file} (${errnoCode(err) ?? String(err)})`,
      { cause: err },
    )
  }
}

export async function preparePublicMode(
  config: PublicConfig,
  o: PublicModeOptions,
): Promise<PublicMode> {
  const tls = config.tls
    ? {
        cert: readPem(config.tls.certFile, 'certificate (--tls-cert)'),
        key: readPem(config.tls.keyFile, 'private key (--tls-key)'),
      }
    : undefined
  const issuers: IssuerMetadata[] = []
  for (const issuer of config.issuers) issuers.push(await discoverIssuer(issuer))
  const verifiers: CredentialVerifier[] = []
  const apiKeys = new ApiKeyVerifier({ stateDir: o.stateDir, logger: o.logger, now: o.now })
  verifiers.push(apiKeyCredential(apiKeys))
  if (issuers.length > 0) {
    const tokens = new AccessTokenVerifier({
      issuers,
      audiences: [config.resource, `${config.resource}/mcp`],
      now: o.now,
      ...(o.tenantOf ? { tenantOf: o.tenantOf } : {}),
      ...(o.rolesToScopes ? { rolesToScopes: o.rolesToScopes } : {}),
    })
    try {
      await tokens.prefetch()
    } catch (err) {
      // Keys are fetched again on first use; the daemon still starts (API keys keep working).
      o.logger.warn(
        `authorization server keys could not be fetched yet (${err instanceof Error ? err.message : String(err)})`,
      )
    }
    verifiers.push(accessTokenCredential(tokens))
    for (const i of issuers) o.logger.info(`accepting access tokens from ${i.issuer}`)
  }
  const subjects = new SubjectRevocations(o.stateDir, o.now)
  const rootMetadata = `${config.resource}/.well-known/oauth-protected-resource`
  const url = new URL(config.resource)
  const mcpMetadata = `${url.origin}/.well-known/oauth-protected-resource${url.pathname === '/' ? '' : url.pathname}/mcp`
  return {
    config,
    verifiers,
    revocations: {
      isKeyLive: (id) => apiKeys.isLive(id),
      subjectRevokedAt: (s) => subjects.revokedAt(s),
    },
    ...(tls ? { tls } : {}),
    challenge: (path) => ({
      resourceMetadata: path === '/mcp' || path.startsWith('/mcp/') ? mcpMetadata : rootMetadata,
      scope: o.readScope,
    }),
    close: () => apiKeys.close(),
  }
}

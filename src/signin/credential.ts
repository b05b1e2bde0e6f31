/**
 * @module signin/credential
 * The credential a hosted daemon gets for `POST /v1/sessions`: an API key (`BRIEFD_API_KEY`,
 * or the key file `login --api-key-file` recorded), or an OAuth access token from the stored
 * sign-in, refreshed when it is about to expire. A rotated refresh token is stored (atomically,
 * under the store's lock) before the new access token is used: if we crashed right after the
 * refresh, the old refresh token would be spent and the new one lost, and the user would have
 * to sign in again.
 */
import { BriefdError, isBriefdError } from '../shared/errors.js'
import type { Env } from '../shared/paths.js'
import { clientCredentialsFlow, refreshFlow } from './flows.js'
import { readSigninSecret } from './secrets.js'
import { remoteKey, requireSignin, updateSignin, type StoredSignin } from './store.js'
import type { ClientIdentity, TokenSet } from './token-endpoint.js'

/** An access token this close to expiry is refreshed first: it must survive the exchange. */
export const REFRESH_MARGIN_MS = 30_000

export interface RemoteCredential {
  value: string
  kind: 'api_key' | 'access_token'
}

export interface CredentialOptions {
  env?: Env
  timeoutMs?: number
  signal?: AbortSignal
  now?: () => number
  /** Refresh even if the cached access token looks valid (the daemon just refused it). */
  forceRefresh?: boolean
}

const apiKeyFrom = (path: string): string => readSigninSecret(path, 'API key file')

/** Applies a token response to the stored sign-in. */
export function withTokens(s: StoredSignin, t: TokenSet): StoredSignin {
  const next: StoredSignin = { ...s, access_token: t.accessToken, access_expires_at: t.expiresAt }
  if (t.refreshToken !== undefined) next.refresh_token = t.refreshToken
  if (t.scopes !== undefined) next.scopes = t.scopes
  const claims = unverifiedClaims(t.accessToken)
  if (typeof claims?.sub === 'string') next.subject = claims.sub
  if (typeof claims?.tenant === 'string') next.tenant = claims.tenant
  return next
}

/**
 * The claims of a JWT access token, for display (`whoami`) only: not verified, never trusted
 * for a decision; an opaque token gives undefined.
 */
export function unverifiedClaims(token: string): Record<string, unknown> | undefined {
  const part = token.split('.')[1]
  if (part === undefined) return undefined
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

function clientOf(s: StoredSignin): ClientIdentity {
  if (s.client_id === undefined)
    throw new BriefdError(
      'ERR_SIGNIN_REQUIRED',
      `the sign-in to ${remoteKey(s.remote)} has no client id (run: briefd login ${remoteKey(s.remote)})`,
    )
  return s.client_secret_file === undefined
    ? { clientId: s.client_id }
    : {
        clientId: s.client_id,
        secret: readSigninSecret(s.client_secret_file, 'client secret file'),
      }
}

function fresh(s: StoredSignin, now: number): string | undefined {
  return s.access_token !== undefined &&
    s.access_expires_at !== undefined &&
    s.access_expires_at - REFRESH_MARGIN_MS > now
    ? s.access_token
    : undefined
}

/** The credential for the remote's `POST /v1/sessions`. Throws ERR_SIGNIN_REQUIRED with the fix. */
export async function remoteCredential(
  remote: URL | string,
  o: CredentialOptions = {},
): Promise<RemoteCredential> {
  const env = o.env ?? process.env
  const now = o.now ?? Date.now
  const envKey = env.BRIEFD_API_KEY
  if (envKey !== undefined && envKey.trim() !== '') return { value: envKey.trim(), kind: 'api_key' }
  const stored = requireSignin(remote, env)
  if (stored.kind === 'api_key') {
    if (stored.api_key_file === undefined)
      throw new BriefdError('ERR_SIGNIN_REQUIRED', `no API key recorded for ${remoteKey(remote)}`)
    return { value: apiKeyFrom(stored.api_key_file), kind: 'api_key' }
  }
  const cached = o.forceRefresh ? undefined : fresh(stored, now())
  if (cached !== undefined) return { value: cached, kind: 'access_token' }
  const endpoint = {
    ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
    ...(o.signal ? { signal: o.signal } : {}),
  }
  const value = await updateSignin(
    remote,
    async (current) => {
      // Another process may have refreshed while we waited for the lock.
      const now2 = now()
      const theirs = fresh(current, now2)
      if (theirs !== undefined && (!o.forceRefresh || theirs !== stored.access_token))
        return { result: theirs }
      if (current.auth_server === undefined)
        throw new BriefdError(
          'ERR_SIGNIN_REQUIRED',
          `sign-in to ${remoteKey(remote)} is incomplete`,
        )
      const input = {
        authServer: current.auth_server,
        client: clientOf(current),
        resource: current.resource,
        endpoint,
      }
      let tokens: TokenSet
      try {
        if (current.kind === 'client_credentials')
          tokens = await clientCredentialsFlow({ ...input, scopes: current.scopes })
        else if (current.refresh_token !== undefined)
          tokens = await refreshFlow(input, current.refresh_token)
        else throw new BriefdError('ERR_SIGNIN_REQUIRED', 'the sign-in holds no refresh token')
      } catch (err) {
        if (isBriefdError(err, 'ERR_SIGNIN_REQUIRED'))
          throw new BriefdError(
            'ERR_SIGNIN_REQUIRED',
            `the sign-in to ${remoteKey(remote)} has expired or was revoked (run: briefd login ${remoteKey(remote)})`,
            { cause: err },
          )
        throw err
      }
      return { store: withTokens(current, tokens), result: tokens.accessToken }
    },
    env,
  )
  return { value, kind: 'access_token' }
}

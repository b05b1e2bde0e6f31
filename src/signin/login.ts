/**
 * @module signin/login
 * `briefd login|whoami|logout` as functions: sign in to a hosted daemon (discovery, client
 * identity, one of the flows) and store the result; describe a stored sign-in without any
 * secret; revoke and forget one.
 */
import { resolve } from 'node:path'
import { BriefdError } from '../shared/errors.js'
import type { Env } from '../shared/paths.js'
import { withTokens } from './credential.js'
import { discover, type Discovery } from './discovery.js'
import { authorizationCodeFlow, clientCredentialsFlow, deviceFlow } from './flows.js'
import { readSigninSecret } from './secrets.js'
import {
  deleteSignin,
  readSignin,
  remoteKey,
  writeSignin,
  type SigninKind,
  type StoredSignin,
} from './store.js'
import {
  registerClient,
  revokeToken,
  type ClientIdentity,
  type TokenSet,
} from './token-endpoint.js'
import { parseRemoteUrl } from './urls.js'

/** Time a person has to finish signing in, browser or device. */
export const USER_TIMEOUT_MS = 5 * 60_000

export interface LoginOptions {
  remote: string
  scopes?: string[]
  device?: boolean
  noBrowser?: boolean
  clientId?: string
  clientSecretFile?: string
  apiKeyFile?: string
  env?: Env
  /** Lines for the user (stderr). */
  say: (line: string) => void
  userTimeoutMs?: number
  /** Device flow polling waits (tests). */
  sleep?: (ms: number) => Promise<void>
}

export interface LoginResult {
  path: string
  kind: SigninKind
  remote: string
  scopes: string[]
  subject?: string
}

async function clientFor(o: LoginOptions, found: Discovery): Promise<ClientIdentity> {
  if (o.clientSecretFile !== undefined) {
    if (o.clientId === undefined)
      throw new BriefdError('ERR_CONFIG_INVALID', '--client-secret-file needs --client-id')
    return {
      clientId: o.clientId,
      secret: readSigninSecret(o.clientSecretFile, 'client secret file'),
    }
  }
  if (o.clientId !== undefined) return { clientId: o.clientId }
  const registration = found.authServer.registration_endpoint
  if (registration === undefined)
    throw new BriefdError(
      'ERR_CONFIG_INVALID',
      'the authorization server offers no client registration; pass the client id its administrator gave you: --client-id ID',
    )
  const grants = o.device
    ? ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token']
    : ['authorization_code', 'refresh_token']
  return { clientId: await registerClient(registration, grants) }
}

export async function login(o: LoginOptions): Promise<LoginResult> {
  const env = o.env ?? process.env
  const remote = parseRemoteUrl(o.remote)
  const key = remoteKey(remote)
  if (o.apiKeyFile !== undefined) {
    const file = resolve(o.apiKeyFile)
    readSigninSecret(file, 'API key file') // refuse a bad file now, not at the first session
    const path = writeSignin(
      {
        version: 1,
        kind: 'api_key',
        remote: key,
        resource: key,
        scopes: [],
        api_key_file: file,
        updated_at: '',
      },
      env,
    )
    return { path, kind: 'api_key', remote: key, scopes: [] }
  }
  const found = await discover(remote)
  const scopes = o.scopes && o.scopes.length > 0 ? o.scopes : found.scopes
  const client = await clientFor(o, found)
  const input = {
    authServer: found.authServer,
    client,
    resource: found.resource,
    scopes,
    say: o.say,
    userTimeoutMs: o.userTimeoutMs ?? USER_TIMEOUT_MS,
  }
  let kind: SigninKind = 'user'
  let tokens: TokenSet
  if (client.secret !== undefined) {
    kind = 'client_credentials'
    tokens = await clientCredentialsFlow(input)
  } else if (o.device) {
    tokens = await deviceFlow({ ...input, ...(o.sleep ? { sleep: o.sleep } : {}) })
  } else {
    tokens = await authorizationCodeFlow({ ...input, noBrowser: o.noBrowser === true })
  }
  const base: StoredSignin = {
    version: 1,
    kind,
    remote: key,
    resource: found.resource,
    scopes,
    auth_server: found.authServer,
    client_id: client.clientId,
    ...(o.clientSecretFile !== undefined
      ? { client_secret_file: resolve(o.clientSecretFile) }
      : {}),
    updated_at: '',
  }
  const stored = withTokens(base, tokens)
  const path = writeSignin(stored, env)
  return {
    path,
    kind,
    remote: key,
    scopes: stored.scopes,
    ...(stored.subject ? { subject: stored.subject } : {}),
  }
}

/** What `whoami` shows: never a token, a key or a secret. */
export interface SigninSummary {
  remote: string
  kind: SigninKind
  issuer?: string
  subject?: string
  tenant?: string
  scopes: string[]
  /** ISO 8601: when the cached access token expires, if there is one. */
  access_expires_at?: string
  refreshable: boolean
}

export function summarize(s: StoredSignin): SigninSummary {
  return {
    remote: s.remote,
    kind: s.kind,
    ...(s.auth_server ? { issuer: s.auth_server.issuer } : {}),
    ...(s.subject ? { subject: s.subject } : {}),
    ...(s.tenant ? { tenant: s.tenant } : {}),
    scopes: s.scopes,
    ...(s.access_expires_at !== undefined
      ? { access_expires_at: new Date(s.access_expires_at).toISOString() }
      : {}),
    refreshable: s.refresh_token !== undefined || s.kind !== 'user',
  }
}

export function whoami(remote: string, env: Env = process.env): SigninSummary {
  const url = parseRemoteUrl(remote)
  const s = readSignin(url, env)
  if (!s)
    throw new BriefdError(
      'ERR_SIGNIN_REQUIRED',
      `not signed in to ${remoteKey(url)} (run: briefd login ${remoteKey(url)})`,
    )
  return summarize(s)
}

export interface LogoutResult {
  removed: boolean
  /** true: the authorization server revoked the refresh token; false: it refused or was unreachable; undefined: nothing to revoke or no endpoint. */
  revoked?: boolean
}

export async function logout(remote: string, env: Env = process.env): Promise<LogoutResult> {
  const url = parseRemoteUrl(remote)
  const s = readSignin(url, env)
  if (!s) return { removed: false }
  let revoked: boolean | undefined
  const endpoint = s.auth_server?.revocation_endpoint
  const token = s.refresh_token ?? s.access_token
  if (endpoint !== undefined && token !== undefined && s.client_id !== undefined) {
    const client: ClientIdentity =
      s.client_secret_file === undefined
        ? { clientId: s.client_id }
        : {
            clientId: s.client_id,
            secret: readSigninSecret(s.client_secret_file, 'client secret file'),
          }
    revoked = await revokeToken(
      endpoint,
      client,
      token,
      s.refresh_token !== undefined ? 'refresh_token' : 'access_token',
    ).catch(() => false)
  }
  // Deleted whatever the revocation did: the user asked to be signed out on this machine.
  const removed = deleteSignin(url, env)
  return { removed, ...(revoked === undefined ? {} : { revoked }) }
}

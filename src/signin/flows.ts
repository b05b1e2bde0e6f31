/**
 * @module signin/flows
 * The three ways a person or a machine gets tokens: the authorization code flow with PKCE and
 * a loopback redirect (a person at a desktop), the device authorization grant (RFC 8628: a
 * person on an SSH session or a headless machine), and client credentials (a machine). Every
 * request names the daemon as RFC 8707 `resource`, so the token is good for that daemon only.
 */
import { BriefdError } from '../shared/errors.js'
import { openBrowser } from './browser.js'
import type { AuthServerMetadata } from './discovery.js'
import { jsonObject, oauthErrorCode } from './http.js'
import { listenForCallback } from './loopback.js'
import { createPkce, createState } from './pkce.js'
import {
  postForm,
  requestTokens,
  tokenSet,
  type ClientIdentity,
  type EndpointOptions,
  type TokenSet,
} from './token-endpoint.js'
import { requireHttpsUrl } from './urls.js'

export interface FlowInput {
  authServer: AuthServerMetadata
  client: ClientIdentity
  resource: string
  scopes: string[]
  /** Where the flow talks to the user (stderr): the URL to open, the user code. */
  say: (line: string) => void
  /** Time the user has to finish signing in. */
  userTimeoutMs: number
  endpoint?: EndpointOptions
}

/** The authorization URL of a code flow (exported for tests and `--no-browser`). */
export function authorizationUrl(
  input: Pick<FlowInput, 'authServer' | 'client' | 'resource' | 'scopes'>,
  redirectUri: string,
  state: string,
  challenge: string,
): URL {
  const endpoint = requireHttpsUrl(
    input.authServer.authorization_endpoint,
    'authorization server metadata authorization_endpoint',
  )
  const methods = input.authServer.code_challenge_methods_supported
  if (methods && !methods.includes('S256'))
    throw new BriefdError(
      'ERR_AUTH_SERVER_INVALID',
      'the authorization server does not offer PKCE S256; briefd will not sign in without it',
    )
  const url = new URL(endpoint)
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('client_id', input.client.clientId)
  url.searchParams.set('redirect_uri', redirectUri)
  url.searchParams.set('state', state)
  url.searchParams.set('code_challenge', challenge)
  url.searchParams.set('code_challenge_method', 'S256')
  url.searchParams.set('resource', input.resource)
  if (input.scopes.length > 0) url.searchParams.set('scope', input.scopes.join(' '))
  return url
}

export interface CodeFlowInput extends FlowInput {
  /** Print the URL and wait instead of opening a browser. */
  noBrowser: boolean
}

export async function authorizationCodeFlow(input: CodeFlowInput): Promise<TokenSet> {
  const pkce = createPkce()
  const state = createState()
  const listener = await listenForCallback(state, input.userTimeoutMs)
  try {
    const url = authorizationUrl(input, listener.redirectUri, state, pkce.challenge)
    if (input.noBrowser || !(await openBrowser(url))) {
      input.say('Open this URL in a browser to sign in:')
      input.say(url.href)
    } else {
      input.say('Opened a browser to sign in; waiting for it to finish.')
    }
    const code = await listener.code
    return await requestTokens(
      input.authServer.token_endpoint,
      input.client,
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: listener.redirectUri,
        code_verifier: pkce.verifier,
        resource: input.resource,
      },
      input.endpoint,
    )
  } finally {
    listener.close()
  }
}

const DEFAULT_INTERVAL_S = 5
const SLOW_DOWN_S = 5

export interface DeviceFlowInput extends FlowInput {
  /** For tests: waits between polls; default a real timer. */
  sleep?: (ms: number) => Promise<void>
}

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export async function deviceFlow(input: DeviceFlowInput): Promise<TokenSet> {
  const endpoint = input.authServer.device_authorization_endpoint
  if (endpoint === undefined)
    throw new BriefdError(
      'ERR_SIGNIN_FAILED',
      'the authorization server offers no device authorization endpoint; sign in without --device',
    )
  const params: Record<string, string> = { resource: input.resource }
  if (input.scopes.length > 0) params.scope = input.scopes.join(' ')
  const res = await postForm(endpoint, input.client, params, input.endpoint)
  const v = jsonObject(res)
  if (res.status !== 200 || !v)
    throw new BriefdError(
      'ERR_SIGNIN_FAILED',
      `the device authorization endpoint refused: ${oauthErrorCode(res)}`,
    )
  const { device_code: deviceCode, user_code: userCode } = v
  if (typeof deviceCode !== 'string' || typeof userCode !== 'string')
    throw new BriefdError('ERR_AUTH_SERVER_INVALID', 'device authorization answer lacks the codes')
  const verify = requireHttpsUrl(
    v.verification_uri_complete ?? v.verification_uri,
    'device authorization verification_uri',
  )
  input.say(`To sign in, open ${verify.href}`)
  input.say(`and check that it shows the code: ${userCode}`)
  let interval = typeof v.interval === 'number' && v.interval > 0 ? v.interval : DEFAULT_INTERVAL_S
  const expiresIn = typeof v.expires_in === 'number' && v.expires_in > 0 ? v.expires_in : 600
  const until = Date.now() + Math.min(expiresIn * 1000, input.userTimeoutMs)
  const sleep = input.sleep ?? realSleep
  for (;;) {
    await sleep(interval * 1000)
    if (Date.now() > until)
      throw new BriefdError('ERR_SIGNIN_FAILED', 'the device code expired before sign-in finished')
    const poll = await postForm(
      input.authServer.token_endpoint,
      input.client,
      {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: deviceCode,
        resource: input.resource,
      },
      input.endpoint,
    )
    if (poll.status === 200) return tokenSet(poll)
    const error = oauthErrorCode(poll)
    if (error === 'authorization_pending') continue
    if (error === 'slow_down') {
      interval += SLOW_DOWN_S // RFC 8628 §3.5
      continue
    }
    throw new BriefdError('ERR_SIGNIN_FAILED', `device sign-in did not complete: ${error}`)
  }
}

/** Client credentials: a machine's own identity, for the daemon's resource. */
export async function clientCredentialsFlow(
  input: Omit<FlowInput, 'say' | 'userTimeoutMs'>,
): Promise<TokenSet> {
  if (input.client.secret === undefined)
    throw new BriefdError('ERR_CONFIG_INVALID', 'client credentials need --client-secret-file')
  const params: Record<string, string> = {
    grant_type: 'client_credentials',
    resource: input.resource,
  }
  if (input.scopes.length > 0) params.scope = input.scopes.join(' ')
  return requestTokens(input.authServer.token_endpoint, input.client, params, input.endpoint)
}

/** Refresh (RFC 6749 §6), for the same resource; the answer may carry a rotated refresh token. */
export async function refreshFlow(
  input: Omit<FlowInput, 'say' | 'userTimeoutMs' | 'scopes'>,
  refreshToken: string,
): Promise<TokenSet> {
  return requestTokens(
    input.authServer.token_endpoint,
    input.client,
    { grant_type: 'refresh_token', refresh_token: refreshToken, resource: input.resource },
    input.endpoint,
  )
}

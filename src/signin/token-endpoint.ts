/**
 * @module signin/token-endpoint
 * Requests to the authorization server's token, device authorization, revocation and
 * registration endpoints. A confidential client authenticates with HTTP Basic (RFC 6749
 * §2.3.1); a public client sends its client_id. Refusals carry the OAuth `error` code only,
 * never a token, code or secret.
 */
import { BriefdError } from '../shared/errors.js'
import { jsonObject, oauthErrorCode, signinFetch, type SigninResponse } from './http.js'

export interface ClientIdentity {
  clientId: string
  /** Confidential clients only (client credentials). */
  secret?: string
}

export interface TokenSet {
  accessToken: string
  /** Epoch ms; from `expires_in`, 1 hour when the server names none. */
  expiresAt: number
  refreshToken?: string
  scopes?: string[]
}

export interface EndpointOptions {
  timeoutMs?: number
  signal?: AbortSignal
}

const DEFAULT_EXPIRES_IN_S = 3600

function formFor(
  client: ClientIdentity,
  params: Record<string, string>,
): {
  form: URLSearchParams
  headers: Record<string, string>
} {
  const form = new URLSearchParams(params)
  const headers: Record<string, string> = {}
  if (client.secret !== undefined) {
    const enc = (s: string): string => encodeURIComponent(s)
    headers.authorization = `Basic ${Buffer.from(`${enc(client.clientId)}:${enc(client.secret)}`).toString('base64')}`
  } else {
    form.set('client_id', client.clientId)
  }
  return { form, headers }
}

export async function postForm(
  endpoint: string,
  client: ClientIdentity,
  params: Record<string, string>,
  o: EndpointOptions = {},
): Promise<SigninResponse> {
  const { form, headers } = formFor(client, params)
  return signinFetch({
    method: 'POST',
    url: new URL(endpoint),
    form,
    headers,
    ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
    ...(o.signal ? { signal: o.signal } : {}),
  })
}

/** Parses a successful token response (RFC 6749 §5.1). */
export function tokenSet(res: SigninResponse, now = Date.now()): TokenSet {
  const v = jsonObject(res)
  if (!v || typeof v.access_token !== 'string' || v.access_token === '')
    throw new BriefdError(
      'ERR_AUTH_SERVER_INVALID',
      'token endpoint answered without an access_token',
    )
  if (typeof v.token_type === 'string' && v.token_type.toLowerCase() !== 'bearer')
    throw new BriefdError(
      'ERR_AUTH_SERVER_INVALID',
      'token endpoint issued a token that is not a bearer token',
    )
  const expiresIn =
    typeof v.expires_in === 'number' && v.expires_in > 0 ? v.expires_in : DEFAULT_EXPIRES_IN_S
  const set: TokenSet = { accessToken: v.access_token, expiresAt: now + expiresIn * 1000 }
  if (typeof v.refresh_token === 'string' && v.refresh_token !== '')
    set.refreshToken = v.refresh_token
  if (typeof v.scope === 'string') set.scopes = v.scope.split(' ').filter((s) => s !== '')
  return set
}

/** A token request; a refusal is ERR_SIGNIN_REQUIRED for a dead grant, else ERR_SIGNIN_FAILED. */
export async function requestTokens(
  tokenEndpoint: string,
  client: ClientIdentity,
  params: Record<string, string>,
  o: EndpointOptions = {},
): Promise<TokenSet> {
  const res = await postForm(tokenEndpoint, client, params, o)
  if (res.status === 200) return tokenSet(res)
  const error = oauthErrorCode(res)
  throw new BriefdError(
    error === 'invalid_grant' ? 'ERR_SIGNIN_REQUIRED' : 'ERR_SIGNIN_FAILED',
    `the token endpoint refused the ${params.grant_type ?? 'token'} request: ${error}`,
    { details: { error } },
  )
}

/** RFC 7009 revocation; true when the server accepted it. */
export async function revokeToken(
  revocationEndpoint: string,
  client: ClientIdentity,
  token: string,
  hint: 'refresh_token' | 'access_token',
  o: EndpointOptions = {},
): Promise<boolean> {
  const res = await postForm(revocationEndpoint, client, { token, token_type_hint: hint }, o)
  return res.status === 200
}

/** RFC 7591 dynamic registration of a public native client with a loopback redirect. */
export async function registerClient(
  registrationEndpoint: string,
  grantTypes: string[],
  o: EndpointOptions = {},
): Promise<string> {
  const res = await signinFetch({
    method: 'POST',
    url: new URL(registrationEndpoint),
    json: {
      client_name: 'briefd',
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: grantTypes,
      response_types: grantTypes.includes('authorization_code') ? ['code'] : [],
      token_endpoint_auth_method: 'none',
    },
    ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
    ...(o.signal ? { signal: o.signal } : {}),
  })
  const v = jsonObject(res)
  if (res.status !== 201 || !v || typeof v.client_id !== 'string')
    throw new BriefdError(
      'ERR_SIGNIN_FAILED',
      `dynamic client registration was refused (${oauthErrorCode(res)}); pass a pre-registered --client-id`,
    )
  return v.client_id
}

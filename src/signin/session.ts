/**
 * @module signin/session
 * From the stored sign-in to a briefd session token at a hosted daemon: get the credential
 * (refreshing the access token as needed), exchange it at `POST /v1/sessions`. An access token
 * the daemon refuses is refreshed once and tried again (it may have been revoked or the
 * daemon's clock may differ); a refusal after that, or of an API key, means signing in again.
 */
import type { SessionIssued } from '../shared/contract/bodies.js'
import { BriefdError, isBriefdError } from '../shared/errors.js'
import type { Env } from '../shared/paths.js'
import { exchangeForSession } from '../client/session-exchange.js'
import { remoteCredential, type CredentialOptions } from './credential.js'
import { remoteKey, updateSignin } from './store.js'

export interface RemoteSessionOptions {
  env?: Env
  /** Budget of the whole operation. */
  timeoutMs: number
  signal?: AbortSignal
  /** Keep the issued session in the credential store (for `briefd headers`). */
  cache?: boolean
}

/** The base URL of a hosted daemon's API: its origin. */
export function daemonBase(remote: URL): string {
  return remote.origin
}

function scopeHint(remote: URL, err: BriefdError): BriefdError {
  const scope = typeof err.details.scope === 'string' ? err.details.scope : '<scope>'
  return new BriefdError(
    'ERR_SCOPE_INSUFFICIENT',
    `the daemon at ${remote.origin} needs scope ${scope} (run: briefd login ${remoteKey(remote)} --scope "${scope}")`,
    { cause: err, details: err.details },
  )
}

export async function mintRemoteSession(
  remote: URL,
  o: RemoteSessionOptions,
): Promise<SessionIssued> {
  const env = o.env ?? process.env
  const end = Date.now() + o.timeoutMs
  const left = (): number => Math.max(1, end - Date.now())
  const credOptions = (force: boolean): CredentialOptions => ({
    env,
    timeoutMs: left(),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(force ? { forceRefresh: true } : {}),
  })
  const exchange = (credential: string): Promise<SessionIssued> =>
    exchangeForSession({
      url: daemonBase(remote),
      credential,
      timeoutMs: left(),
      ...(o.signal ? { signal: o.signal } : {}),
    })
  let credential = await remoteCredential(remote, credOptions(false))
  let session: SessionIssued
  try {
    try {
      session = await exchange(credential.value)
    } catch (err) {
      if (
        !isBriefdError(err, 'ERR_DAEMON_REJECTED') ||
        err.details.status !== 401 ||
        credential.kind !== 'access_token'
      )
        throw err
      credential = await remoteCredential(remote, credOptions(true))
      session = await exchange(credential.value)
    }
  } catch (err) {
    if (isBriefdError(err, 'ERR_SCOPE_INSUFFICIENT')) throw scopeHint(remote, err)
    if (isBriefdError(err, 'ERR_DAEMON_REJECTED') && err.details.status === 401)
      throw new BriefdError(
        'ERR_SIGNIN_REQUIRED',
        `the daemon at ${remote.origin} refused your ${credential.kind === 'api_key' ? 'API key' : 'sign-in'} (run: briefd login ${remoteKey(remote)})`,
        { cause: err },
      )
    throw err
  }
  if (o.cache) {
    // A cache that cannot be written (no stored sign-in: BRIEFD_API_KEY) costs a round trip next time.
    await updateSignin(
      remote,
      async (current) => ({ store: { ...current, session }, result: undefined }),
      env,
    ).catch(() => undefined)
  }
  return session
}

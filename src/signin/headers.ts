/**
 * @module signin/headers
 * `briefd headers URL` for Claude Code's `headersHelper`: the Authorization header with a
 * short-lived briefd session token, never the access or refresh token. A session token minted
 * earlier and valid for at least another minute is reused from the credential store, so the
 * common case reads one file and makes no request.
 */
import type { Env } from '../shared/paths.js'
import { mintRemoteSession } from './session.js'
import { readSignin } from './store.js'
import { parseRemoteUrl } from './urls.js'

/** A cached session token this close to expiry is replaced rather than handed out. */
const REUSE_MARGIN_MS = 60_000

export async function authorizationHeaders(
  remoteRaw: string,
  o: { env?: Env; timeoutMs: number; now?: number },
): Promise<{ Authorization: string }> {
  const env = o.env ?? process.env
  const remote = parseRemoteUrl(remoteRaw)
  const now = o.now ?? Date.now()
  // BRIEFD_API_KEY means "store nothing": each call mints a session.
  const fromEnv = env.BRIEFD_API_KEY !== undefined && env.BRIEFD_API_KEY.trim() !== ''
  const cached = fromEnv ? undefined : readSignin(remote, env)?.session
  if (cached && Date.parse(cached.expires_at) - REUSE_MARGIN_MS > now)
    return { Authorization: `Bearer ${cached.token}` }
  const session = await mintRemoteSession(remote, { env, timeoutMs: o.timeoutMs, cache: !fromEnv })
  return { Authorization: `Bearer ${session.token}` }
}

/**
 * @module mcp/remote-renew
 * Against a hosted daemon, a Claude Code session can outlive its briefd session token (the
 * daemon issues short-lived ones). When the daemon refuses the token and the hook has not
 * replaced it, `briefd mcp` gets a new one from the stored sign-in (refreshing the access token
 * as needed) and writes it to the same token file, exactly as the SessionStart hook does. A
 * sign-in that is gone (logged out, revoked, API key revoked) cannot renew: the failure is
 * reported once on stderr with its fix, and the client falls back to generic content.
 */
import { BriefdError } from '../shared/errors.js'
import type { Logger } from '../shared/log.js'
import type { Env } from '../shared/paths.js'
import { locateTokenFileForThisProcess } from '../host/discovery.js'
import { readTokenFile, sessionTokenRecord, writeTokenFile } from '../host/token-file.js'

/** Budget of one renewal: a refresh at the authorization server plus the exchange. */
const RENEW_TIMEOUT_MS = 5000

export function remoteRenewer(remote: URL, env: Env, logger: Logger): () => Promise<void> {
  let lastReported = ''
  return async () => {
    const location = locateTokenFileForThisProcess(env)
    if (!location)
      throw new BriefdError('ERR_TOKEN_NOT_FOUND', 'no token file to renew the session in')
    const previous = readTokenFile(location.path)
    try {
      // Loaded on first use: a local-mode server, or one whose token never expires, never pays for it.
      const { daemonBase, mintRemoteSession } = await import('../signin/session.js')
      const session = await mintRemoteSession(remote, { env, timeoutMs: RENEW_TIMEOUT_MS })
      writeTokenFile(
        location.path,
        sessionTokenRecord(session, daemonBase(remote), previous.host, new Date()),
      )
      logger.debug(`renewed the session token for ${remote.origin} in ${location.path}`)
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      if (message !== lastReported) logger.warn(message)
      lastReported = message
      throw err
    }
  }
}

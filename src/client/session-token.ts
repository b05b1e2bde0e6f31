/**
 * @module client/session-token
 * Finding and reading this process's session token (written by the SessionStart hook).
 * The file is read afresh whenever the daemon must be asked, so a token that appears late
 * (the hook ran after us) or is replaced (after `/clear`) is used by the next request with
 * no restart. The daemon URL inside the file must be loopback, or https for a hosted daemon
 * (which issued the token): a token must never travel in clear text off this machine.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { BriefdError, isBriefdError } from '../shared/errors.js'
import type { Env } from '../shared/paths.js'
import { locateTokenFileForThisProcess, type TokenLocation } from '../host/discovery.js'
import { parseDaemonUrl } from './daemon-request.js'
import { parseRemoteDaemonUrl } from './remote-request.js'
import { readTokenFile, type TokenRecord } from '../host/token-file.js'

/** The parts of a token record a daemon request needs. */
export interface SessionToken {
  token: string
  daemonUrl: string
  /** The daemon's Unix socket, if the token file names one. */
  daemonSocket?: string
  expiresAt: string
  path: string
}

const POLL_MS = 20

/**
 * Reads the current token. Throws ERR_TOKEN_NOT_FOUND when there is none yet, and
 * ERR_DIR_UNSAFE / ERR_FILE_UNSAFE / ERR_FILE_INVALID when one exists but is refused.
 */
/** Finds the token file for an environment (host discovery, or a host's own scheme). */
export type TokenLocator = (env: Env) => TokenLocation | undefined

export function readSessionToken(
  env: Env,
  locate: TokenLocator = locateTokenFileForThisProcess,
): SessionToken {
  const location = locate(env)
  if (!location) {
    throw new BriefdError(
      'ERR_TOKEN_NOT_FOUND',
      'no session token: BRIEFD_TOKEN_FILE is not set and no token file exists for this host (is the SessionStart hook installed?)',
    )
  }
  let record: TokenRecord
  try {
    record = readTokenFile(location.path)
  } catch (err) {
    if (isBriefdError(err, 'ERR_FILE_NOT_FOUND')) {
      // `pending`: the hook may still be writing it, worth waiting for at start-up.
      throw new BriefdError(
        'ERR_TOKEN_NOT_FOUND',
        `no session token: token file ${location.path} does not exist`,
        { cause: err, details: { pending: true } },
      )
    }
    throw err
  }
  try {
    // A loopback daemon, or a hosted one over https (whose TLS certificate authenticates it).
    if (record.daemon_url.startsWith('https:')) parseRemoteDaemonUrl(record.daemon_url)
    else parseDaemonUrl(record.daemon_url)
  } catch (err) {
    throw new BriefdError(
      'ERR_FILE_INVALID',
      `token file ${location.path} names a daemon not on loopback and not https; refusing to send the token there`,
      { cause: err },
    )
  }
  return {
    token: record.token,
    daemonUrl: record.daemon_url,
    ...(record.daemon_socket !== undefined ? { daemonSocket: record.daemon_socket } : {}),
    expiresAt: record.expires_at,
    path: location.path,
  }
}

/**
 * Waits until a token can be read or `deadline` (epoch ms) passes, polling every 20 ms while
 * the token file does not exist. A refused file, or no token file location at all, ends the
 * wait at once: neither will fix itself.
 */
export async function waitForSessionToken(
  env: Env,
  deadline: number,
  now: () => number = Date.now,
  locate: TokenLocator = locateTokenFileForThisProcess,
): Promise<SessionToken> {
  for (;;) {
    try {
      return readSessionToken(env, locate)
    } catch (err) {
      const remaining = deadline - now()
      if (
        !isBriefdError(err, 'ERR_TOKEN_NOT_FOUND') ||
        err.details.pending !== true ||
        remaining <= 0
      )
        throw err
      await sleep(Math.min(POLL_MS, remaining))
    }
  }
}

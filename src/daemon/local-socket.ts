/**
 * @module daemon/local-socket
 * Where and whether the daemon listens on its Unix socket (shared/local-socket says why).
 * A socket file left by a daemon that died is removed at start, but only when it is ours (a
 * socket owned by us; the caller holds the instance lock, so no live daemon owns it). When
 * the path cannot be used (too long for `sun_path`, something else in the way) the daemon
 * logs one warning and serves TCP only: clients then fall back to TCP with the proof.
 */
import { chmodSync, lstatSync, unlinkSync } from 'node:fs'
import type { Server } from 'node:http'
import { join } from 'node:path'
import { errnoCode } from '../shared/errors.js'
import { socketPathFits } from '../shared/local-socket.js'
import type { Logger } from '../shared/log.js'
import { STATE_FILES } from '../shared/paths.js'

/** The socket path of a state dir. */
export function socketPathFor(stateDir: string): string {
  return join(stateDir, STATE_FILES.socket)
}

/**
 * Prepares `path` for listen(): true when it is free (a stale socket of ours removed), false
 * (after one warning) when the daemon must serve TCP only. Call it holding the instance lock.
 */
export function clearSocketPath(path: string, logger: Logger): boolean {
  if (!socketPathFits(path)) {
    logger.warn(
      `state dir path too long for a Unix socket (${Buffer.byteLength(path)} bytes at ${path}); serving TCP only`,
    )
    return false
  }
  try {
    const st = lstatSync(path)
    if (!st.isSocket() || st.uid !== process.geteuid?.()) {
      logger.warn(`${path} exists and is not a socket of ours; serving TCP only`)
      return false
    }
    unlinkSync(path)
    return true
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return true
    logger.warn(
      `cannot prepare socket ${path} (${errnoCode(err) ?? String(err)}); serving TCP only`,
    )
    return false
  }
}

/** Listens on `path`; resolves with the socket's inode (to remove only our own file at close), or undefined after a warning. */
export function listenOnSocket(
  server: Server,
  path: string,
  logger: Logger,
): Promise<number | undefined> {
  return new Promise((resolve) => {
    const onError = (err: unknown): void => {
      logger.warn(`cannot listen on ${path} (${errnoCode(err) ?? String(err)}); serving TCP only`)
      resolve(undefined)
    }
    server.once('error', onError)
    server.listen(path, () => {
      server.off('error', onError)
      try {
        // The 0700 dir already keeps others out; the file's own mode says the same.
        chmodSync(path, 0o600)
        resolve(lstatSync(path).ino)
      } catch (err) {
        server.close()
        onError(err)
      }
    })
  })
}

/** Removes the socket file at close if it is still the one we created. */
export function removeOwnSocket(path: string, ino: number): void {
  try {
    if (lstatSync(path).ino === ino) unlinkSync(path)
  } catch {
    // Already gone, or no longer ours to remove.
  }
}

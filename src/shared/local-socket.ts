/**
 * @module shared/local-socket
 * The daemon's local transport: a Unix socket inside its 0700 state dir. Only processes that
 * can traverse that dir (our uid, or root) can connect, so another local user can neither
 * flood it nor hold its connection slots, and a client that checks the path needs no proof
 * that the listener is ours (no one else can bind there). Both sides use this module: the
 * daemon to decide whether it can listen there, clients to decide whether to trust it.
 */
import { lstatSync } from 'node:fs'
import { dirname } from 'node:path'

/** The Host header clients send over the socket, and the only one the daemon accepts there. */
export const SOCKET_HOST = 'localhost'

/**
 * Longest socket path the kernel takes (`sun_path` is 108 bytes on Linux, 104 on macOS and
 * the BSDs, both including the terminating NUL).
 */
export const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103

/** Whether `path` fits in `sun_path`; Windows (named pipes) is not supported. */
export function socketPathFits(path: string): boolean {
  return process.platform !== 'win32' && Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES
}

/**
 * Why the socket at `path` must not be trusted with a credential, or undefined when it can:
 * it must be a socket (not a symlink) owned by us, in a directory owned by us that no one
 * else can enter or write. Anything else may have been planted by another user.
 */
export function socketUnsafeReason(path: string): string | undefined {
  if (!socketPathFits(path)) return 'path too long for a Unix socket'
  const uid = process.geteuid?.()
  if (uid === undefined) return 'not a POSIX host'
  try {
    const dir = lstatSync(dirname(path))
    if (!dir.isDirectory()) return 'its parent is not a directory'
    if (dir.uid !== uid) return 'its parent directory belongs to another user'
    if ((dir.mode & 0o077) !== 0) return 'its parent directory is open to group or others'
    const st = lstatSync(path)
    if (st.isSymbolicLink()) return 'it is a symlink'
    if (!st.isSocket()) return 'it is not a socket'
    if (st.uid !== uid) return 'it belongs to another user'
  } catch (err) {
    return `cannot inspect it (${(err as NodeJS.ErrnoException).code ?? String(err)})`
  }
  return undefined
}

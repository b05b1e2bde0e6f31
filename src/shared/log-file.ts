/**
 * @module shared/log-file
 * A size-capped log file for the background daemon: 0600, appended, rotated to `<name>.1`
 * when it passes the cap, so a long-running daemon never fills the disk.
 */
import { closeSync, fstatSync, renameSync, writeSync } from 'node:fs'
import { openPrivateAppend } from './secure-fs.js'

export const DEFAULT_LOG_MAX_BYTES = 1024 * 1024

/** Returns a `write(line)` function for createLogger. Write failures are swallowed: logging must never take the daemon down. */
export function createLogFileWriter(
  path: string,
  maxBytes = DEFAULT_LOG_MAX_BYTES,
): (line: string) => void {
  let fd = openPrivateAppend(path, 'log file')
  let size = fstatSync(fd).size
  return (line) => {
    try {
      const buf = Buffer.from(`${new Date().toISOString()} ${line}`, 'utf8')
      if (size + buf.length > maxBytes) {
        closeSync(fd)
        renameSync(path, `${path}.1`)
        fd = openPrivateAppend(path, 'log file')
        size = 0
      }
      size += writeSync(fd, buf)
    } catch {
      // Best effort: a full disk must not stop the daemon from serving or shutting down.
    }
  }
}

/**
 * @module hooks/token-sweep
 * Clean-up of the runtime dir at `session start`: token files whose host process is gone
 * (crash, kill -9, a SessionEnd hook that ran out of time) or whose token has expired are
 * deleted, and the still-valid tokens of dead hosts are revoked, so a token never outlives
 * its host by more than one session start.
 */
import { lstatSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { errnoCode } from '../shared/errors.js'
import type { Logger } from '../shared/log.js'
import { currentUid, removeFileIfExists } from '../shared/secure-fs.js'
import { parseTokenFileName } from '../host/discovery.js'
import {
  isExpired,
  readTokenFile,
  type HostIdentity,
  type TokenRecord,
} from '../host/token-file.js'

/** Temp files of `writeSecretFileAtomic` for a token file (left behind by a crash mid-write). */
const TEMP_FILE_RE = /^\.host-[0-9]+-[0-9]+\.json\.[0-9a-f]{12}\.tmp$/
/** A temp file older than this is abandoned: a write takes milliseconds. */
const TEMP_FILE_MAX_AGE_MS = 60_000

export interface SweepOptions {
  dir: string
  /** A file name to leave alone (the caller's own, just written). */
  keep?: string
  isAlive: (host: HostIdentity) => boolean
  /** Revokes the token of a dead host (true: revoked); failures are logged, never thrown. */
  revoke?: (record: TokenRecord) => Promise<boolean>
  now?: number
  logger: Logger
}

export interface SweepResult {
  /** File names deleted. */
  removed: string[]
  /** Tokens of dead hosts the daemon revoked. */
  revoked: number
}

/** Deletes orphaned and expired token files in `dir` (the runtime dir). */
export async function sweepTokenFiles(o: SweepOptions): Promise<SweepResult> {
  const now = o.now ?? Date.now()
  const uid = currentUid()
  const removed: string[] = []
  const revocations: Promise<boolean>[] = []
  let names: string[]
  try {
    names = readdirSync(o.dir)
  } catch (err) {
    o.logger.debug(
      `runtime dir ${o.dir} cannot be listed (${errnoCode(err) ?? String(err)}); nothing swept`,
    )
    return { removed, revoked: 0 }
  }
  const remove = (name: string): void => {
    try {
      if (removeFileIfExists(join(o.dir, name))) removed.push(name)
    } catch (err) {
      o.logger.debug(`cannot remove ${join(o.dir, name)} (${errnoCode(err) ?? String(err)})`)
    }
  }
  for (const name of names) {
    if (name === o.keep) continue
    const path = join(o.dir, name)
    let st
    try {
      st = lstatSync(path)
    } catch {
      continue // removed meanwhile (another hook's sweep)
    }
    // Only regular files we own; anything else in our 0700 dir was put there by root: leave it.
    if (!st.isFile() || st.uid !== uid) continue
    if (TEMP_FILE_RE.test(name)) {
      if (now - st.mtimeMs > TEMP_FILE_MAX_AGE_MS) remove(name)
      continue
    }
    const host = parseTokenFileName(name)
    if (!host) continue
    let record: TokenRecord | undefined
    try {
      record = readTokenFile(path)
    } catch {
      record = undefined // unreadable or corrupt: judged by its host alone
    }
    if (!o.isAlive(host)) {
      remove(name)
      if (record && !isExpired(record, now) && o.revoke) revocations.push(revokeQuietly(o, record))
    } else if (record && isExpired(record, now)) {
      // The host lives on and may be writing a new file right now: delete only the file we
      // judged (a replacement has a new inode, since writes go through rename).
      const again = lstatSafe(path)
      if (again && again.ino === st.ino) remove(name)
    }
  }
  const results = await Promise.all(revocations)
  return { removed, revoked: results.filter(Boolean).length }
}

function lstatSafe(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path)
  } catch {
    return undefined
  }
}

async function revokeQuietly(o: SweepOptions, record: TokenRecord): Promise<boolean> {
  try {
    return (await o.revoke?.(record)) === true
  } catch (err) {
    o.logger.debug(
      `token of a dead host (session ${record.session_id}) not revoked: ${err instanceof Error ? err.message : String(err)}`,
    )
    return false
  }
}

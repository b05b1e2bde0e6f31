/**
 * @module install/apply
 * Applies an install plan file by file and keeps, in the state dir, a record of each file's
 * original bytes and of what was added. `uninstall` uses it: if the file is still exactly
 * what install wrote, the original bytes come back unchanged (or the file goes, if install
 * created it); if the user edited it since, only briefd's entries are taken out.
 */
import { createHash } from 'node:crypto'
import { existsSync, rmdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { BriefdError, errnoCode, isBriefdError } from '../shared/errors.js'
import {
  ensurePrivateDir,
  readSecretFile,
  removeFileIfExists,
  writeSecretFileAtomic,
} from '../shared/secure-fs.js'
import { parseConfig, readBytes, serialize, writeBytesAtomic, writeTarget } from './json-file.js'
import { applyAdditions, removeAdditions, type Additions } from './merge.js'
import type { FilePlan } from './plan.js'

interface InstallRecord {
  version: 1
  path: string
  /** base64 of the file before the first install; null if it did not exist. */
  original: string | null
  /** sha256 of what install last wrote. */
  written: string
  additions: Additions
  created: string[][]
  /** Whether install created the file's directory (`.claude/`): uninstall removes it if empty. */
  createdDir?: boolean
}

export type FileOutcome =
  'created' | 'added' | 'unchanged' | 'restored' | 'removed' | 'deleted' | 'not installed'

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex')

function recordPath(stateDir: string, file: string): string {
  return join(stateDir, 'installs', `${sha(writeTarget(file)).slice(0, 32)}.json`)
}

/** Whether `stateDir` holds an install record for `file`. */
export function hasRecord(stateDir: string, file: string): boolean {
  return existsSync(recordPath(stateDir, file))
}

function readRecord(stateDir: string, file: string): InstallRecord | undefined {
  try {
    return JSON.parse(
      readSecretFile(recordPath(stateDir, file), {
        label: 'install record',
        maxBytes: 4 * 1024 * 1024,
      }).toString('utf8'),
    ) as InstallRecord
  } catch (err) {
    if (isBriefdError(err, 'ERR_FILE_NOT_FOUND')) return undefined
    throw err
  }
}

function writeRecord(stateDir: string, record: InstallRecord): void {
  ensurePrivateDir(join(stateDir, 'installs'), { label: 'install records dir' })
  writeSecretFileAtomic(recordPath(stateDir, record.path), `${JSON.stringify(record)}\n`)
}

/** Installs one file's entries; idempotent. */
export function installFile(stateDir: string, plan: FilePlan): FileOutcome {
  const before = readBytes(plan.path)
  const config = parseConfig(plan.path, before)
  const created: string[][] = []
  const changed = applyAdditions(config, plan.additions, plan.path, created)
  if (!changed) return 'unchanged'
  const previous = readRecord(stateDir, plan.path)
  const out = serialize(config)
  const dirExisted = existsSync(dirname(writeTarget(plan.path)))
  writeBytesAtomic(plan.path, out)
  writeRecord(stateDir, {
    version: 1,
    path: plan.path,
    // The first install's original is what uninstall restores.
    original: previous ? previous.original : before === null ? null : before.toString('base64'),
    written: sha(out),
    additions: plan.additions,
    created: previous ? [...previous.created, ...created] : created,
    createdDir: previous ? previous.createdDir === true : !dirExisted,
  })
  return before === null ? 'created' : 'added'
}

/** Removes exactly what install added to one file. */
export function uninstallFile(stateDir: string, path: string): FileOutcome {
  const record = readRecord(stateDir, path)
  if (!record) return 'not installed'
  const current = readBytes(path)
  let outcome: FileOutcome
  if (current !== null && sha(current) === record.written) {
    if (record.original === null) {
      const target = writeTarget(path)
      removeFileIfExists(target)
      if (record.createdDir) removeDirIfEmpty(dirname(target))
      outcome = 'deleted'
    } else {
      writeBytesAtomic(path, Buffer.from(record.original, 'base64'))
      outcome = 'restored'
    }
  } else if (current === null) {
    outcome = 'not installed'
  } else {
    const config = parseConfig(path, current)
    if (removeAdditions(config, record.additions, record.created)) {
      writeBytesAtomic(path, serialize(config))
      outcome = 'removed'
    } else {
      outcome = 'not installed'
    }
  }
  removeFileIfExists(recordPath(stateDir, path))
  return outcome
}

function removeDirIfEmpty(dir: string): void {
  try {
    rmdirSync(dir)
  } catch (err) {
    // Not empty (the user or Claude Code put something else there) or already gone: keep it.
    const code = errnoCode(err)
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') throw err
  }
}

/** Applies every file of a plan, checking all of them parse before writing any. */
export function installAll(
  stateDir: string,
  plans: FilePlan[],
): { path: string; outcome: FileOutcome }[] {
  for (const p of plans) {
    // Fail before changing anything if any target is unreadable or conflicting.
    const config = parseConfig(p.path, readBytes(p.path))
    try {
      applyAdditions(config, p.additions, p.path)
    } catch (err) {
      if (err instanceof BriefdError) throw err
      throw new BriefdError('ERR_INSTALL_FAILED', `cannot update ${p.path}`, { cause: err })
    }
  }
  return plans.map((p) => ({ path: p.path, outcome: installFile(stateDir, p) }))
}

/**
 * @module tokens/subject-revocations
 * `briefd sessions revoke --subject S` ends every session of one subject (a user who left, a
 * leaked laptop) without knowing their session ids: it records "sessions of S issued up to
 * now are revoked" in a 0600 file of the state dir, under a lock. The daemon re-reads the
 * file when it changed (one lstat a second at most), so a running daemon honours it within
 * seconds, and a restart keeps it. Entries can be dropped once every session they could
 * cover has expired (the longest session lifetime).
 */
import { lstatSync } from 'node:fs'
import { join } from 'node:path'
import { BriefdError, errnoCode } from '../shared/errors.js'
import { withFileLock } from '../shared/file-lock.js'
import { STATE_FILES } from '../shared/paths.js'
import { readSecretFile, writeSecretFileAtomic } from '../shared/secure-fs.js'
import { MAX_SESSION_TTL_SECONDS } from './constants.js'

const MAX_BYTES = 4 * 1024 * 1024

type Table = Record<string, number>

const pathOf = (stateDir: string): string => join(stateDir, STATE_FILES.revokedSubjects)

function read(stateDir: string): Table {
  let raw: Buffer
  try {
    raw = readSecretFile(pathOf(stateDir), { label: 'revoked subjects file', maxBytes: MAX_BYTES })
  } catch (err) {
    if (err instanceof BriefdError && err.code === 'ERR_FILE_NOT_FOUND') return {}
    throw err
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(raw.toString('utf8'))
  } catch {
    throw new BriefdError('ERR_FILE_INVALID', `${pathOf(stateDir)} is not JSON`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BriefdError('ERR_FILE_INVALID', `${pathOf(stateDir)} is not a JSON object`)
  }
  const table: Table = Object.create(null) as Table
  for (const [subject, at] of Object.entries(parsed)) {
    if (typeof at !== 'number' || !Number.isSafeInteger(at)) {
      throw new BriefdError('ERR_FILE_INVALID', `${pathOf(stateDir)}: an entry is not a time`)
    }
    table[subject] = at
  }
  return table
}

/** Records that every session of `subject` issued up to `nowSeconds` is revoked. */
export async function revokeSubject(
  stateDir: string,
  subject: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<void> {
  await withFileLock(
    join(stateDir, STATE_FILES.revokedSubjectsLock),
    () => {
      const table = read(stateDir)
      const keep: Table = {}
      // Entries older than any session could live have done their work.
      for (const [s, at] of Object.entries(table)) {
        if (at > nowSeconds - MAX_SESSION_TTL_SECONDS) keep[s] = at
      }
      keep[subject] = nowSeconds
      writeSecretFileAtomic(pathOf(stateDir), `${JSON.stringify(keep, null, 2)}\n`)
    },
    { label: `revoked subjects file ${pathOf(stateDir)}` },
  )
}

/** The daemon's view of the file, re-read when it changes. */
export class SubjectRevocations {
  readonly #stateDir: string
  readonly #now: () => number
  #table: Table = {}
  #stamp = ''
  #checkedAt = Number.NEGATIVE_INFINITY
  /** Set while the file cannot be read: every exchanged session is then refused (fail closed). */
  #broken = false

  constructor(stateDir: string, now: () => number = () => Date.now()) {
    this.#stateDir = stateDir
    this.#now = now
    this.#reload()
  }

  #reload(): void {
    let stamp = 'absent'
    try {
      const st = lstatSync(pathOf(this.#stateDir))
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}`
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') stamp = `error:${errnoCode(err) ?? ''}`
    }
    if (stamp === this.#stamp) return
    try {
      this.#table = read(this.#stateDir)
      this.#broken = false
      this.#stamp = stamp
    } catch {
      this.#broken = true
      this.#stamp = ''
    }
  }

  /** Seconds: sessions of `subject` issued at or before it are revoked. */
  revokedAt(subject: string): number | undefined {
    const now = this.#now()
    if (now - this.#checkedAt >= 1000) {
      this.#checkedAt = now
      this.#reload()
    }
    if (this.#broken) return Number.MAX_SAFE_INTEGER
    return Object.hasOwn(this.#table, subject) ? this.#table[subject] : undefined
  }
}

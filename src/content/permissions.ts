/**
 * @module content/permissions
 * Who else can read or change the content dir. The threat model keeps other local users out
 * of the confidential content, but a content dir made under `umask 022` (a fresh clone, a
 * plain `mkdir`) is 0755 with 0644 files: world-readable. This only reports; it never
 * refuses, so the quick start (the example examples/content/ served from a fresh clone) keeps working.
 */
import { lstatSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { currentUid } from '../shared/secure-fs.js'

/** Entries visited at most: content is a handful of prose files, so this bounds a mistake. */
const MAX_ENTRIES = 10_000

export interface ContentExposure {
  /** Entries (the dir itself included) with any group/other permission bit. */
  open: number
  firstOpen?: { path: string; mode: number }
  /** Entries owned by another uid (who can change them, and their mode, at will). */
  foreign: number
  firstForeign?: { path: string; uid: number }
  /** The walk stopped at MAX_ENTRIES: the counts are lower bounds. */
  truncated: boolean
}

/**
 * Walks `dir` (following it if it is a symlink, but no symlink inside it: a link's own mode
 * means nothing, and the entries links point to inside the dir are visited in their own
 * right). Entries it cannot list or stat are skipped; reading them reports those.
 */
export function contentExposure(dir: string, uid: number = currentUid()): ContentExposure {
  const report: ContentExposure = { open: 0, foreign: 0, truncated: false }
  let visited = 0
  const visit = (path: string, st: { mode: number; uid: number }): void => {
    visited++
    if ((st.mode & 0o077) !== 0) {
      report.open++
      report.firstOpen ??= { path, mode: st.mode & 0o7777 }
    }
    if (st.uid !== uid) {
      report.foreign++
      report.firstForeign ??= { path, uid: st.uid }
    }
  }
  const walk = (path: string): void => {
    let names: string[]
    try {
      names = readdirSync(path).sort()
    } catch {
      return
    }
    for (const name of names) {
      if (visited >= MAX_ENTRIES) {
        report.truncated = true
        return
      }
      const child = join(path, name)
      let st
      try {
        st = lstatSync(child)
      } catch {
        continue
      }
      if (st.isSymbolicLink()) continue
      visit(child, st)
      if (st.isDirectory()) walk(child)
    }
  }
  let root
  try {
    root = statSync(dir)
  } catch {
    return report
  }
  visit(dir, root)
  if (root.isDirectory()) walk(dir)
  return report
}

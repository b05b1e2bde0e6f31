/**
 * @module content/tenants
 * Which tenant folders `tenants/<t>/` the content dir has. A folder overlays the shared
 * documents for the principals of tenant `<t>`, so its name is held to the template-name rule
 * (no dot, slash or backslash: nothing can traverse), and a folder that is a symlink leading
 * out of the content dir is ignored, so a tenant's documents can never be read from elsewhere
 * on the disk. Ignored entries are reported, never served. `scanTenants` lists the folders
 * (for `briefd content check` too); `TenantFolders` keeps that list current for the store.
 */
import { type Dirent, type FSWatcher, readdirSync, realpathSync, statSync } from 'node:fs'
import { join, sep } from 'node:path'
import { errnoCode } from '../shared/errors.js'
import type { Logger } from '../shared/log.js'
import { statContentFile } from './files.js'
import { isValidTemplateName } from './names.js'

/** The tenants folder, relative to the content dir. */
export const TENANTS_DIR = 'tenants'

/** Tenant folders looked at, at most: a bound on a mistake, not a product limit. */
export const MAX_TENANTS = 10_000

export interface TenantScan {
  /** Valid tenant names with a folder, sorted. */
  tenants: string[]
  /** Entries of `tenants/` that are not served, and why (for a warning). */
  ignored: { entry: string; reason: string }[]
}

function isInside(realRoot: string, path: string): boolean {
  try {
    return realpathSync(path).startsWith(realRoot + sep)
  } catch {
    return false
  }
}

/** Lists the tenant folders of the content dir `dir`; a missing `tenants/` has none. */
export function scanTenants(dir: string): TenantScan {
  const scan: TenantScan = { tenants: [], ignored: [] }
  const tdir = join(dir, TENANTS_DIR)
  let realRoot: string
  let entries: Dirent[]
  try {
    realRoot = realpathSync(dir)
    entries = readdirSync(tdir, { withFileTypes: true })
  } catch (err) {
    const code = errnoCode(err)
    if (code !== 'ENOENT' && code !== 'ENOTDIR')
      scan.ignored.push({ entry: TENANTS_DIR, reason: `unreadable (${code ?? String(err)})` })
    return scan
  }
  if (!isInside(realRoot, tdir)) {
    scan.ignored.push({ entry: TENANTS_DIR, reason: 'leads out of the content dir' })
    return scan
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const e of entries.slice(0, MAX_TENANTS)) {
    const entry = `${TENANTS_DIR}/${e.name}`
    if (!isValidTemplateName(e.name)) {
      scan.ignored.push({
        entry,
        reason: 'not a tenant name (letters, digits, "_" and "-", at most 64)',
      })
      continue
    }
    const path = join(tdir, e.name)
    if (e.isSymbolicLink()) {
      if (!isInside(realRoot, path)) {
        scan.ignored.push({ entry, reason: 'a symlink leading out of the content dir' })
        continue
      }
    }
    let isDir = e.isDirectory()
    if (e.isSymbolicLink()) {
      try {
        isDir = statSync(path).isDirectory()
      } catch {
        isDir = false
      }
    }
    if (!isDir) {
      scan.ignored.push({ entry, reason: 'not a directory' })
      continue
    }
    scan.tenants.push(e.name)
  }
  if (entries.length > MAX_TENANTS)
    scan.ignored.push({ entry: TENANTS_DIR, reason: `more than ${MAX_TENANTS} entries` })
  return scan
}

/** A tenant folder's path and the store's cache for it, made once when the folder is found. */
export interface TenantView<C> {
  /** `tenants/<t>/` */
  readonly dir: string
  /**
   * The tenant's documents, apart from the shared ones: keys need no tenant prefix (building
   * one per request costs a string concatenation and its hashing), and a tenant folder that
   * goes away takes its cached documents with it.
   */
  readonly cache: Map<string, C>
}

export interface TenantFoldersOptions {
  dir: string
  logger: Logger
  /** How often `tenants/` is re-checked without a watcher event. */
  revalidateMs: number
  /** The content store's change counter: any watcher event means "look again". */
  generation: () => number
  /** Watches a tenant folder (events bump the generation); absent: no watching. */
  watch?: (path: string) => FSWatcher[]
}

/** Tenants whose folders get their own directory watchers; beyond this the stat check serves. */
const MAX_WATCHED_TENANTS = 32

/**
 * The tenant folders as the content store sees them, kept current the way it keeps documents
 * current: re-read after a watcher event, or when the `tenants/` stamp changed (checked at
 * most once per revalidation interval). A lookup is one map lookup.
 */
export class TenantFolders<C> {
  readonly #o: TenantFoldersOptions
  #views = new Map<string, TenantView<C>>()
  readonly #watchers = new Map<string, FSWatcher[]>()
  /** When the list was last brought up to date: generation, time, `tenants/` stamp. */
  #seen = { generation: -1, checkedAt: -Infinity, stamp: '' }
  /** Ignored entries already warned about (warn once, not on every re-scan). */
  readonly #warned = new Set<string>()

  constructor(options: TenantFoldersOptions) {
    this.#o = options
  }

  /**
   * The folder of `tenant`, or undefined when it has none (it then sees the shared documents).
   * Tenants come only from verified credentials, already checked like template names; any
   * other name is a caller's bug, refused rather than looked up.
   */
  get(tenant: string, now: number): TenantView<C> | undefined {
    this.#refresh(now)
    const view = this.#views.get(tenant)
    if (view === undefined && !isValidTemplateName(tenant)) {
      throw new TypeError('ContentStore: a tenant must be a valid tenant name')
    }
    return view
  }

  /** The tenants that have a folder, sorted. */
  names(now: number): string[] {
    this.#refresh(now)
    return [...this.#views.keys()]
  }

  close(): void {
    for (const ws of this.#watchers.values()) for (const w of ws) w.close()
    this.#watchers.clear()
  }

  #refresh(now: number): void {
    const seen = this.#seen
    const generation = this.#o.generation()
    if (seen.generation === generation && now - seen.checkedAt < this.#o.revalidateMs) return
    const stamp = statContentFile(this.#o.dir, TENANTS_DIR)
    if (seen.generation === generation && stamp === seen.stamp) {
      seen.checkedAt = now
      return
    }
    const scan = scanTenants(this.#o.dir)
    for (const { entry, reason } of scan.ignored) {
      const key = `${entry}\0${reason}`
      if (this.#warned.has(key)) continue
      this.#warned.add(key)
      this.#o.logger.warn(`content: ${join(this.#o.dir, entry)}: ignored, ${reason}`)
    }
    const next = new Map<string, TenantView<C>>()
    for (const t of scan.tenants) {
      next.set(t, this.#views.get(t) ?? { dir: `${TENANTS_DIR}/${t}/`, cache: new Map() })
    }
    this.#views = next
    this.#syncWatchers()
    this.#seen = { generation, checkedAt: now, stamp }
  }

  /** Watches the folders of the first tenants, and stops watching those that went away. */
  #syncWatchers(): void {
    const watch = this.#o.watch
    if (watch === undefined) return
    for (const [t, ws] of this.#watchers) {
      if (this.#views.has(t)) continue
      for (const w of ws) w.close()
      this.#watchers.delete(t)
    }
    for (const t of this.#views.keys()) {
      if (this.#watchers.size >= MAX_WATCHED_TENANTS) break
      if (this.#watchers.has(t)) continue
      const base = join(this.#o.dir, TENANTS_DIR, t)
      this.#watchers.set(t, [...watch(base), ...watch(join(base, 'templates'))])
    }
  }
}

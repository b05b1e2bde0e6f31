/**
 * @module content/tenants
 * Which tenant folders `tenants/<t>/` the content dir has. A folder overlays the shared
 * documents for the principals of tenant `<t>`, so its name is held to the template-name rule
 * (no dot, slash or backslash: nothing can traverse), and a folder that is a symlink leading
 * out of the content dir is ignored, so a tenant's documents can never be read from elsewhere
 * on the disk. Ignored entries are reported, never served.
 */
import { type Dirent, readdirSync, realpathSync, statSync } from 'node:fs'
import { join, sep } from 'node:path'
import { errnoCode } from '../shared/errors.js'
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

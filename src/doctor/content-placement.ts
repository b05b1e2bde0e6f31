/**
 * @module doctor/content-placement
 * Whether the content dir sits where it would ship: inside a Claude Code plugin dir (any
 * ancestor with `.claude-plugin/plugin.json`, which a plugin install copies whole) or inside
 * the briefd package dir (a checkout or an installed package that gets packed, copied or
 * published). Either puts every confidential line on the disk of whoever gets that copy.
 */
import { existsSync, realpathSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { isInside } from '../plugin/content-guard.js'
import { selfEntry } from '../shared/self-entry.js'

export interface PlacementFinding {
  detail: string
  fix: string
}

/**
 * The briefd package dir: two levels above the script that runs briefd (bin/briefd.js in the
 * package; runtime/briefd.mjs in a plugin, whose dir is then the one that ships).
 */
export function packageDir(): string {
  return dirname(dirname(selfEntry()))
}

function enclosingPlugin(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, '.claude-plugin', 'plugin.json'))) return d
    if (dirname(d) === d) return undefined
  }
}

/** A warning when `contentDir` sits inside a plugin dir or `pkgDir`; undefined when it does not. */
export function contentPlacement(
  contentDir: string,
  pkgDir: string = packageDir(),
): PlacementFinding | undefined {
  let real: string
  try {
    real = realpathSync(contentDir)
  } catch {
    return undefined
  }
  const fix = `move it out of there and point the daemon at it: briefd restart --content /path/outside`
  const plugin = enclosingPlugin(real)
  if (plugin !== undefined)
    return {
      detail: `content dir ${contentDir} is inside the plugin dir ${plugin}: installing that plugin puts the content on every user's disk`,
      fix,
    }
  let pkg: string
  try {
    pkg = realpathSync(pkgDir)
  } catch {
    return undefined
  }
  if (isInside(real, pkg))
    return {
      detail: `content dir ${contentDir} is inside the briefd package dir ${pkg}: whoever copies or packs that dir gets the content`,
      fix,
    }
  return undefined
}

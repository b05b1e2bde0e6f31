/**
 * @module install/locate
 * Which state dir holds the install records of a config file. `install --state-dir X` keeps
 * them in X, and a later `uninstall` without the flag must still find them: every entry
 * install writes names its state dir (BRIEFD_STATE_DIR in the server's env, the sandbox's
 * denyRead list), so the config file itself says where to look.
 */
import { isAbsolute } from 'node:path'
import { isObject, parseConfig, readBytes, type JsonObject } from './json-file.js'

function stringsAt(root: JsonObject, path: string[]): string[] {
  let cur: unknown = root
  for (const key of path) cur = isObject(cur) ? cur[key] : undefined
  return Array.isArray(cur) ? cur.filter((v): v is string => typeof v === 'string') : []
}

/** The state dirs a config file names (absolute paths only), in the order found. */
export function stateDirsNamedIn(path: string): string[] {
  let config: JsonObject
  try {
    config = parseConfig(path, readBytes(path))
  } catch {
    return []
  }
  const dirs = [...stringsAt(config, ['sandbox', 'filesystem', 'denyRead'])]
  const servers = config.mcpServers
  if (isObject(servers))
    for (const entry of Object.values(servers)) {
      const env = isObject(entry) ? entry.env : undefined
      if (isObject(env) && typeof env.BRIEFD_STATE_DIR === 'string') dirs.push(env.BRIEFD_STATE_DIR)
    }
  return [...new Set(dirs.filter((d) => isAbsolute(d)))]
}

/** Whether a config file holds anything that runs briefd (a hook command or a server). */
export function mentionsBriefd(path: string): boolean {
  try {
    return /briefd[^"]*\b(mcp|session (start|end))\b/.test(
      JSON.stringify(parseConfig(path, readBytes(path))),
    )
  } catch {
    return false
  }
}

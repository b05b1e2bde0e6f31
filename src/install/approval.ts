/**
 * @module install/approval
 * Claude Code asks once before it starts a server from a project's `.mcp.json` (`claude mcp
 * list` shows "⏸ Pending approval" until then) and records the answer in
 * `.claude/settings.local.json` as `enabledMcpjsonServers`. That entry is briefd's doing in
 * effect, so uninstall takes the server's name out of it (and the file, if nothing is left).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseConfig, readBytes, serialize, writeBytesAtomic } from './json-file.js'
import { removeFileIfExists } from '../shared/secure-fs.js'

/** The line install prints for the project scope. */
export const APPROVAL_NOTE =
  'briefd: Claude Code asks once before it starts a project MCP server: until you approve it (at the next session start, or with /mcp), `claude mcp list` shows it as "⏸ Pending approval"'

/** Removes `name` from the approval lists; returns the files changed. */
export function removeApproval(projectDir: string, name: string): string[] {
  const changed: string[] = []
  for (const file of ['settings.local.json', 'settings.json']) {
    const path = join(projectDir, '.claude', file)
    if (!existsSync(path)) continue
    const config = parseConfig(path, readBytes(path))
    let touched = false
    for (const key of ['enabledMcpjsonServers', 'disabledMcpjsonServers']) {
      const list = config[key]
      if (!Array.isArray(list) || !list.includes(name)) continue
      const rest = list.filter((v) => v !== name)
      if (rest.length) config[key] = rest
      else delete config[key]
      touched = true
    }
    if (!touched) continue
    if (file === 'settings.local.json' && Object.keys(config).length === 0) removeFileIfExists(path)
    else writeBytesAtomic(path, serialize(config))
    changed.push(path)
  }
  return changed
}

/**
 * @module doctor/claude-config
 * Finds briefd in Claude Code's config files: the session hooks and the MCP server entry,
 * in the project (`.mcp.json`, `.claude/settings{,.local}.json`) and the user scope
 * (`~/.claude.json`, `~/.claude/settings.json`), or an enabled briefd plugin.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { Env } from '../shared/paths.js'
import { isObject, parseConfig, readBytes, type JsonObject } from '../install/json-file.js'

export interface ClaudeConfigFindings {
  sessionStart: string[]
  sessionEnd: string[]
  mcpServer: string[]
  plugin: string[]
  unreadable: string[]
}

function commandsOf(settings: JsonObject, event: string): string[] {
  const hooks = settings.hooks
  if (!isObject(hooks)) return []
  const groups = hooks[event]
  if (!Array.isArray(groups)) return []
  const out: string[] = []
  for (const g of groups) {
    if (!isObject(g) || !Array.isArray(g.hooks)) continue
    for (const h of g.hooks) if (isObject(h) && typeof h.command === 'string') out.push(h.command)
  }
  return out
}

function isBriefdMcp(entry: unknown): boolean {
  if (!isObject(entry)) return false
  const parts = [entry.command, ...(Array.isArray(entry.args) ? entry.args : [])].filter(
    (x): x is string => typeof x === 'string',
  )
  // ${CLAUDE_PLUGIN_ROOT} only expands inside a plugin; such an entry cannot run from here.
  if (parts.some((p) => p.includes('${CLAUDE_PLUGIN_ROOT}'))) return false
  return parts.some((p) => /briefd/.test(p)) && parts.includes('mcp')
}

export function findBriefdInClaudeConfig(
  projectDir: string,
  env: Env = process.env,
): ClaudeConfigFindings {
  const home = env.HOME || homedir()
  const configDir = env.CLAUDE_CONFIG_DIR || join(home, '.claude')
  const settingsFiles = [
    join(projectDir, '.claude', 'settings.json'),
    join(projectDir, '.claude', 'settings.local.json'),
    join(configDir, 'settings.json'),
  ]
  const mcpFiles = [join(projectDir, '.mcp.json'), join(home, '.claude.json')]
  const f: ClaudeConfigFindings = {
    sessionStart: [],
    sessionEnd: [],
    mcpServer: [],
    plugin: [],
    unreadable: [],
  }
  const load = (path: string): JsonObject | undefined => {
    try {
      return parseConfig(path, readBytes(path))
    } catch {
      f.unreadable.push(path)
      return undefined
    }
  }
  for (const path of settingsFiles) {
    const s = load(path)
    if (!s) continue
    if (commandsOf(s, 'SessionStart').some((c) => /briefd/.test(c) && /session start/.test(c)))
      f.sessionStart.push(path)
    if (commandsOf(s, 'SessionEnd').some((c) => /briefd/.test(c) && /session end/.test(c)))
      f.sessionEnd.push(path)
    const plugins = s.enabledPlugins
    if (
      isObject(plugins) &&
      Object.entries(plugins).some(([k, v]) => /^briefd(@|$)/.test(k) && v === true)
    )
      f.plugin.push(path)
  }
  for (const path of mcpFiles) {
    const c = load(path)
    const servers = c?.mcpServers
    if (isObject(servers) && Object.values(servers).some(isBriefdMcp)) f.mcpServer.push(path)
    // ~/.claude.json also keeps per-project server lists.
    const projects = c?.projects
    if (isObject(projects)) {
      const p = projects[projectDir]
      if (isObject(p) && isObject(p.mcpServers) && Object.values(p.mcpServers).some(isBriefdMcp))
        f.mcpServer.push(`${path} (project ${projectDir})`)
    }
  }
  return f
}

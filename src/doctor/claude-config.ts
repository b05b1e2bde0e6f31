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

/** A briefd MCP server entry exactly as installed: what Claude Code will run. */
export interface McpEntry {
  /** The config file (and project) it is in. */
  file: string
  name: string
  command: string
  args: string[]
  env: Record<string, string>
}

export interface ClaudeConfigFindings {
  sessionStart: string[]
  sessionEnd: string[]
  mcpServer: string[]
  /** The entries behind `mcpServer`, in the same order. */
  mcpEntries: McpEntry[]
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

function entryOf(file: string, name: string, e: JsonObject): McpEntry {
  const env: Record<string, string> = {}
  if (isObject(e.env))
    for (const [k, v] of Object.entries(e.env)) if (typeof v === 'string') env[k] = v
  return {
    file,
    name,
    command: typeof e.command === 'string' ? e.command : '',
    args: Array.isArray(e.args) ? e.args.filter((a): a is string => typeof a === 'string') : [],
    env,
  }
}

/** The tools manifest an entry runs with: `--tools F`, `--tools=F`, BRIEFD_TOOLS, else none. */
export function toolsFileOf(entry: McpEntry): string | undefined {
  const i = entry.args.indexOf('--tools')
  if (i >= 0) return entry.args[i + 1]
  const eq = entry.args.find((a) => a.startsWith('--tools='))
  if (eq) return eq.slice('--tools='.length)
  return entry.env.BRIEFD_TOOLS || undefined
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
    mcpEntries: [],
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
  const collect = (servers: unknown, file: string): void => {
    if (!isObject(servers)) return
    const entries = Object.entries(servers).filter(([, e]) => isBriefdMcp(e))
    if (!entries.length) return
    f.mcpServer.push(file)
    for (const [name, e] of entries) if (isObject(e)) f.mcpEntries.push(entryOf(file, name, e))
  }
  for (const path of mcpFiles) {
    const c = load(path)
    collect(c?.mcpServers, path)
    // ~/.claude.json also keeps per-project server lists.
    const projects = c?.projects
    if (isObject(projects)) {
      const p = projects[projectDir]
      if (isObject(p)) collect(p.mcpServers, `${path} (project ${projectDir})`)
    }
  }
  return f
}

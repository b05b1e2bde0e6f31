/**
 * @module plugin/build
 * `briefd plugin build`: a Claude Code plugin directory an author can commit and publish.
 * It holds the manifest, the hook and MCP entries, a README for the author's users and one
 * bundled briefd (no node_modules needed), and nothing of the content dir: the build is
 * refused when the two overlap or when any file would carry a line of the content.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadManifest, parseManifest } from '../briefing/manifest.js'
import { BriefdError, errnoCode } from '../shared/errors.js'
import { checkNoContentInside, checkPlacement } from './content-guard.js'
import { RUNTIME_HEADER, RUNTIME_PATH, textFiles, type PluginFile } from './layout.js'
import { prepareOutDir, writePluginFiles } from './output.js'
import { licenseId, nameFromServer, pluginName, remoteUrl } from './settings.js'

export interface BuildOptions {
  manifest: string
  out: string
  name?: string
  remote?: string
  license?: string
  /** Content dirs to keep out; the first must exist when `contentExplicit`. */
  contentDirs: readonly string[]
  contentExplicit: boolean
  force: boolean
  briefdVersion: string
  /** The single-file briefd to ship (default: dist/plugin/briefd.mjs of this package). */
  runtime?: string
}

export interface BuildResult {
  out: string
  name: string
  files: string[]
  /** The content dirs checked against (none found: a warning for the caller to print). */
  checkedContent: string[]
}

/** The bundle next to this module: dist/plugin/briefd.mjs, or the bundle itself when it runs this. */
export function defaultRuntime(): string {
  return fileURLToPath(new URL('./briefd.mjs', import.meta.url))
}

function readRuntime(path: string): Buffer {
  let code: Buffer
  try {
    code = readFileSync(path)
  } catch (err) {
    throw new BriefdError(
      'ERR_FILE_NOT_FOUND',
      errnoCode(err) === 'ENOENT'
        ? `the bundled briefd ${path} is missing; run \`npm run build\` in the briefd package first`
        : `cannot read the bundled briefd ${path} (${errnoCode(err) ?? 'error'})`,
    )
  }
  const text = code.toString('utf8')
  const body = text.startsWith(RUNTIME_HEADER) ? text.slice(text.indexOf('\n') + 1) : text
  return Buffer.from(`${RUNTIME_HEADER}\n${body}`, 'utf8')
}

function existingContentDirs(o: BuildOptions): string[] {
  const dirs = o.contentDirs.map((d) => resolve(d))
  if (o.contentExplicit) {
    const first = dirs[0]
    if (first === undefined || !existsSync(first) || !statSync(first).isDirectory())
      throw new BriefdError(
        'ERR_CONTENT_DIR_MISSING',
        `content dir ${first ?? '(none)'} does not exist or is not a directory (set --content)`,
      )
    return [first]
  }
  return dirs.filter((d) => existsSync(d) && statSync(d).isDirectory())
}

export function buildPlugin(o: BuildOptions): BuildResult {
  const out = resolve(o.out)
  const manifestPath = resolve(o.manifest)
  loadManifest(manifestPath)
  // Ship exactly the bytes that were validated.
  const manifestBytes = readFileSync(manifestPath)
  const manifest = parseManifest(JSON.parse(manifestBytes.toString('utf8')), manifestPath)
  const fromServer = nameFromServer(manifest.server.name)
  if (o.name === undefined && fromServer === undefined)
    throw new BriefdError(
      'ERR_PLUGIN_INVALID',
      `${manifestPath}: server.name does not make a plugin name; pass --name (e.g. --name review-judge)`,
    )
  const name = o.name === undefined ? (fromServer ?? '') : pluginName(o.name, '--name')
  const remote = o.remote === undefined ? undefined : remoteUrl(o.remote)
  const license = o.license === undefined ? undefined : licenseId(o.license)

  const content = existingContentDirs(o)
  for (const dir of content) checkPlacement({ out, contentDir: dir, manifest: manifestPath })

  const spec = { name, manifest, remote, license, briefdVersion: o.briefdVersion }
  const files: PluginFile[] = [
    ...textFiles(spec, manifestBytes),
    { path: RUNTIME_PATH, data: readRuntime(o.runtime ?? defaultRuntime()), mode: 0o755 },
  ]
  for (const dir of content) checkNoContentInside(dir, files)

  prepareOutDir(out, o.force)
  writePluginFiles(out, files)
  return { out, name, files: files.map((f) => f.path), checkedContent: content }
}

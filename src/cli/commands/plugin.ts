/**
 * @module cli/commands/plugin
 * `briefd plugin build`: writes a publishable Claude Code plugin directory (see
 * plugin/build). Prints what it wrote and how to check it; the content dirs it guarded
 * against are named so an author sees which one was checked.
 */
import { readLaunchSettings } from '../../control/launch-settings.js'
import { buildPlugin } from '../../plugin/build.js'
import { BriefdError } from '../../shared/errors.js'
import { createLogger } from '../../shared/log.js'
import { defaultStateDir } from '../../shared/paths.js'
import { VERSION } from '../../shared/version.js'
import { str } from '../options.js'

function rememberedContent(stateDir: string): string | undefined {
  try {
    return readLaunchSettings(stateDir).content
  } catch {
    return undefined
  }
}

export function pluginBuildCommand(opts: Record<string, unknown>): void {
  const manifest = str(opts, 'manifest')
  const out = str(opts, 'out')
  if (manifest === undefined || out === undefined)
    throw new BriefdError('ERR_CONFIG_INVALID', 'plugin build needs --manifest FILE and --out DIR')
  const explicit = str(opts, 'content')
  const stateDir = str(opts, 'stateDir') ?? defaultStateDir()
  const candidates =
    explicit !== undefined
      ? [explicit]
      : [process.env.BRIEFD_CONTENT_DIR, rememberedContent(stateDir), 'content'].filter(
          (d): d is string => typeof d === 'string' && d !== '',
        )
  const r = buildPlugin({
    manifest,
    out,
    name: str(opts, 'name'),
    remote: str(opts, 'remote'),
    license: str(opts, 'license'),
    contentDirs: candidates,
    contentExplicit: explicit !== undefined,
    force: opts.force === true,
    briefdVersion: VERSION,
  })
  if (r.checkedContent.length === 0)
    createLogger({ name: 'briefd plugin build' }).warn(
      'no content dir found to check the plugin against (pass --content DIR to have it checked)',
    )
  const lines = [
    `plugin ${r.name} written to ${r.out}:`,
    ...r.files.map((f) => `  ${f}`),
    `checked against content dir: ${r.checkedContent.length ? r.checkedContent.join(', ') : '(none)'}`,
    `next: claude plugin validate ${r.out}   then: claude --plugin-dir ${r.out}`,
  ]
  if (opts.remote !== undefined)
    lines.push(
      'note: --remote is experimental: the remote client arrives in a later briefd release',
    )
  process.stdout.write(`${lines.join('\n')}\n`)
}

/**
 * @module cli/commands/content
 * `briefd content check`: reports on the content dir without printing any of its text.
 * Exit 1 when anything is an error (for example instructions too long for the host).
 */
import { resolve } from 'node:path'
import { accessPolicyFinding } from '../../access/check.js'
import { checkContent, DEFAULT_INSTRUCTIONS_LIMIT, describeFinding } from '../../content/check.js'
import { templateInputsOf } from '../../content/placeholders.js'
import { loadManifest } from '../../briefing/manifest.js'
import { parseIntSetting } from '../../shared/settings.js'
import { str } from '../options.js'

export function contentCheckCommand(opts: Record<string, unknown>): void {
  const dir = resolve(str(opts, 'content') ?? process.env.BRIEFD_CONTENT_DIR ?? 'content')
  const limitRaw = str(opts, 'limit') ?? process.env.BRIEFD_INSTRUCTIONS_LIMIT
  const limit =
    limitRaw === undefined
      ? DEFAULT_INSTRUCTIONS_LIMIT
      : parseIntSetting(
          { name: str(opts, 'limit') ? '--limit' : 'BRIEFD_INSTRUCTIONS_LIMIT', value: limitRaw },
          1,
          1_000_000,
        )
  const tools = str(opts, 'tools') ?? process.env.BRIEFD_TOOLS
  const manifest = tools
    ? { source: resolve(tools), inputs: templateInputsOf(loadManifest(resolve(tools)).tools) }
    : undefined
  const report = checkContent(dir, limit, manifest)
  const policy = accessPolicyFinding(dir)
  if (policy) report.findings.push(policy)
  const out: string[] = [
    `content dir: ${report.dir}`,
    `instructions (with preamble): ${report.instructionsLength} of ${report.instructionsLimit} characters`,
    `templates: ${report.templates.length ? report.templates.join(', ') : '(none)'}`,
  ]
  for (const t of report.tenants) {
    out.push(
      `tenant ${t.name}: templates ${t.templates.length ? t.templates.join(', ') : '(none)'}`,
    )
  }
  for (const f of report.findings) out.push(`${f.level}: ${describeFinding(f)}`)
  const errors = report.findings.filter((f) => f.level === 'error').length
  out.push(errors ? `content check failed: ${errors} error(s)` : 'content check passed')
  process.stdout.write(`${out.join('\n')}\n`)
  if (errors) process.exitCode = 1
}

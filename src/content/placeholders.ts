/**
 * @module content/placeholders
 * Template placeholders no tool fills. A tool renders its template with the tool's
 * arguments, so a `{{reviewer}}` in the template that is not a property of the tool's
 * inputSchema always renders as empty text, silently. The content dir and the manifest are
 * written apart (often by different people), so this is checked wherever both are known:
 * `content check --tools`, the daemon at start and at every reload, and `doctor`.
 *
 * Findings name the template file, the placeholder and the tool, never the template's text.
 */
import { join } from 'node:path'
import { placeholdersOf } from '../shared/placeholder.js'
import type { ContentFinding } from './check.js'

/** What each template is rendered with: template name → the tools and the properties they fill. */
export type TemplateInputs = ReadonlyMap<
  string,
  { readonly tools: readonly string[]; readonly properties: ReadonlySet<string> }
>

/** The same, built from a manifest's tools (a template several tools render gets all their properties). */
export function templateInputsOf(
  tools: readonly {
    name: string
    template: string
    inputSchema: { properties: ReadonlyMap<string, unknown> }
  }[],
): TemplateInputs {
  const out = new Map<string, { tools: string[]; properties: Set<string> }>()
  for (const t of tools) {
    const entry = out.get(t.template) ?? { tools: [], properties: new Set<string>() }
    entry.tools.push(t.name)
    for (const p of t.inputSchema.properties.keys()) entry.properties.add(p)
    out.set(t.template, entry)
  }
  return out
}

/** One warning per placeholder of `text` (template `name`) that no tool rendering it fills. */
export function unfilledPlaceholderFindings(
  dir: string,
  name: string,
  text: string,
  inputs: TemplateInputs,
  manifest: string,
): ContentFinding[] {
  const used = inputs.get(name)
  if (!used) return []
  return placeholdersOf(text)
    .filter((p) => !used.properties.has(p))
    .map((p) => ({
      level: 'warning' as const,
      file: join(dir, 'templates', `${name}.md`),
      message: `placeholder {{${p}}} is no input of tool ${used.tools.join(', ')} in ${manifest}: it renders as empty text`,
      fix: `add "${p}" to the inputSchema properties of ${used.tools.join(', ')} in ${manifest}, or take {{${p}}} out of the template`,
    }))
}

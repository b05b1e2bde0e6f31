/**
 * @module shared/placeholder
 * The `{{placeholder}}` syntax of templates, shared by the renderer (client/render), the
 * manifest check (mcp/manifest) and the content check (content/placeholders), so all three
 * agree on what counts as a placeholder.
 */

/** `{{name}}` or `{{ name }}`; names as allowed for tool argument properties. */
export const PLACEHOLDER_RE = /\{\{\s*([A-Za-z_][A-Za-z0-9_-]{0,63})\s*\}\}/g

/** The placeholder names a template uses, in order of first use. */
export function placeholdersOf(template: string): string[] {
  const names: string[] = []
  for (const m of template.matchAll(PLACEHOLDER_RE)) {
    const name = m[1] ?? ''
    if (!names.includes(name)) names.push(name)
  }
  return names
}

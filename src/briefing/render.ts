/**
 * @module client/render
 * Fills `{{placeholder}}` slots in a template with argument values, as plain text. One pass
 * over the template: a value that itself contains `{{…}}` is inserted verbatim and never
 * expanded (a tool argument comes from the model, which may have read hostile text), and no
 * expression is ever evaluated. Unknown or missing placeholders become empty text.
 */

/** A value a placeholder can take: a scalar, or a list rendered one item per line. */
export type RenderValue =
  string | number | boolean | readonly (string | number | boolean)[] | null | undefined

/** `{{name}}` or `{{ name }}`; names as allowed for tool argument properties. */
export const PLACEHOLDER_RE = /\{\{\s*([A-Za-z_][A-Za-z0-9_-]{0,63})\s*\}\}/g

function text(v: RenderValue): string {
  if (v === null || v === undefined) return ''
  if (Array.isArray(v)) return v.map((x) => String(x)).join('\n')
  return String(v)
}

/** Renders `template` with `vars`; only own properties of `vars` are looked up. */
export function renderTemplate(
  template: string,
  vars: Readonly<Record<string, RenderValue>>,
): string {
  return template.replace(PLACEHOLDER_RE, (_match, name: string) =>
    Object.hasOwn(vars, name) ? text(vars[name]) : '',
  )
}

/** The placeholder names a template uses, in order of first use. */
export function placeholdersOf(template: string): string[] {
  const names: string[] = []
  for (const m of template.matchAll(PLACEHOLDER_RE)) {
    const name = m[1] ?? ''
    if (!names.includes(name)) names.push(name)
  }
  return names
}

/**
 * @module client/render
 * Fills `{{placeholder}}` slots in a template with argument values, as plain text. One pass
 * over the template: a value that itself contains `{{…}}` is inserted verbatim and never
 * expanded (a tool argument comes from the model, which may have read hostile text), and no
 * expression is ever evaluated. Unknown or missing placeholders become empty text.
 */
import { PLACEHOLDER_RE, placeholdersOf } from '../shared/placeholder.js'

/** A value a placeholder can take: a scalar, or a list rendered one item per line. */
export type RenderValue =
  string | number | boolean | readonly (string | number | boolean)[] | null | undefined

export { PLACEHOLDER_RE, placeholdersOf }

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

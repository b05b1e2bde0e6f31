/**
 * @module cli/options
 * Narrowing commander's untyped option bags.
 */

/** A string option, or undefined. */
export function str(opts: Record<string, unknown>, name: string): string | undefined {
  const v = opts[name]
  return typeof v === 'string' ? v : undefined
}

/** A repeatable string option. */
export function strs(opts: Record<string, unknown>, name: string): string[] | undefined {
  const v = opts[name]
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined
}

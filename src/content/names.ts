/**
 * @module content/names
 * What a template name may be. The name comes from a URL (already percent-decoded by the
 * router), so this is the traversal guard: ASCII letters, digits, `_` and `-` only, starting
 * with a letter or digit. No dots at all rules out `..`, dotfiles and extension tricks; no
 * `/`, `\`, `%` or non-ASCII rules out encoded, double-encoded and look-alike separators.
 */
import { BriefdError } from '../shared/errors.js'
import { TEMPLATE_NAME_RE } from '../shared/template-name.js'

export { TEMPLATE_NAME_RE }

/** Whether `name` is a plain template name (the traversal guard). */
export function isValidTemplateName(name: string): boolean {
  return TEMPLATE_NAME_RE.test(name)
}

/** Throws ERR_CONTENT_NAME_INVALID for anything but a plain template name. */
export function assertTemplateName(name: string): string {
  if (!isValidTemplateName(name)) {
    throw new BriefdError(
      'ERR_CONTENT_NAME_INVALID',
      'template names are 1–64 characters: letters, digits, "_" and "-"',
    )
  }
  return name
}

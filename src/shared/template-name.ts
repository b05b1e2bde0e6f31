/**
 * @module shared/template-name
 * What a template name may be, for the daemon (which serves `templates/<name>.md`) and the
 * clients (which ask for them) alike: ASCII letters, digits, `_` and `-`, starting with a
 * letter or digit, at most 64 characters. No dot, slash, backslash, `%` or non-ASCII
 * character can appear, so no name can traverse, hide as a dotfile, or smuggle an encoding.
 */
export const TEMPLATE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/

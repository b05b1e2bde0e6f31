/**
 * @module apikeys/fields
 * Checks on what `briefd apikey create` is given (name, scopes, tenant), and on the same
 * fields when the key file is read back, so a hand-edited file cannot smuggle in what the
 * command would refuse. Each failure is one line naming the flag.
 */
import { BriefdError } from '../shared/errors.js'
import { TEMPLATE_NAME_RE } from '../shared/template-name.js'

const MAX_NAME_CHARS = 100
const MAX_SCOPES = 32
/** RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\`. */
export const SCOPE_RE = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/

/** Checks a key name: one printable line, so `list` stays one key per line. */
export function checkKeyName(name: string): string {
  const n = name.trim()
  if (n === '' || [...n].length > MAX_NAME_CHARS || /\p{Cc}/u.test(n))
    throw new BriefdError(
      'ERR_CONFIG_INVALID',
      `--name must be 1–${MAX_NAME_CHARS} printable characters on one line`,
    )
  return n
}

/**
 * Splits and checks scopes (space-separated, as in OAuth): at least one, each an RFC 6749
 * scope token, duplicates dropped, order kept.
 */
export function parseScopes(values: readonly string[]): string[] {
  const scopes = [...new Set(values.flatMap((v) => v.split(/\s+/)).filter((s) => s !== ''))]
  if (scopes.length === 0)
    throw new BriefdError('ERR_CONFIG_INVALID', '--scope must name at least one scope')
  const bad = scopes.find((s) => !SCOPE_RE.test(s))
  if (bad !== undefined)
    throw new BriefdError(
      'ERR_CONFIG_INVALID',
      `--scope ${JSON.stringify(bad.slice(0, 40))} is not a valid scope (printable ASCII, no quote or backslash)`,
    )
  if (scopes.length > MAX_SCOPES)
    throw new BriefdError('ERR_CONFIG_INVALID', `--scope names more than ${MAX_SCOPES} scopes`)
  return scopes
}

/** Checks a tenant name the way a template name is checked (it selects a folder). */
export function checkTenant(tenant: string): string {
  if (!TEMPLATE_NAME_RE.test(tenant))
    throw new BriefdError(
      'ERR_CONFIG_INVALID',
      `--tenant must be 1–64 letters, digits, _ or -, starting with a letter or digit (got ${JSON.stringify(tenant.slice(0, 70))})`,
    )
  return tenant
}

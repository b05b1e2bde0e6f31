/**
 * @module plugin/settings
 * The settings of `briefd plugin build` that end up inside the plugin: its name and the
 * optional hosted daemon's URL. Both are written into files an author publishes and into
 * the hook commands Claude Code runs through a shell, so they are held to narrow shapes:
 * a name Claude Code accepts, and an https URL with no credentials, query or fragment (a
 * published plugin must hold no secret) and no character a shell would interpret.
 */
import { BriefdError } from '../shared/errors.js'

/** Claude Code plugin names: kebab-case. */
const PLUGIN_NAME_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
const MAX_NAME = 64
/** What may appear in a remote URL once parsed: no quote, space, `$`, backtick or backslash. */
const SAFE_URL_RE = /^https:\/\/[A-Za-z0-9.\-[\]:]+(?:\/[A-Za-z0-9._~!&()*+,;=:@%/-]*)?$/

/** Checks `--name`; returns it. */
export function pluginName(value: string, setting: string): string {
  if (value.length > MAX_NAME || !PLUGIN_NAME_RE.test(value))
    throw new BriefdError(
      'ERR_PLUGIN_INVALID',
      `${setting} ${JSON.stringify(value.slice(0, 80))} is not a plugin name: lower-case letters, digits and single hyphens, at most ${MAX_NAME} characters (e.g. review-judge)`,
    )
  return value
}

/** A default plugin name from the manifest's server name, or undefined if none fits. */
export function nameFromServer(serverName: string): string | undefined {
  const candidate = serverName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_NAME)
    .replace(/-+$/, '')
  return PLUGIN_NAME_RE.test(candidate) ? candidate : undefined
}

/**
 * Checks `--remote`; returns the normalised URL. The message never repeats a value that
 * was refused for holding credentials.
 */
export function remoteUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new BriefdError('ERR_PLUGIN_INVALID', '--remote is not a URL (expected https://HOST/…)')
  }
  if (url.protocol !== 'https:')
    throw new BriefdError(
      'ERR_PLUGIN_INVALID',
      `--remote must be an https:// URL (got ${url.protocol}//): a hosted daemon is reached over TLS only`,
    )
  if (url.username !== '' || url.password !== '')
    throw new BriefdError(
      'ERR_PLUGIN_INVALID',
      '--remote must not hold a user name or password: a published plugin holds no secret',
    )
  if (url.search !== '' || url.hash !== '')
    throw new BriefdError(
      'ERR_PLUGIN_INVALID',
      '--remote must not have a query or fragment: a published plugin holds no secret, and users sign in instead',
    )
  const href = url.href.replace(/\/$/, '')
  if (!SAFE_URL_RE.test(href))
    throw new BriefdError(
      'ERR_PLUGIN_INVALID',
      '--remote holds a character that a hook command would pass through a shell; use a plain https://HOST/PATH',
    )
  return href
}

const SPDX_RE = /^[A-Za-z0-9.+-]+(?: (?:AND|OR|WITH) [A-Za-z0-9.+-]+)*$/

/** Checks `--license` (an SPDX id or expression, as plugin.json's `license`); returns it. */
export function licenseId(value: string): string {
  if (value.length > 64 || !SPDX_RE.test(value))
    throw new BriefdError(
      'ERR_PLUGIN_INVALID',
      `--license ${JSON.stringify(value.slice(0, 80))} is not an SPDX licence id (e.g. MIT, Apache-2.0)`,
    )
  return value
}

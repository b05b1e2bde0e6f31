/**
 * @module signin/browser
 * Opens the authorization URL in the user's browser. The opener gets the URL as one argv
 * element, never through a shell (mcp-remote's CVE-2025-6514: a crafted authorization_endpoint
 * became a shell command), and only an https URL is opened at all.
 */
import { spawn } from 'node:child_process'
import { BriefdError } from '../shared/errors.js'
import { showUrl } from './urls.js'

/** The opener for this platform: `open` on macOS, `xdg-open` elsewhere. */
function opener(): string {
  return process.platform === 'darwin' ? 'open' : 'xdg-open'
}

/** Starts the browser on `url`; resolves false when no browser could be started. */
export function openBrowser(url: URL): Promise<boolean> {
  if (url.protocol !== 'https:')
    throw new BriefdError(
      'ERR_AUTH_SERVER_INVALID',
      `refusing to open ${showUrl(url)} in a browser: not an https:// URL`,
    )
  return new Promise((resolve) => {
    const child = spawn(opener(), [url.href], { stdio: 'ignore', detached: true, shell: false })
    child.once('error', () => resolve(false))
    child.once('spawn', () => {
      child.unref()
      resolve(true)
    })
  })
}

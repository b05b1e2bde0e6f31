/**
 * @module cli/commands/signin
 * `briefd login|whoami|logout|headers`: signing in to a hosted daemon. Prompts and the
 * authorization URL go to stderr; stdout carries only a command's result (`whoami`'s JSON,
 * `headers`' JSON object), never a token, except the one `headers` exists to print.
 */
import { BriefdError } from '../../shared/errors.js'
import { createLogger } from '../../shared/log.js'
import { authorizationHeaders } from '../../signin/headers.js'
import { login, logout, whoami } from '../../signin/login.js'
import { str, strs } from '../options.js'

function remoteArg(url: string | undefined): string {
  const v = url ?? process.env.BRIEFD_REMOTE
  if (v === undefined || v === '')
    throw new BriefdError(
      'ERR_CONFIG_INVALID',
      'name the hosted daemon: briefd <command> URL (or set BRIEFD_REMOTE)',
    )
  return v
}

export async function loginCommand(url: string, opts: Record<string, unknown>): Promise<void> {
  const scopes = (strs(opts, 'scope') ?? []).flatMap((s) => s.split(' ')).filter((s) => s !== '')
  const say = (line: string): void => {
    process.stderr.write(`${line}\n`)
  }
  const clientId = str(opts, 'clientId')
  const clientSecretFile = str(opts, 'clientSecretFile')
  const apiKeyFile = str(opts, 'apiKeyFile')
  const r = await login({
    remote: url,
    say,
    ...(scopes.length > 0 ? { scopes } : {}),
    device: opts.device === true,
    noBrowser: opts.browser === false,
    ...(clientId !== undefined ? { clientId } : {}),
    ...(clientSecretFile !== undefined ? { clientSecretFile } : {}),
    ...(apiKeyFile !== undefined ? { apiKeyFile } : {}),
  })
  const who = r.subject ? ` as ${r.subject}` : ''
  const scope = r.scopes.length > 0 ? ` (scopes: ${r.scopes.join(' ')})` : ''
  say(`Signed in to ${r.remote}${who}${scope}; credentials in ${r.path}`)
}

export function whoamiCommand(url: string | undefined): void {
  process.stdout.write(`${JSON.stringify(whoami(remoteArg(url)), null, 2)}\n`)
}

export async function logoutCommand(url: string | undefined): Promise<void> {
  const remote = remoteArg(url)
  const r = await logout(remote)
  const log = createLogger({ name: 'briefd logout' })
  if (!r.removed) log.info(`not signed in to ${remote}; nothing to do`)
  else if (r.revoked === false)
    log.warn(
      `signed out of ${remote} on this machine; the authorization server did not confirm the revocation`,
    )
  else log.info(`signed out of ${remote}`)
}

export async function headersCommand(url: string | undefined): Promise<void> {
  const headers = await authorizationHeaders(remoteArg(url), { timeoutMs: 5000 })
  process.stdout.write(`${JSON.stringify(headers)}\n`)
}

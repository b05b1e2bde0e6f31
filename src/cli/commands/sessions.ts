/**
 * @module cli/commands/sessions
 * `briefd sessions revoke --subject S`: ends every session of one subject (all the sessions a
 * person or machine obtained by exchange) without knowing their ids. Works on the state dir;
 * a running daemon honours it within seconds.
 */
import { BriefdError } from '../../shared/errors.js'
import { defaultStateDir } from '../../shared/paths.js'
import { ensurePrivateDir } from '../../shared/secure-fs.js'
import { revokeSubject } from '../../tokens/subject-revocations.js'
import { str } from '../options.js'

export async function sessionsRevokeCommand(opts: Record<string, unknown>): Promise<void> {
  const subject = str(opts, 'subject')
  if (subject === undefined || subject === '' || subject.length > 512) {
    throw new BriefdError(
      'ERR_CONFIG_INVALID',
      '--subject must name a subject (the token `sub`, or an API key id)',
    )
  }
  const stateDir = str(opts, 'stateDir') ?? process.env.BRIEFD_STATE_DIR ?? defaultStateDir()
  ensurePrivateDir(stateDir, { label: 'state dir', create: false })
  await revokeSubject(stateDir, subject)
  process.stderr.write(`revoked every session of that subject issued until now (${stateDir})\n`)
}

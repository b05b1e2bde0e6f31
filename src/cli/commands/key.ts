/**
 * @module cli/commands/key
 * `briefd key rotate`. Works on the state dir directly, whether or not the daemon runs; a
 * running daemon notices the new key file and signs with the new key from then on.
 */
import { defaultStateDir } from '../../shared/paths.js'
import { ensurePrivateDir } from '../../shared/secure-fs.js'
import { rotateKeyring } from '../../tokens/keyring.js'
import { str } from '../options.js'

export async function keyRotateCommand(opts: Record<string, unknown>): Promise<void> {
  const stateDir = str(opts, 'stateDir') ?? defaultStateDir()
  ensurePrivateDir(stateDir, { label: 'state dir' })
  const r = await rotateKeyring(stateDir)
  process.stdout.write(
    `new signing key ${r.newKid}; tokens signed with ${r.retiredKid} stay valid until they expire\n`,
  )
  if (r.droppedKids.length)
    process.stdout.write(`dropped keys retired more than 7 days ago: ${r.droppedKids.join(', ')}\n`)
}

/**
 * @module daemon/auth/require-bootstrap
 * The bootstrap credential gate: for session issuance and the status report, never for
 * content. Constant-time comparison happens in `isBootstrap`.
 */
import type { Context } from 'hono'
import { BriefdError } from '../../shared/errors.js'
import type { DaemonEnv } from '../context.js'
import { bearerToken } from './bearer.js'

/** Throws unless the request carries the bootstrap credential. */
export function requireBootstrap(
  c: Context<DaemonEnv>,
  isBootstrap: (presented: string) => boolean,
): void {
  const presented = bearerToken(c)
  if (presented === undefined)
    throw new BriefdError('ERR_SESSION_MISSING', 'no bootstrap credential')
  if (!isBootstrap(presented))
    throw new BriefdError('ERR_BOOTSTRAP_INVALID', 'bootstrap credential mismatch')
}

/**
 * @module daemon/auth/require-kind
 * Which kinds of principal a route accepts. The bootstrap credential issues sessions and
 * reads the status report, and nothing else; every other credential is refused there with
 * the same 401 a wrong bootstrap secret gets, so a route cannot be probed for what it wants.
 */
import { BriefdError } from '../../shared/errors.js'
import type { Principal, PrincipalKind } from '../../shared/principal.js'

export function requireKind(principal: Principal, ...kinds: PrincipalKind[]): void {
  if (!kinds.includes(principal.kind)) {
    throw new BriefdError(
      principal.kind === 'bootstrap' ? 'ERR_BOOTSTRAP_INVALID' : 'ERR_SESSION_INVALID',
      `a ${principal.kind} credential cannot be used here`,
    )
  }
}

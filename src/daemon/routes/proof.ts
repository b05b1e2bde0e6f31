/**
 * @module daemon/routes/proof
 * `POST /v1/proof`: the daemon proves it holds the signing keys (or the bootstrap credential)
 * before a client sends it a credential (see shared/daemon-proof for the exchange and why it
 * is safe to answer anyone). No auth: it is asked before any credential is sent. It touches no
 * content and no session, and is not audited (one per client connection).
 *
 * Not rate limited. A bucket shared by every caller let another local user, holding no
 * credential, flood proofs and make every new client give up (429) before it sent its
 * credential. An answer (body read, JSON parse, one or two HMACs) costs a few times a health
 * check and well under a millisecond (bench:daemon measures both); a 429 would be cheaper, but
 * any local user can keep a core busy with any request, answered or refused, so a bucket only
 * handed them a lever to starve clients. Unknown kids cost one stat of the keyring file
 * (Keyring.refresh), like a forged token on any route. Clients on the Unix socket never ask.
 */
import { Hono } from 'hono'
import { BriefdError } from '../../shared/errors.js'
import {
  NONCE_RE,
  PROOF_PATH,
  SIGNED_PART_RE,
  proofFor,
  sessionSecretFromKey,
} from '../../shared/daemon-proof.js'
import type { Keyring } from '../../tokens/keyring.js'
import { parseJsonObject, readBodyText } from '../body.js'
import type { DaemonEnv } from '../context.js'
import { jsonResponse } from '../responses.js'
import { openRoute, type RouteKit } from '../handlers.js'

export interface ProofRoutesOptions {
  keyring: Keyring
  bootstrap: string
  bodyLimitBytes: number
  kit: RouteKit
}

const invalid = (why: string): BriefdError =>
  new BriefdError('ERR_REQUEST_INVALID', `proof request: ${why}`)

/** The `kid` in the protected header of a token's signed part. */
function kidOf(signed: string): string {
  let header: unknown
  try {
    header = JSON.parse(
      Buffer.from(signed.slice(0, signed.indexOf('.')), 'base64url').toString('utf8'),
    )
  } catch {
    throw invalid('the token header is not JSON')
  }
  const kid =
    typeof header === 'object' && header !== null ? (header as { kid?: unknown }).kid : undefined
  if (typeof kid !== 'string') throw invalid('the token header has no kid')
  return kid
}

export function proofRoutes(o: ProofRoutesOptions): Hono<DaemonEnv> {
  return new Hono<DaemonEnv>().post(
    PROOF_PATH,
    openRoute(o.kit, async function proof(c) {
      const body = parseJsonObject(await readBodyText(c, o.bodyLimitBytes), 'proof request')
      const { nonce } = body
      if (typeof nonce !== 'string' || !NONCE_RE.test(nonce))
        throw invalid('nonce must be 32 bytes in base64url')
      if (body.for === 'bootstrap')
        return jsonResponse(200, JSON.stringify({ proof: proofFor(o.bootstrap, nonce) }))
      if (body.for !== 'session') throw invalid('"for" must be "session" or "bootstrap"')
      const { signed } = body
      if (typeof signed !== 'string' || !SIGNED_PART_RE.test(signed))
        throw invalid("signed must be a token's header and claims")
      const kid = kidOf(signed)
      let key = o.keyring.get(kid)
      if (!key) {
        try {
          o.keyring.refresh()
        } catch {
          // The keys on disk cannot be read: answer with what is loaded (below), as verification does.
        }
        key = o.keyring.get(kid)
      }
      // A key we never had (or dropped): the token is void, and no proof can be given. Said as
      // the 401 the token would get anyway, so the client stops offering it.
      if (!key)
        throw new BriefdError(
          'ERR_SESSION_INVALID',
          'proof request: the token names a signing key this daemon does not have',
        )
      return jsonResponse(
        200,
        JSON.stringify({ proof: proofFor(sessionSecretFromKey(key.key, signed), nonce) }),
      )
    }),
  )
}

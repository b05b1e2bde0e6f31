/**
 * Session tokens as an attacker would build them: decode a token's parts, read the daemon's
 * real signing key from its state dir (an attacker who had it would be game over; tests use
 * it to show that *only* a correct signature over correct claims is accepted), and sign any
 * header and claims with any key and any HMAC hash. Signing is done by hand with node:crypto,
 * so headers jose would refuse to produce (alg none, RS256 over an HMAC) can be built too.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** base64url of the JSON of `v`. */
export const b64json = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url')

/** The decoded header (0) or claims (1) of a compact JWT. */
export function tokenPart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(
    Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8'),
  ) as Record<string, unknown>
}

export interface HmacKey {
  kid: string
  key: Uint8Array
}

/** The daemon's current signing key, read from `signing-keys.json` in its state dir. */
export function daemonSigningKey(stateDir: string): HmacKey {
  const ring = JSON.parse(readFileSync(join(stateDir, 'signing-keys.json'), 'utf8')) as {
    keys: { kid: string; secret: string; retired_at: string | null }[]
  }
  const k = ring.keys.find((x) => x.retired_at === null)
  if (!k) throw new Error('no current key')
  return { kid: k.kid, key: new Uint8Array(Buffer.from(k.secret, 'base64url')) }
}

/** A key the daemon never made (right size, wrong bytes). */
export function foreignKey(): HmacKey {
  return { kid: `k-${randomBytes(8).toString('hex')}`, key: new Uint8Array(randomBytes(32)) }
}

/** Claims of a session token that would be valid now, for `lifetimeSeconds`. */
export function sessionClaims(lifetimeSeconds = 600, now = Date.now()): Record<string, unknown> {
  const iat = Math.floor(now / 1000)
  return {
    iss: 'briefd',
    aud: 'briefd:session',
    sub: randomUUID(),
    iat,
    exp: iat + lifetimeSeconds,
  }
}

export interface ForgeOptions {
  key: HmacKey
  /** Merged over `{ alg: 'HS256', typ: 'briefd-session+jwt', kid }`; an `undefined` value removes the field. */
  header?: Record<string, unknown>
  /** Merged over `sessionClaims()`; an `undefined` value removes the claim. */
  claims?: Record<string, unknown>
  /** HMAC hash for the signature (default sha256), whatever `alg` claims. */
  hash?: 'sha256' | 'sha384' | 'sha512'
}

const merge = (
  base: Record<string, unknown>,
  patch: Record<string, unknown> = {},
): Record<string, unknown> => {
  const out = { ...base, ...patch }
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete out[k]
  return out
}

/** Signs `header.claims` with `key` (HMAC), like a daemon would, or like a forger would. */
export function forgeToken(o: ForgeOptions): string {
  const header = merge({ alg: 'HS256', typ: 'briefd-session+jwt', kid: o.key.kid }, o.header)
  const claims = merge(sessionClaims(), o.claims)
  const signed = `${b64json(header)}.${b64json(claims)}`
  return `${signed}.${createHmac(o.hash ?? 'sha256', o.key.key)
    .update(signed)
    .digest('base64url')}`
}

/** `token` with the same header and claims, signed again with `key`. */
export function resign(token: string, key: Uint8Array): string {
  const signed = token.slice(0, token.lastIndexOf('.'))
  return `${signed}.${createHmac('sha256', key).update(signed).digest('base64url')}`
}

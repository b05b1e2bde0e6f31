/**
 * @module tokens/session-token
 * Minting and checking session tokens: compact HS256 JWTs (jose) whose `sub` is a random
 * session id. Verification pins the algorithm, issuer, audience and token type, requires
 * exp/iat/sub, and refuses anything that is not a plain compact JWT before parsing it.
 */
import { SignJWT, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose'
import { BriefdError } from '../shared/errors.js'
import {
  COMPACT_JWT_RE,
  MAX_SESSION_TTL_SECONDS,
  MAX_TOKEN_LENGTH,
  SESSION_ALG,
  SESSION_AUDIENCE,
  SESSION_ID_RE,
  SESSION_ISSUER,
  SESSION_TOKEN_TYP,
} from './constants.js'
import type { SigningKey } from './keyring.js'

/**
 * Who a session obtained by exchange belongs to (remote mode): the principal of the access
 * token or API key it was exchanged for. Local sessions carry none and read everything.
 * Only verified values go in; the token is signed, so they come back as they went in.
 */
export interface SessionGrant {
  /** The kind of credential exchanged. */
  kind: 'oauth' | 'apikey'
  subject: string
  tenant?: string
  clientId?: string
  scopes: string[]
  /** The API key it came from: revoking the key ends the session. */
  keyId?: string
}

export interface SessionClaims {
  sessionId: string
  grant?: SessionGrant
  /** Seconds since the epoch. */
  issuedAt: number
  /** Seconds since the epoch. */
  expiresAt: number
  kid: string
}

/** Signs a session token with `key`. */
export async function issueSessionToken(
  key: SigningKey,
  claims: Omit<SessionClaims, 'kid'>,
): Promise<string> {
  if (!SESSION_ID_RE.test(claims.sessionId)) throw new TypeError('sessionId must be a random UUID')
  if (claims.expiresAt <= claims.issuedAt) throw new TypeError('expiresAt must be after issuedAt')
  const g = claims.grant
  const payload = g
    ? {
        bfd: {
          k: g.kind,
          s: g.subject,
          sc: g.scopes.join(' '),
          ...(g.tenant !== undefined ? { t: g.tenant } : {}),
          ...(g.clientId !== undefined ? { c: g.clientId } : {}),
          ...(g.keyId !== undefined ? { ak: g.keyId } : {}),
        },
      }
    : {}
  return new SignJWT(payload)
    .setProtectedHeader({ alg: SESSION_ALG, typ: SESSION_TOKEN_TYP, kid: key.kid })
    .setIssuer(SESSION_ISSUER)
    .setAudience(SESSION_AUDIENCE)
    .setSubject(claims.sessionId)
    .setIssuedAt(claims.issuedAt)
    .setExpirationTime(claims.expiresAt)
    .sign(key.key)
}

/** Cheap syntactic check done before any parsing or crypto. */
export function isWellFormedToken(token: string): boolean {
  return token.length <= MAX_TOKEN_LENGTH && COMPACT_JWT_RE.test(token)
}

/** How far in the future `iat` may lie (clock steps, skew). */
export const MAX_FUTURE_IAT_SECONDS = 300

const invalid = (why: string, cause?: unknown): BriefdError =>
  new BriefdError(
    'ERR_SESSION_INVALID',
    `session token rejected: ${why}`,
    cause === undefined ? {} : { cause },
  )

/**
 * Verifies a session token. `lookupKey` resolves the header's `kid`; it may refresh the
 * keyring once. Throws ERR_SESSION_EXPIRED or ERR_SESSION_INVALID; the reason goes into the
 * message for the daemon's log, never to the client.
 */
export async function verifySessionToken(
  token: string,
  lookupKey: (kid: string) => SigningKey | undefined,
  now: Date = new Date(),
): Promise<SessionClaims> {
  if (!isWellFormedToken(token)) throw invalid('not a compact JWT of acceptable size')
  // One token, one spelling. 32 signature bytes take 43 base64url characters, the last one
  // carrying 2 unused bits that decoders ignore: without this check, 4 spellings of every
  // token would verify (a "tampered" token that still works, and a second cache entry).
  const signature = token.slice(token.lastIndexOf('.') + 1)
  if (Buffer.from(signature, 'base64url').toString('base64url') !== signature)
    throw invalid('signature not in canonical base64url')
  let kid: unknown
  try {
    kid = decodeProtectedHeader(token).kid
  } catch (err) {
    throw invalid('unreadable header', err)
  }
  if (typeof kid !== 'string') throw invalid('no kid')
  const key = lookupKey(kid)
  if (!key) throw invalid('unknown signing key')
  let payload
  try {
    ;({ payload } = await jwtVerify(token, key.key, {
      algorithms: [SESSION_ALG],
      issuer: SESSION_ISSUER,
      audience: SESSION_AUDIENCE,
      typ: SESSION_TOKEN_TYP,
      requiredClaims: ['exp', 'iat', 'sub'],
      clockTolerance: 5,
      currentDate: now,
    }))
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) {
      throw new BriefdError('ERR_SESSION_EXPIRED', 'session token rejected: expired', {
        cause: err,
      })
    }
    const code = err instanceof joseErrors.JOSEError ? err.code : 'unknown'
    throw invalid(`verification failed (${code})`, err)
  }
  const { sub, iat, exp } = payload
  if (typeof sub !== 'string' || !SESSION_ID_RE.test(sub)) throw invalid('malformed session id')
  if (typeof iat !== 'number' || typeof exp !== 'number') throw invalid('malformed times')
  if (exp - iat > MAX_SESSION_TTL_SECONDS) throw invalid('lifetime exceeds the maximum')
  // A token from the future is not valid yet. A few minutes are tolerated, so a small
  // backward clock step (NTP) does not cut off running sessions; a larger one does, and the
  // next SessionStart gets a fresh token.
  if (iat > Math.floor(now.getTime() / 1000) + MAX_FUTURE_IAT_SECONDS)
    throw invalid('issued in the future')
  const grant = grantOf(payload.bfd)
  return { sessionId: sub, issuedAt: iat, expiresAt: exp, kid, ...(grant ? { grant } : {}) }
}

/** The grant claim of a verified token; signed by us, so a bad shape is our own bug or an old key. */
function grantOf(raw: unknown): SessionGrant | undefined {
  if (raw === undefined) return undefined
  if (typeof raw !== 'object' || raw === null) throw invalid('malformed grant')
  const { k, s, sc, t, c, ak } = raw as Record<string, unknown>
  const optional = (v: unknown): v is string | undefined => v === undefined || typeof v === 'string'
  if (
    (k !== 'oauth' && k !== 'apikey') ||
    typeof s !== 'string' ||
    typeof sc !== 'string' ||
    !optional(t) ||
    !optional(c) ||
    !optional(ak)
  ) {
    throw invalid('malformed grant')
  }
  return {
    kind: k,
    subject: s,
    scopes: sc === '' ? [] : sc.split(' '),
    ...(t !== undefined ? { tenant: t } : {}),
    ...(c !== undefined ? { clientId: c } : {}),
    ...(ak !== undefined ? { keyId: ak } : {}),
  }
}

/**
 * Property tests (fast-check, bounded by FUZZ_RUNS): hostile access-token headers and claims
 * against the verifier and a real authorization server. Properties: verify() only ever
 * rejects with ERR_ACCESS_TOKEN_INVALID (never another error, never a throw from lookup), and
 * never accepts a token signed with a key the issuer never published or a garbled one; and
 * with the server's own key, accepts exactly what an independent oracle of the rules accepts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { JWTPayload } from 'jose'
import { AccessTokenVerifier } from '../../src/oauth/access-token-verifier.js'
import { discoverIssuer } from '../../src/oauth/issuer.js'
import { sameResource } from '../../src/oauth/resource.js'
import { BriefdError } from '../../src/shared/errors.js'
import { attackerKey, rawToken, signToken, TestAuthServer } from '../helpers/oidc.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 200)
const RESOURCE = 'https://briefd.example.com'

let as: TestAuthServer
let v: AccessTokenVerifier
let attacker: Awaited<ReturnType<typeof attackerKey>>

beforeAll(async () => {
  as = await TestAuthServer.start({ clients: [{ clientId: 'c1' }], resources: [RESOURCE] })
  v = new AccessTokenVerifier({ issuers: [await discoverIssuer(as.issuer)], audiences: [RESOURCE] })
  attacker = await attackerKey()
  await v.verify(await as.mint({ clientId: 'c1', scope: 'briefd:read' }))
})
afterAll(() => as.close())

/** verify() must reject with the typed error; lookup() must not accept either. */
async function assertRefused(token: string): Promise<void> {
  let failure: unknown
  try {
    await v.verify(token)
  } catch (err) {
    failure = err
  }
  expect(failure).toBeInstanceOf(BriefdError)
  expect((failure as BriefdError).code).toBe('ERR_ACCESS_TOKEN_INVALID')
  expect(v.lookup(token)).toBeUndefined()
}

const anyValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
)

const hostileHeader = fc.record(
  {
    alg: fc.oneof(
      fc.constantFrom('ES256', 'RS256', 'PS256', 'HS256', 'none', 'noNE', 'ES384', 'EdDSA', ''),
      anyValue,
    ),
    typ: fc.oneof(fc.constantFrom('at+jwt', 'application/at+jwt', 'JWT', 'AT+JWT'), anyValue),
    kid: fc.oneof(fc.constantFrom('../../etc/passwd', "' OR 1=1", '', 'attacker'), anyValue),
    crit: fc.oneof(fc.constant(['exp']), anyValue),
    jku: fc.constantFrom('https://127.0.0.1:1/jwks', 'file:///etc/passwd'),
    x5u: fc.constant('https://127.0.0.1:1/x'),
    jwk: fc.constant({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }),
    b64: fc.boolean(),
  },
  { requiredKeys: [] },
)

/** Mostly the good value, so that fully valid claim sets (the accepting branch) occur too. */
const claimValue = (good: unknown) =>
  fc.oneof(
    { arbitrary: fc.constant(good), weight: 8 },
    { arbitrary: fc.constant(undefined), weight: 1 },
    { arbitrary: anyValue, weight: 1 },
  )
const hostileClaims = fc
  .record({
    iss: claimValue('ISS'),
    aud: claimValue(RESOURCE),
    sub: claimValue('someone'),
    exp: claimValue('EXP'),
    nbf: claimValue('NBF'),
    iat: claimValue('IAT'),
    tenant: claimValue('acme'),
    scope: claimValue('briefd:read'),
    scp: claimValue(['briefd:read']),
  })
  .map((c): JWTPayload => {
    const now = Math.floor(Date.now() / 1000)
    const fill: Record<string, unknown> = {
      ISS: as.issuer,
      EXP: now + 600,
      NBF: now - 10,
      IAT: now,
    }
    const out: Record<string, unknown> = {}
    for (const [k, value] of Object.entries(c)) {
      const resolved = typeof value === 'string' && value in fill ? fill[value] : value
      if (resolved !== undefined) out[k] = resolved
    }
    return out
  })

const finite = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value)

/** Is this claims set acceptable? Only such sets may be signed with the server's key below. */
function acceptable(claims: JWTPayload): boolean {
  const now = Date.now() / 1000
  const aud = claims.aud
  const auds = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : []
  const scopesOk =
    (claims.scope === undefined || typeof claims.scope === 'string') &&
    (claims.scp === undefined ||
      typeof claims.scp === 'string' ||
      (Array.isArray(claims.scp) && claims.scp.every((s) => typeof s === 'string')))
  const tenant = (claims as Record<string, unknown>).tenant
  return (
    claims.iss === as.issuer &&
    auds.some((a) => typeof a === 'string' && sameResource(a, RESOURCE)) &&
    typeof claims.sub === 'string' &&
    claims.sub !== '' &&
    finite(claims.exp) &&
    claims.exp + 60 > now &&
    (claims.nbf === undefined || (finite(claims.nbf) && claims.nbf - 60 <= now)) &&
    (claims.iat === undefined || (finite(claims.iat) && claims.iat - 60 <= now)) &&
    scopesOk &&
    (tenant === undefined || (typeof tenant === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(tenant)))
  )
}

describe('AccessTokenVerifier (fuzz)', () => {
  it('refuses any header and claims signed with a key the issuer never published', async () => {
    await fc.assert(
      fc.asyncProperty(hostileHeader, hostileClaims, async (header, claims) => {
        const token = await signToken(
          { ...header, alg: 'ES256' } as Parameters<typeof signToken>[0],
          claims,
          attacker.privateKey,
        ).catch(() => rawToken({ ...header, alg: 'ES256' }, claims, 'A'.repeat(86)))
        await assertRefused(token)
      }),
      { numRuns: RUNS },
    )
  })

  it('accepts a server-signed token exactly when its header and claims are acceptable', async () => {
    let accepted = 0
    await fc.assert(
      fc.asyncProperty(hostileHeader, hostileClaims, async (header, claims) => {
        const headerOk =
          header.crit === undefined &&
          (header.typ === undefined ||
            (typeof header.typ === 'string' &&
              header.typ.toLowerCase().replace(/^application\//, '') === 'at+jwt'))
        // The server's own alg and kid, any other header fields: the verifier must accept
        // exactly the tokens the oracle calls acceptable (jku, x5u, jwk are ignored).
        const { alg: _alg, kid: _kid, ...rest } = header
        const token = await as.signWith(rest, claims)
        if (headerOk && acceptable(claims)) {
          await expect(v.verify(token)).resolves.toMatchObject({ kind: 'oauth' })
          accepted++
        } else {
          await assertRefused(token)
        }
      }),
      { numRuns: RUNS },
    )
    // The oracle's accepting side must be exercised, or the property says nothing about it.
    if (RUNS >= 100) expect(accepted).toBeGreaterThan(0)
    // 200 signatures and verifications against a real server: slow on a loaded 2-core machine.
  }, 120_000)

  it('refuses garbled compact tokens and arbitrary strings', async () => {
    const b64url = fc.string({
      unit: fc.constantFrom(
        ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split(''),
      ),
      maxLength: 200,
    })
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.tuple(b64url, b64url, b64url).map((p) => p.join('.')),
          fc.string({ maxLength: 300 }),
          fc.tuple(fc.jsonValue(), fc.jsonValue(), b64url).map(([h, c, s]) => rawToken(h, c, s)),
        ),
        assertRefused,
      ),
      { numRuns: RUNS },
    )
  })
})

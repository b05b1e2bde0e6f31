/**
 * The adversarial table for the access-token path (RFC 8725 and 8725bis attacks), against a
 * real authorization server. Cases that must fail on one claim or header are signed with the
 * server's own key, so the refusal cannot come from the signature; a control case shows the
 * same construction verifies when nothing is wrong. Every refusal is ERR_ACCESS_TOKEN_INVALID.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPublicKey } from 'node:crypto'
import type { JWK, JWTPayload } from 'jose'
import { AccessTokenVerifier } from '../../src/oauth/access-token-verifier.js'
import { discoverIssuer } from '../../src/oauth/issuer.js'
import { attackerKey, hmacToken, rawToken, signToken, TestAuthServer } from '../helpers/oidc.js'
import { startHttpsServer, sendJson, type TestHttpsServer } from '../helpers/https-server.js'
import { expectRejection } from '../helpers/briefd-error.js'

const RESOURCE = 'https://briefd.example.com'
const OTHER = 'https://other.example.com'

let as: TestAuthServer
let other: TestAuthServer
let v: AccessTokenVerifier
let attacker: Awaited<ReturnType<typeof attackerKey>>
let attackerJwks: TestHttpsServer

beforeAll(async () => {
  as = await TestAuthServer.start({ clients: [{ clientId: 'c1' }], resources: [RESOURCE, OTHER] })
  other = await TestAuthServer.start({ clients: [{ clientId: 'c2' }], resources: [RESOURCE] })
  v = new AccessTokenVerifier({
    issuers: [await discoverIssuer(as.issuer), await discoverIssuer(other.issuer)],
    audiences: [RESOURCE],
  })
  attacker = await attackerKey()
  attackerJwks = await startHttpsServer((_req, res) =>
    sendJson(res, 200, { keys: [attacker.publicJwk] }),
  )
  // Prime the key sets so the table below does not depend on first-fetch timing.
  await v.verify(await as.mint({ clientId: 'c1', scope: 'briefd:read' }))
  await v.verify(await other.mint({ clientId: 'c2', scope: 'briefd:read' }))
})
afterAll(async () => {
  await as.close()
  await other.close()
  await attackerJwks.close()
})

const now = (): number => Math.floor(Date.now() / 1000)
const ec = (): JWK => {
  const key = as.publicKeys.find((k) => k.kty === 'EC')
  if (!key) throw new Error('no EC key')
  return key
}
const rsa = (): JWK => {
  const key = as.publicKeys.find((k) => k.kty === 'RSA')
  if (!key) throw new Error('no RSA key')
  return key
}
const pem = (jwk: JWK): string =>
  createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString()

describe('control: the constructions below verify when nothing is wrong', () => {
  it.each<[string, () => Promise<string>]>([
    ['server-signed crafted token', () => as.signWith({}, as.claims(RESOURCE))],
    [
      'typ application/at+jwt',
      () => as.signWith({ typ: 'application/at+jwt' }, as.claims(RESOURCE)),
    ],
    ['no typ header', () => as.signWith({ typ: undefined }, as.claims(RESOURCE))],
    [
      'aud array containing the resource',
      () => as.signWith({}, as.claims(RESOURCE, { aud: [OTHER, RESOURCE] })),
    ],
    [
      'aud with a trailing slash',
      () => as.signWith({}, as.claims(RESOURCE, { aud: `${RESOURCE}/` })),
    ],
    [
      'exp 30 s ago (inside the 60 s skew)',
      () => as.signWith({}, as.claims(RESOURCE, { exp: now() - 30 })),
    ],
    [
      'nbf 30 s ahead (inside the skew)',
      () => as.signWith({}, as.claims(RESOURCE, { nbf: now() + 30 })),
    ],
    [
      'iat 30 s ahead (inside the skew)',
      () => as.signWith({}, as.claims(RESOURCE, { iat: now() + 30 })),
    ],
    ['no iat', () => as.signWith({}, as.claims(RESOURCE, { iat: undefined }))],
    ['no kid (one EC key matches)', () => as.signWith({ kid: undefined }, as.claims(RESOURCE))],
  ])('%s', async (_name, make) => {
    await expect(v.verify(await make())).resolves.toMatchObject({
      kind: 'oauth',
      subject: 'crafted-client',
    })
  })
})

/** Why each case is refused (the error's `details.reason`): the intended check, not a luckier one. */
const REASONS = new Map<string, string>([
  ['alg none, empty signature', 'not a compact JWS'],
  ['alg none, some signature', 'algorithm not allowed'],
  ['alg noNE', 'algorithm not allowed'],
  ['alg NONE', 'algorithm not allowed'],
  ['HS256 with the EC public key (PEM) as secret', 'algorithm not allowed'],
  ['HS256 with the RSA public key (PEM) as secret', 'algorithm not allowed'],
  ['HS256 with the JWK JSON as secret', 'algorithm not allowed'],
  ['alg not listed in the metadata (ES512 header)', 'algorithm not allowed'],
  ['alg claims RS256 on the EC key', 'no matching signing key'],
  ['unknown kid', 'no matching signing key'],
  ['injected kid', 'no matching signing key'],
  ['path-like kid', 'no matching signing key'],
  ['the real kid, the attacker key', 'bad signature'],
  ['jku to the attacker key set', 'no matching signing key'],
  ['x5u to an attacker URL', 'no matching signing key'],
  ['embedded jwk of the attacker, with its kid', 'no matching signing key'],
  ['embedded jwk of the attacker, no kid', 'bad signature'],
  ['wrong iss', 'unknown issuer'],
  ['missing iss', 'unknown issuer'],
  ['iss of the other trusted server, signed by this one', 'no matching signing key'],
  ['iss with a trailing slash', 'unknown issuer'],
  ['wrong aud', 'wrong audience'],
  ['aud of a sibling host', 'wrong audience'],
  ['aud over http', 'wrong audience'],
  ['missing aud', 'wrong audience'],
  ['empty aud array', 'wrong audience'],
  ['token of another resource (audience replay)', 'wrong audience'],
  ['missing exp', 'exp claim missing'],
  ['exp 2 minutes ago', 'expired'],
  ['exp as a string', 'exp claim invalid'],
  ['nbf 5 minutes ahead', 'nbf claim check failed'],
  ['iat an hour ahead', 'issued in the future'],
  ['crit header', 'crit header'],
  ['crit naming exp', 'crit header'],
  ['typ JWT (an ID token shape)', 'typ not at+jwt'],
  ['typ logout+jwt', 'typ not at+jwt'],
  ['typ not a string', 'typ not at+jwt'],
  ['missing sub', 'sub claim missing'],
  ['empty sub', 'no subject'],
  ['tenant with a path', 'bad tenant claim'],
  ['tenant with a space', 'bad tenant claim'],
  ['tenant of 65 characters', 'bad tenant claim'],
  ['empty tenant', 'bad tenant claim'],
  ['tenant as a number', 'bad tenant claim'],
  ['tenant as a list', 'bad tenant claim'],
  ['scope as a number', 'bad scope claim'],
  ['scope as a list (RFC 9068 says a string)', 'bad scope claim'],
  ['scp as a list of numbers', 'bad scp claim'],
  ['a 1 MB token', 'too large'],
  ['an 8 KiB + 1 token', 'too large'],
  ['JSON serialization', 'not a compact JWS'],
  ['two segments', 'not a compact JWS'],
  ['four segments', 'not a compact JWS'],
  ['base64 padding', 'not a compact JWS'],
  ['a space inside', 'not a compact JWS'],
  ['header not JSON', 'malformed'],
  ['header a JSON array', 'malformed'],
  ['claims not JSON', 'malformed'],
  ['empty string', 'not a compact JWS'],
])

describe('adversarial access tokens', () => {
  const cases: [string, () => Promise<string>][] = [
    // algorithm attacks
    [
      'alg none, empty signature',
      async () => rawToken({ alg: 'none', typ: 'at+jwt' }, as.claims(RESOURCE)),
    ],
    [
      'alg none, some signature',
      async () => rawToken({ alg: 'none' }, as.claims(RESOURCE), 'AAAA'),
    ],
    ['alg noNE', async () => rawToken({ alg: 'noNE', kid: ec().kid }, as.claims(RESOURCE), 'AAAA')],
    ['alg NONE', async () => rawToken({ alg: 'NONE' }, as.claims(RESOURCE), 'AAAA')],
    [
      'HS256 with the EC public key (PEM) as secret',
      async () =>
        hmacToken({ alg: 'HS256', kid: ec().kid, typ: 'at+jwt' }, as.claims(RESOURCE), pem(ec())),
    ],
    [
      'HS256 with the RSA public key (PEM) as secret',
      async () => hmacToken({ alg: 'HS256', kid: rsa().kid }, as.claims(RESOURCE), pem(rsa())),
    ],
    [
      'HS256 with the JWK JSON as secret',
      async () => hmacToken({ alg: 'HS256' }, as.claims(RESOURCE), JSON.stringify(ec())),
    ],
    [
      'alg not listed in the metadata (ES512 header)',
      async () => rawToken({ alg: 'ES512', kid: ec().kid }, as.claims(RESOURCE), 'A'.repeat(176)),
    ],
    [
      'alg claims RS256 on the EC key',
      async () => rawToken({ alg: 'RS256', kid: ec().kid }, as.claims(RESOURCE), 'A'.repeat(342)),
    ],
    // key selection attacks
    [
      'unknown kid',
      async () =>
        signToken(
          { alg: 'ES256', kid: 'nope', typ: 'at+jwt' },
          as.claims(RESOURCE),
          attacker.privateKey,
        ),
    ],
    [
      'injected kid',
      async () =>
        signToken({ alg: 'ES256', kid: "x' OR '1'='1" }, as.claims(RESOURCE), attacker.privateKey),
    ],
    [
      'path-like kid',
      async () =>
        signToken(
          { alg: 'ES256', kid: '../../../../dev/null' },
          as.claims(RESOURCE),
          attacker.privateKey,
        ),
    ],
    [
      'the real kid, the attacker key',
      async () =>
        signToken({ alg: 'ES256', kid: ec().kid ?? '' }, as.claims(RESOURCE), attacker.privateKey),
    ],
    [
      'jku to the attacker key set',
      async () =>
        signToken(
          { alg: 'ES256', kid: 'attacker', jku: `${attackerJwks.origin}/jwks` },
          as.claims(RESOURCE),
          attacker.privateKey,
        ),
    ],
    [
      'x5u to an attacker URL',
      async () =>
        signToken(
          { alg: 'ES256', kid: 'attacker', x5u: `${attackerJwks.origin}/cert.pem` },
          as.claims(RESOURCE),
          attacker.privateKey,
        ),
    ],
    [
      'embedded jwk of the attacker, with its kid',
      async () =>
        signToken(
          { alg: 'ES256', kid: 'attacker', jwk: attacker.publicJwk },
          as.claims(RESOURCE),
          attacker.privateKey,
        ),
    ],
    [
      'embedded jwk of the attacker, no kid',
      async () =>
        signToken(
          { alg: 'ES256', jwk: attacker.publicJwk },
          as.claims(RESOURCE),
          attacker.privateKey,
        ),
    ],
    // issuer and audience
    ['wrong iss', () => as.signWith({}, as.claims(RESOURCE, { iss: 'https://evil.example.com' }))],
    ['missing iss', () => as.signWith({}, as.claims(RESOURCE, { iss: undefined }))],
    [
      'iss of the other trusted server, signed by this one',
      () => as.signWith({}, as.claims(RESOURCE, { iss: other.issuer })),
    ],
    [
      'iss with a trailing slash',
      () => as.signWith({}, as.claims(RESOURCE, { iss: `${as.issuer}/` })),
    ],
    ['wrong aud', () => as.signWith({}, as.claims(RESOURCE, { aud: 'https://evil.example.com' }))],
    [
      'aud of a sibling host',
      () => as.signWith({}, as.claims(RESOURCE, { aud: 'https://briefd.example.com.evil.com' })),
    ],
    [
      'aud over http',
      () => as.signWith({}, as.claims(RESOURCE, { aud: 'http://briefd.example.com' })),
    ],
    ['missing aud', () => as.signWith({}, as.claims(RESOURCE, { aud: undefined }))],
    ['empty aud array', () => as.signWith({}, as.claims(RESOURCE, { aud: [] }))],
    [
      'token of another resource (audience replay)',
      () => as.mint({ clientId: 'c1', resource: OTHER }),
    ],
    // time
    ['missing exp', () => as.signWith({}, as.claims(RESOURCE, { exp: undefined }))],
    ['exp 2 minutes ago', () => as.signWith({}, as.claims(RESOURCE, { exp: now() - 120 }))],
    [
      'exp as a string',
      () => as.signWith({}, as.claims(RESOURCE, { exp: String(now() + 600) as unknown as number })),
    ],
    ['nbf 5 minutes ahead', () => as.signWith({}, as.claims(RESOURCE, { nbf: now() + 300 }))],
    ['iat an hour ahead', () => as.signWith({}, as.claims(RESOURCE, { iat: now() + 3600 }))],
    // header
    ['crit header', () => as.signWith({ crit: ['x-briefd'], 'x-briefd': 1 }, as.claims(RESOURCE))],
    ['crit naming exp', () => as.signWith({ crit: ['exp'], exp: 1 }, as.claims(RESOURCE))],
    ['typ JWT (an ID token shape)', () => as.signWith({ typ: 'JWT' }, as.claims(RESOURCE))],
    ['typ logout+jwt', () => as.signWith({ typ: 'logout+jwt' }, as.claims(RESOURCE))],
    ['typ not a string', () => as.signWith({ typ: 5 as unknown as string }, as.claims(RESOURCE))],
    // subject, tenant, scopes
    ['missing sub', () => as.signWith({}, as.claims(RESOURCE, { sub: undefined }))],
    ['empty sub', () => as.signWith({}, as.claims(RESOURCE, { sub: '' }))],
    ['tenant with a path', () => as.signWith({}, as.claims(RESOURCE, { tenant: '../acme' }))],
    ['tenant with a space', () => as.signWith({}, as.claims(RESOURCE, { tenant: 'ac me' }))],
    [
      'tenant of 65 characters',
      () => as.signWith({}, as.claims(RESOURCE, { tenant: 'a'.repeat(65) })),
    ],
    ['empty tenant', () => as.signWith({}, as.claims(RESOURCE, { tenant: '' }))],
    ['tenant as a number', () => as.signWith({}, as.claims(RESOURCE, { tenant: 7 }))],
    ['tenant as a list', () => as.signWith({}, as.claims(RESOURCE, { tenant: ['acme'] }))],
    ['scope as a number', () => as.signWith({}, as.claims(RESOURCE, { scope: 1 }))],
    [
      'scope as a list (RFC 9068 says a string)',
      () => as.signWith({}, as.claims(RESOURCE, { scope: [], scp: ['briefd:read'] })),
    ],
    ['scp as a list of numbers', () => as.signWith({}, as.claims(RESOURCE, { scp: [1] }))],
    // shape and size
    [
      'a 1 MB token',
      async () =>
        `${(await as.signWith({}, as.claims(RESOURCE))).slice(0, -1)}${'A'.repeat(1024 * 1024)}`,
    ],
    [
      'an 8 KiB + 1 token',
      async () => {
        const t = await as.signWith({}, as.claims(RESOURCE, { pad: 'x'.repeat(8000) }))
        return t
      },
    ],
    ['JSON serialization', async () => JSON.stringify({ payload: 'e30', signatures: [] })],
    [
      'two segments',
      async () => (await as.signWith({}, as.claims(RESOURCE))).split('.').slice(0, 2).join('.'),
    ],
    ['four segments', async () => `${await as.signWith({}, as.claims(RESOURCE))}.AAAA`],
    ['base64 padding', async () => `${await as.signWith({}, as.claims(RESOURCE))}=`],
    ['a space inside', async () => (await as.signWith({}, as.claims(RESOURCE))).replace('.', ' .')],
    ['header not JSON', async () => `${Buffer.from('{"alg"').toString('base64url')}.e30.AAAA`],
    ['header a JSON array', async () => rawToken([], {}, 'AAAA')],
    [
      'claims not JSON',
      async () =>
        `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from('nope').toString('base64url')}.AAAA`,
    ],
    ['empty string', async () => ''],
  ]

  it.each(cases)('refuses %s', async (name, make) => {
    const token = await make()
    const started = performance.now()
    const err = await expectRejection(v.verify(token), 'ERR_ACCESS_TOKEN_INVALID')
    expect(performance.now() - started).toBeLessThan(3_000)
    expect(err.details.reason).toBe(REASONS.get(name))
    expect(v.lookup(token)).toBeUndefined()
    expect(err.message).not.toContain('\n')
    if (token.length > 20) expect(err.message).not.toContain(token.slice(-20))
  })

  it('refuses a 1 MB token before parsing it and without touching the key set', async () => {
    const hits = as.jwksHits
    const token = 'A'.repeat(1024 * 1024 - 2) + '.A.A'
    const started = performance.now()
    await expectRejection(v.verify(token), 'ERR_ACCESS_TOKEN_INVALID')
    expect(performance.now() - started).toBeLessThan(50)
    expect(as.jwksHits).toBe(hits)
  })

  it('never fetches a jku or x5u URL', () => {
    expect(attackerJwks.requests).toEqual([])
  })
})

describe('claims the verifier must not trust from the token', () => {
  it('keeps using the metadata jwks_uri whatever the token header says', async () => {
    const before = attackerJwks.requests.length
    const forged: JWTPayload = as.claims(RESOURCE)
    const token = await signToken(
      {
        alg: 'ES256',
        kid: 'attacker',
        jku: `${attackerJwks.origin}/jwks`,
        x5u: `${attackerJwks.origin}/x`,
      },
      forged,
      attacker.privateKey,
    )
    await expectRejection(v.verify(token), 'ERR_ACCESS_TOKEN_INVALID')
    expect(attackerJwks.requests.length).toBe(before)
  })
})

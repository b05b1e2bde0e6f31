/**
 * AccessTokenVerifier against two real authorization servers (oidc-provider over HTTPS):
 * tokens they issue become principals; the fast path remembers them until they expire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JWTPayload } from 'jose'
import { AccessTokenVerifier } from '../../src/oauth/access-token-verifier.js'
import { discoverIssuer, type IssuerMetadata } from '../../src/oauth/issuer.js'
import { TestAuthServer } from '../helpers/oidc.js'
import { expectBriefdError, expectRejection } from '../helpers/briefd-error.js'

const RESOURCE = 'https://briefd.example.com'
const MCP = `${RESOURCE}/mcp`
const OTHER = 'https://other.example.com'

let alpha: TestAuthServer
let beta: TestAuthServer
let alphaMeta: IssuerMetadata
let betaMeta: IssuerMetadata

beforeAll(async () => {
  alpha = await TestAuthServer.start({
    clients: [
      { clientId: 'acme-reader', claims: { tenant: 'acme', roles: ['reader'] } },
      { clientId: 'scorer', claims: { roles: ['scorer'] } },
      { clientId: 'plain' },
      { clientId: 'org-client', claims: { org: 'org_7', tenant: 'ignored' } },
      { clientId: 'scp-client', claims: { scp: ['briefd:scoring'] } },
    ],
    resources: [RESOURCE, MCP, OTHER, 'HTTPS://Briefd.Example.com/'],
  })
  beta = await TestAuthServer.start({
    clients: [{ clientId: 'beta-app', claims: { tenant: 'beta' } }],
    resources: [RESOURCE],
  })
  alphaMeta = await discoverIssuer(alpha.issuer)
  betaMeta = await discoverIssuer(beta.issuer)
})
afterAll(async () => {
  await alpha.close()
  await beta.close()
})

function verifier(
  options: Partial<ConstructorParameters<typeof AccessTokenVerifier>[0]> = {},
): AccessTokenVerifier {
  return new AccessTokenVerifier({ issuers: [alphaMeta], audiences: [RESOURCE], ...options })
}

describe('AccessTokenVerifier.verify', () => {
  it('turns a real access token into an oauth principal with subject, tenant, client and scopes', async () => {
    const token = await alpha.mint({ clientId: 'acme-reader', scope: 'briefd:read' })
    const principal = await verifier().verify(token)
    expect(principal.kind).toBe('oauth')
    expect(principal.subject).toBe('acme-reader')
    expect(principal.tenant).toBe('acme')
    expect(principal.clientId).toBe('acme-reader')
    expect([...(principal.scopes ?? [])]).toEqual(['briefd:read'])
    expect(principal.rateKey).toBe(`oauth:${alpha.issuer}#acme-reader`)
    expect(principal.expiresAt).toBeGreaterThan(Date.now() / 1000 + 500)
    expect(principal.expiresAt).toBeLessThanOrEqual(Date.now() / 1000 + 600)
  })

  it('leaves tenant undefined when the token has none, and reads several scopes', async () => {
    const token = await alpha.mint({ clientId: 'plain', scope: 'briefd:read briefd:scoring' })
    const principal = await verifier().verify(token)
    expect(principal.tenant).toBeUndefined()
    expect([...(principal.scopes ?? [])].sort()).toEqual(['briefd:read', 'briefd:scoring'])
  })

  it('adds the scopes the injected role mapping derives, with the claims it was given', async () => {
    const seen: JWTPayload[] = []
    const rolesToScopes = (claims: Readonly<JWTPayload>): string[] => {
      seen.push(claims)
      const roles = Array.isArray(claims.roles) ? claims.roles : []
      return roles.includes('scorer') ? ['briefd:read', 'briefd:scoring'] : []
    }
    const v = verifier({ rolesToScopes })
    const scorer = await v.verify(await alpha.mint({ clientId: 'scorer' }))
    expect([...(scorer.scopes ?? [])].sort()).toEqual(['briefd:read', 'briefd:scoring'])
    expect(seen[0]?.roles).toEqual(['scorer'])
    const reader = await v.verify(
      await alpha.mint({ clientId: 'acme-reader', scope: 'briefd:read' }),
    )
    expect([...(reader.scopes ?? [])]).toEqual(['briefd:read'])
  })

  it('refuses the token when the role mapping throws', async () => {
    const v = verifier({
      rolesToScopes: () => {
        throw new Error('policy bug')
      },
    })
    await expectRejection(
      v.verify(await alpha.mint({ clientId: 'scorer' })),
      'ERR_ACCESS_TOKEN_INVALID',
    )
  })

  it('reads the tenant from a configured claim name', async () => {
    const token = await alpha.mint({ clientId: 'org-client', scope: 'briefd:read' })
    expect((await verifier({ tenantClaim: 'org' }).verify(token)).tenant).toBe('org_7')
    expect((await verifier().verify(token)).tenant).toBe('ignored')
  })

  it('reads scp as an array of scopes', async () => {
    const token = await alpha.mint({ clientId: 'scp-client', scope: 'briefd:read' })
    const principal = await verifier().verify(token)
    expect([...(principal.scopes ?? [])].sort()).toEqual(['briefd:read', 'briefd:scoring'])
  })

  it('accepts tokens of every configured issuer, each checked with its own keys', async () => {
    const v = verifier({ issuers: [alphaMeta, betaMeta] })
    const a = await v.verify(await alpha.mint({ clientId: 'plain', scope: 'briefd:read' }))
    const b = await v.verify(await beta.mint({ clientId: 'beta-app', scope: 'briefd:read' }))
    expect(a.rateKey).toBe(`oauth:${alpha.issuer}#plain`)
    expect(b.rateKey).toBe(`oauth:${beta.issuer}#beta-app`)
    expect(b.tenant).toBe('beta')
  })

  it('refuses a token of an issuer that is not configured', async () => {
    const token = await beta.mint({ clientId: 'beta-app', scope: 'briefd:read' })
    await expectRejection(verifier().verify(token), 'ERR_ACCESS_TOKEN_INVALID')
  })

  it('accepts each configured audience and audience spellings that name the same resource', async () => {
    const v = verifier({ audiences: [RESOURCE, MCP] })
    await expect(
      v.verify(await alpha.mint({ clientId: 'plain', resource: MCP })),
    ).resolves.toMatchObject({ subject: 'plain' })
    const odd = await alpha.mint({ clientId: 'plain', resource: 'HTTPS://Briefd.Example.com/' })
    await expect(v.verify(odd)).resolves.toMatchObject({ subject: 'plain' })
  })

  it('refuses the token of another resource (audience replay) and /mcp when not configured', async () => {
    const v = verifier()
    const other = await alpha.mint({ clientId: 'plain', resource: OTHER })
    const err = await expectRejection(v.verify(other), 'ERR_ACCESS_TOKEN_INVALID')
    expect(err.message).toMatch(/audience/)
    await expectRejection(
      v.verify(await alpha.mint({ clientId: 'plain', resource: MCP })),
      'ERR_ACCESS_TOKEN_INVALID',
    )
  })

  it('never puts the token or its signature in the error', async () => {
    const token = await alpha.mint({ clientId: 'plain', resource: OTHER })
    const err = await expectRejection(verifier().verify(token), 'ERR_ACCESS_TOKEN_INVALID')
    const signature = token.split('.')[2] ?? ''
    expect(err.message).not.toContain(signature)
    expect(JSON.stringify(err.details)).not.toContain(signature)
    expect(err.message).not.toContain('\n')
  })
})

describe('AccessTokenVerifier.lookup', () => {
  it('knows a token only after it verified, and only with its exact signature', async () => {
    const v = verifier()
    const token = await alpha.mint({ clientId: 'acme-reader', scope: 'briefd:read' })
    expect(v.lookup(token)).toBeUndefined()
    const principal = await v.verify(token)
    expect(v.lookup(token)).toBe(principal)
    const [h, p, s = ''] = token.split('.')
    const flipped = `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`
    expect(v.lookup(flipped)).toBeUndefined()
    await expectRejection(v.verify(flipped), 'ERR_ACCESS_TOKEN_INVALID')
    expect(v.lookup(`${h}.${p}.`)).toBeUndefined()
    expect(v.lookup('x'.repeat(10_000))).toBeUndefined()
  })

  it('rechecks expiry on every lookup, with the same 60 s tolerance as the full check', async () => {
    let offsetMs = 0
    const v = verifier({ now: () => Date.now() + offsetMs })
    const token = await alpha.signWith(
      {},
      alpha.claims(RESOURCE, { exp: Math.floor(Date.now() / 1000) + 5 }),
    )
    const principal = await v.verify(token)
    offsetMs = 30_000
    expect(v.lookup(token)).toBe(principal)
    offsetMs = 70_000
    expectBriefdError(() => v.lookup(token), 'ERR_ACCESS_TOKEN_INVALID')
    await expectRejection(v.verify(token), 'ERR_ACCESS_TOKEN_INVALID')
    offsetMs = 0
    // Forgotten once expired: the full check runs again (and passes at the earlier time).
    expect(v.lookup(token)).toBeUndefined()
  })
})

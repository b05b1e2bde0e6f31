import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { discoverIssuer, metadataUrls } from '../../src/oauth/issuer.js'
import { TestAuthServer } from '../helpers/oidc.js'
import { startHttpsServer, sendJson, type TestHttpsServer } from '../helpers/https-server.js'
import { expectBriefdError, expectRejection } from '../helpers/briefd-error.js'

let as: TestAuthServer
const servers: TestHttpsServer[] = []

beforeAll(async () => {
  as = await TestAuthServer.start({
    clients: [{ clientId: 'c1' }],
    resources: ['https://briefd.example.com'],
  })
})
afterAll(async () => {
  await as.close()
  for (const s of servers) await s.close()
})

/** A metadata server answering every path with `body(origin, path)` (or 404 for undefined). */
async function metadataServer(
  body: (origin: string, path: string) => unknown,
): Promise<TestHttpsServer> {
  const server = await startHttpsServer((req, res, origin) => {
    const answer = body(origin, req.url ?? '')
    if (answer === undefined) sendJson(res, 404, { error: 'not_found' })
    else sendJson(res, 200, answer)
  })
  servers.push(server)
  return server
}

describe('metadataUrls', () => {
  it('puts the RFC 8414 well-known segment before the issuer path, then tries OpenID', () => {
    expect(metadataUrls('https://idp.example.com')).toEqual([
      'https://idp.example.com/.well-known/oauth-authorization-server',
      'https://idp.example.com/.well-known/openid-configuration',
    ])
    expect(metadataUrls('https://idp.example.com/realms/team/')).toEqual([
      'https://idp.example.com/.well-known/oauth-authorization-server/realms/team',
      'https://idp.example.com/realms/team/.well-known/openid-configuration',
    ])
  })

  it.each([
    'http://idp.example.com',
    'idp.example.com',
    'https://idp.example.com/?x=1',
    'https://a:b@idp.example.com',
  ])('refuses --issuer %s', (issuer) => {
    const err = expectBriefdError(() => metadataUrls(issuer), 'ERR_CONFIG_INVALID')
    expect(err.message).toMatch(/^--issuer /)
  })
})

describe('discoverIssuer', () => {
  it('reads the real authorization server RFC 8414 metadata and keeps asymmetric algorithms', async () => {
    const metadata = await discoverIssuer(as.issuer)
    expect(metadata.issuer).toBe(as.issuer)
    expect(metadata.jwksUri.href).toBe(`${as.issuer}/jwks`)
    // oidc-provider lists PS256, RS256, ES256 for ID tokens: all asymmetric, none dropped.
    expect([...metadata.algorithms].sort()).toEqual(['ES256', 'PS256', 'RS256'])
    expect(as.requests).toEqual(['/.well-known/oauth-authorization-server'])
  })

  it('falls back to OpenID discovery when RFC 8414 metadata is not served', async () => {
    const server = await metadataServer((origin, path) =>
      path === '/realms/team/.well-known/openid-configuration'
        ? { issuer: `${origin}/realms/team`, jwks_uri: `${origin}/realms/team/certs` }
        : undefined,
    )
    const metadata = await discoverIssuer(`${server.origin}/realms/team`)
    expect(metadata.jwksUri.href).toBe(`${server.origin}/realms/team/certs`)
    expect(server.requests).toEqual([
      '/.well-known/oauth-authorization-server/realms/team',
      '/realms/team/.well-known/openid-configuration',
    ])
  })

  it('uses RFC 8414 path-inserted metadata first for an issuer with a path', async () => {
    const server = await metadataServer((origin, path) =>
      path === '/.well-known/oauth-authorization-server/realms/team'
        ? { issuer: `${origin}/realms/team`, jwks_uri: `${origin}/realms/team/keys` }
        : undefined,
    )
    const metadata = await discoverIssuer(`${server.origin}/realms/team`)
    expect(metadata.jwksUri.href).toBe(`${server.origin}/realms/team/keys`)
    expect(metadata.algorithms).toEqual(['RS256', 'ES256'])
    expect(server.requests).toEqual(['/.well-known/oauth-authorization-server/realms/team'])
  })

  it('drops HS256 and none from the allow-list and refuses a list with nothing asymmetric', async () => {
    const mixed = await metadataServer((origin) => ({
      issuer: origin,
      jwks_uri: `${origin}/jwks`,
      id_token_signing_alg_values_supported: ['none', 'HS256', 'ES384', 'noNE'],
    }))
    expect((await discoverIssuer(mixed.origin)).algorithms).toEqual(['ES384'])
    const symmetric = await metadataServer((origin) => ({
      issuer: origin,
      jwks_uri: `${origin}/jwks`,
      id_token_signing_alg_values_supported: ['HS256', 'none'],
    }))
    await expectRejection(discoverIssuer(symmetric.origin), 'ERR_AUTH_SERVER_INVALID')
  })

  it('prefers an access-token-specific algorithm list to the ID token one', async () => {
    const server = await metadataServer((origin) => ({
      issuer: origin,
      jwks_uri: `${origin}/jwks`,
      id_token_signing_alg_values_supported: ['RS256'],
      access_token_signing_alg_values_supported: ['ES256', 'HS512'],
    }))
    expect((await discoverIssuer(server.origin)).algorithms).toEqual(['ES256'])
  })

  it('refuses metadata naming another issuer, naming both', async () => {
    const server = await metadataServer(() => ({
      issuer: 'https://evil.example.com',
      jwks_uri: 'https://evil.example.com/jwks',
    }))
    const err = await expectRejection(discoverIssuer(server.origin), 'ERR_AUTH_SERVER_INVALID')
    expect(err.message).toContain(server.origin)
    expect(err.message).toContain('https://evil.example.com')
  })

  it('refuses a trailing-slash mismatch between --issuer and the metadata', async () => {
    await expectRejection(discoverIssuer(`${as.issuer}/`), 'ERR_AUTH_SERVER_INVALID')
    const server = await metadataServer((origin) => ({
      issuer: `${origin}/`,
      jwks_uri: `${origin}/jwks`,
    }))
    await expectRejection(discoverIssuer(server.origin), 'ERR_AUTH_SERVER_INVALID')
  })

  it.each([
    ['an http jwks_uri', (o: string) => ({ issuer: o, jwks_uri: 'http://127.0.0.1:1/jwks' })],
    ['no jwks_uri', (o: string) => ({ issuer: o })],
    ['a jwks_uri that is not a URL', (o: string) => ({ issuer: o, jwks_uri: 'jwks' })],
    [
      'a non-list algorithm field',
      (o: string) => ({
        issuer: o,
        jwks_uri: `${o}/j`,
        id_token_signing_alg_values_supported: 'RS256',
      }),
    ],
  ])('refuses metadata with %s', async (_name, body) => {
    const server = await metadataServer((origin) => body(origin))
    const err = await expectRejection(discoverIssuer(server.origin), 'ERR_AUTH_SERVER_INVALID')
    expect(err.message).toContain(`--issuer ${server.origin}`)
  })

  it.each([
    ['a JSON array', () => [1, 2]],
    ['JSON null', () => null],
  ])('refuses %s as metadata', async (_name, body) => {
    const server = await metadataServer(() => body())
    await expectRejection(discoverIssuer(server.origin), 'ERR_AUTH_SERVER_UNAVAILABLE')
  })

  it('refuses metadata over the size cap and non-JSON', async () => {
    const server = await startHttpsServer((req, res) => {
      if (req.url?.includes('oauth-authorization-server'))
        res.writeHead(200).end('x'.repeat(300_000))
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<html>')
    })
    servers.push(server)
    const err = await expectRejection(discoverIssuer(server.origin), 'ERR_AUTH_SERVER_UNAVAILABLE')
    expect(err.message).toMatch(/larger than/)
    expect(err.message).toMatch(/not JSON/)
  })

  it('does not follow a redirect', async () => {
    const server = await startHttpsServer((_req, res) => {
      res.writeHead(302, { location: `${as.issuer}/.well-known/openid-configuration` }).end()
    })
    servers.push(server)
    await expectRejection(discoverIssuer(server.origin), 'ERR_AUTH_SERVER_UNAVAILABLE')
    expect(server.requests).toHaveLength(2)
  })

  it('gives up after the timeout when the server never answers', async () => {
    const server = await startHttpsServer(() => undefined)
    servers.push(server)
    const started = Date.now()
    const err = await expectRejection(
      discoverIssuer(server.origin, { timeoutMs: 300 }),
      'ERR_AUTH_SERVER_UNAVAILABLE',
    )
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(err.message).toMatch(/timed out/)
    expect(server.requests).toHaveLength(1)
  })

  it('fails fast with one line when nothing listens', async () => {
    const down = await startHttpsServer(() => undefined)
    await down.close()
    const err = await expectRejection(discoverIssuer(down.origin), 'ERR_AUTH_SERVER_UNAVAILABLE')
    expect(err.message).toMatch(/ECONNREFUSED/)
    expect(err.message).not.toContain('\n')
  })
})

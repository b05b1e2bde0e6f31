// A real OAuth authorization server for the remote benchmark: oidc-provider on an ephemeral
// loopback port over HTTPS, issuing JWT access tokens (ES256, `typ: at+jwt`) through client
// credentials with a resource indicator: the small part of test/helpers/oidc.ts the bench
// needs, in plain JavaScript so it runs with `node` after `npm run build`.
import { createServer } from 'node:https'
import Provider, { errors as oidcErrors } from 'oidc-provider'
import { exportJWK, generateKeyPair } from 'jose'

const CLIENT_ID = 'bench-cli'
const CLIENT_SECRET = 'bench-secret-0123456789abcdef0123456789abcdef'

/**
 * Start the server. `resource` is the only audience it issues tokens for; tokens live
 * `ttlSeconds` (long enough for the whole run, so none expires mid-measurement).
 */
export async function startAuthServer({ credentials, resource, ttlSeconds = 3600 }) {
  let handler = (_req, res) => res.writeHead(503).end()
  const server = createServer(credentials, (req, res) => handler(req, res))
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const issuer = `https://127.0.0.1:${server.address().port}`
  const ec = await generateKeyPair('ES256', { extractable: true })
  const rsa = await generateKeyPair('RS256', { extractable: true })
  const keys = [
    { ...(await exportJWK(ec.privateKey)), kid: 'bench-ec', use: 'sig' },
    { ...(await exportJWK(rsa.privateKey)), kid: 'bench-rsa', use: 'sig' },
  ]
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, asked) => {
          if (asked !== resource) throw new oidcErrors.InvalidTarget()
          return {
            audience: resource,
            scope: 'briefd:read',
            accessTokenTTL: ttlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          }
        },
      },
    },
    ttl: { ClientCredentials: ttlSeconds },
  })
  handler = provider.callback()
  const basic = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')

  /** One access token from the real token endpoint (each has its own `jti`, so each differs). */
  async function mint() {
    const res = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'briefd:read',
        resource,
      }),
    })
    const json = await res.json()
    if (res.status !== 200 || typeof json.access_token !== 'string')
      throw new Error(`token endpoint: HTTP ${res.status} ${json.error ?? ''}`)
    return json.access_token
  }

  /** `count` distinct tokens, `parallel` requests at a time. */
  async function mintMany(count, parallel = 8) {
    const out = []
    while (out.length < count) {
      const n = Math.min(parallel, count - out.length)
      out.push(...(await Promise.all(Array.from({ length: n }, mint))))
    }
    if (new Set(out).size !== out.length) throw new Error('the token endpoint repeated a token')
    return out
  }

  const close = () =>
    new Promise((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  return { issuer, mint, mintMany, close }
}

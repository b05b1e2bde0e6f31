/**
 * A real OAuth authorization server for the tests: oidc-provider 9 on an ephemeral loopback
 * port over HTTPS (the run's test CA, see tls.ts). It issues JWT access tokens (ES256,
 * `typ: at+jwt`) through client credentials with resource indicators, with tenant and role
 * claims per client. Tests can rotate its signing keys, take it down, make its key set hang,
 * and count the requests it served. Also: builders for hostile tokens.
 */
import { createServer, type Server } from 'node:https'
import { createHmac } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider, { errors as oidcErrors, type JWKS } from 'oidc-provider'
import {
  SignJWT,
  exportJWK,
  generateKeyPair,
  type CryptoKey,
  type JWK,
  type JWTHeaderParameters,
  type JWTPayload,
} from 'jose'
import { serverCredentials } from './tls.js'

export interface TestClient {
  clientId: string
  secret?: string
  /** Extra claims in this client's access tokens (tenant, roles, …). */
  claims?: Record<string, unknown>
}

export interface TestAuthServerOptions {
  clients: TestClient[]
  /** Resource indicators it issues tokens for; tokens for anything else are refused. */
  resources: string[]
  /** Scopes each resource server offers; default `briefd:read briefd:scoring`. */
  scope?: string
  /** Seconds an access token lives; default 600. */
  accessTokenTtl?: number
  /**
   * Public native clients for people signing in (authorization code + PKCE with a loopback
   * redirect, refresh tokens rotated on every use, the device flow), with oidc-provider's own
   * login and consent pages. Dynamic registration and revocation are on as well.
   */
  publicClients?: string[]
  /** Seconds a refresh token lives; default 1 day. */
  refreshTokenTtl?: number
}

export interface MintOptions {
  clientId: string
  scope?: string
  resource?: string
}

type Mode = 'up' | 'hang-jwks'

interface Keys {
  jwks: JWKS
  publicJwks: JWK[]
  ecPrivateKey: CryptoKey
  ecKid: string
}

let kidCounter = 0

async function makeKeys(): Promise<Keys> {
  const tag = `${process.pid}-${++kidCounter}-${Date.now().toString(36)}`
  const ec = await generateKeyPair('ES256', { extractable: true })
  const rsa = await generateKeyPair('RS256', { extractable: true })
  const ecPriv = { ...(await exportJWK(ec.privateKey)), kid: `ec-${tag}`, use: 'sig' }
  const rsaPriv = { ...(await exportJWK(rsa.privateKey)), kid: `rsa-${tag}`, use: 'sig' }
  const ecPub = { ...(await exportJWK(ec.publicKey)), kid: ecPriv.kid, use: 'sig' }
  const rsaPub = { ...(await exportJWK(rsa.publicKey)), kid: rsaPriv.kid, use: 'sig' }
  return {
    jwks: { keys: [ecPriv, rsaPriv] } as JWKS,
    publicJwks: [ecPub, rsaPub],
    ecPrivateKey: ec.privateKey,
    ecKid: ecPriv.kid,
  }
}

export class TestAuthServer {
  readonly #options: TestAuthServerOptions
  readonly #server: Server
  #port = 0
  #handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  #keys: Keys[] = []
  #mode: Mode = 'up'
  readonly #hung = new Set<ServerResponse>()
  /** Every request path the server received, in order. */
  readonly requests: string[] = []

  private constructor(options: TestAuthServerOptions) {
    this.#options = options
    this.#server = createServer(serverCredentials(), (req, res) => this.#serve(req, res))
  }

  /** Start a server (HTTPS, 127.0.0.1, ephemeral port). */
  static async start(options: TestAuthServerOptions): Promise<TestAuthServer> {
    const as = new TestAuthServer(options)
    await as.#listen(0)
    as.#keys = [await makeKeys()]
    as.#build()
    return as
  }

  get issuer(): string {
    return `https://127.0.0.1:${this.#port}`
  }

  /** Requests for the key set so far. */
  get jwksHits(): number {
    return this.requests.filter((p) => p.endsWith('/jwks')).length
  }

  /** The signing keys the server publishes now (public parts). */
  get publicKeys(): JWK[] {
    return this.#keys.flatMap((k) => k.publicJwks)
  }

  /** The current signing kids, ES256 key first. */
  get currentKids(): string[] {
    return (this.#keys.at(-1)?.publicJwks ?? []).map((k) => k.kid ?? '')
  }

  /**
   * A token signed with the server's current ES256 key (as the server signs), with any header
   * and claims: for checks that must fail on the claims, not on the signature. `undefined`
   * values drop the default header fields.
   */
  async signWith(header: Record<string, unknown>, claims: JWTPayload): Promise<string> {
    const keys = this.#keys.at(-1)
    if (!keys) throw new Error('no keys')
    // Signed by hand (WebCrypto ECDSA P-256, raw r||s as JWS wants): jose's signer refuses
    // headers such as an unknown `crit`, which the verifier must be shown refusing.
    const full = { alg: 'ES256', typ: 'at+jwt', kid: keys.ecKid, ...header }
    const signed = `${b64(full)}.${b64(claims)}`
    const signature = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      keys.ecPrivateKey,
      new TextEncoder().encode(signed),
    )
    return `${signed}.${Buffer.from(signature).toString('base64url')}`
  }

  /** Claims like the server's own access tokens, valid now for `audience`. */
  claims(audience: string, extra: JWTPayload = {}): JWTPayload {
    const now = Math.floor(Date.now() / 1000)
    return {
      iss: this.issuer,
      sub: 'crafted-client',
      aud: audience,
      iat: now,
      exp: now + 600,
      client_id: 'crafted-client',
      scope: 'briefd:read',
      jti: `j-${now}-${Math.random().toString(36).slice(2)}`,
      ...extra,
    }
  }

  /** Serve normally, or accept key set requests and never answer them. */
  setMode(mode: Mode): void {
    this.#mode = mode
  }

  /** New signing keys; with `keepOld`, the old ones stay published (a graceful rotation). */
  async rotateKeys(options: { keepOld?: boolean } = {}): Promise<void> {
    const fresh = await makeKeys()
    this.#keys = options.keepOld ? [...this.#keys, fresh] : [fresh]
    this.#build()
  }

  /** A client-credentials access token from the real token endpoint. */
  async mint(options: MintOptions): Promise<string> {
    const client = this.#options.clients.find((c) => c.clientId === options.clientId)
    if (!client) throw new Error(`no test client ${options.clientId}`)
    const body = new URLSearchParams({ grant_type: 'client_credentials' })
    if (options.scope) body.set('scope', options.scope)
    body.set('resource', options.resource ?? this.#options.resources[0] ?? '')
    const basic = Buffer.from(`${client.clientId}:${secretOf(client)}`).toString('base64')
    const res = await fetch(`${this.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body,
    })
    const json = (await res.json()) as { access_token?: string; error?: string }
    if (res.status !== 200 || typeof json.access_token !== 'string') {
      throw new Error(`token endpoint: HTTP ${res.status} ${json.error ?? ''}`)
    }
    return json.access_token
  }

  /** Take the server down: connections are refused until `start()`. */
  async stop(): Promise<void> {
    for (const res of this.#hung) res.destroy()
    this.#hung.clear()
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve())
      this.#server.closeAllConnections()
    })
  }

  /** Bring the server back on the same port (the issuer URL contains it). */
  async start(): Promise<void> {
    await this.#listen(this.#port)
  }

  async close(): Promise<void> {
    if (this.#server.listening) await this.stop()
  }

  #listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject)
        this.#port = (this.#server.address() as AddressInfo).port
        resolve()
      })
    })
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0] ?? ''
    this.requests.push(path)
    if (this.#mode === 'hang-jwks' && path.endsWith('/jwks')) {
      this.#hung.add(res)
      return
    }
    if (!this.#handler) {
      res.writeHead(503).end()
      return
    }
    this.#handler(req, res)
  }

  #build(): void {
    const options = this.#options
    const resources = options.resources
    const scope = options.scope ?? 'briefd:read briefd:scoring'
    const provider = new Provider(this.issuer, {
      clients: [
        ...options.clients.map((c) => ({
          client_id: c.clientId,
          client_secret: secretOf(c),
          grant_types: ['client_credentials'],
          redirect_uris: [],
          response_types: [],
          token_endpoint_auth_method: 'client_secret_basic' as const,
        })),
        ...(options.publicClients ?? []).map((id) => ({
          client_id: id,
          application_type: 'native' as const,
          grant_types: [
            'authorization_code',
            'refresh_token',
            'urn:ietf:params:oauth:grant-type:device_code',
          ],
          redirect_uris: ['http://127.0.0.1/callback'],
          response_types: ['code' as const],
          token_endpoint_auth_method: 'none' as const,
        })),
      ],
      // People sign in through oidc-provider's own login and consent pages (a test submits them).
      findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
      issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      rotateRefreshToken: true,
      pkce: { required: () => true },
      jwks: { keys: this.#keys.flatMap((k) => k.jwks.keys).reverse() },
      features: {
        devInteractions: { enabled: (options.publicClients ?? []).length > 0 },
        clientCredentials: { enabled: true },
        deviceFlow: { enabled: true },
        revocation: { enabled: true },
        registration: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => resources[0] ?? '',
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, resource) => {
            if (!resources.includes(resource)) throw new oidcErrors.InvalidTarget()
            return {
              audience: resource,
              scope,
              accessTokenTTL: options.accessTokenTtl ?? 600,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'ES256' } },
            }
          },
        },
      },
      // Access-token lifetime comes from the resource server info above; this only stops
      // oidc-provider's notice about an unset default.
      ttl: {
        ClientCredentials: options.accessTokenTtl ?? 600,
        AccessToken: options.accessTokenTtl ?? 600,
        RefreshToken: options.refreshTokenTtl ?? 86_400,
        Grant: options.refreshTokenTtl ?? 86_400,
        Session: 86_400,
        Interaction: 600,
        DeviceCode: 600,
        AuthorizationCode: 60,
      },
      extraTokenClaims: (_ctx, token) =>
        options.clients.find((c) => c.clientId === token.clientId)?.claims ??
        ((options.publicClients ?? []).includes(token.clientId ?? '')
          ? { tenant: 'acme' }
          : undefined),
    })
    this.#handler = provider.callback()
  }
}

function secretOf(client: TestClient): string {
  return client.secret ?? `secret-of-${client.clientId}-0123456789abcdef`
}

const b64 = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

/** A token with any header and claims, signed by `key` (an attacker's key, usually). */
export async function signToken(
  header: JWTHeaderParameters,
  claims: JWTPayload,
  key: CryptoKey | Uint8Array,
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader(header).sign(key)
}

/** A token assembled by hand: header and claims as given, any signature text. */
export function rawToken(header: unknown, claims: unknown, signature = ''): string {
  return `${b64(header)}.${b64(claims)}.${signature}`
}

/** HS256 over header.claims with `secret` (for the HS/RS confusion: the public key as secret). */
export function hmacToken(header: unknown, claims: unknown, secret: Uint8Array | string): string {
  const signed = `${b64(header)}.${b64(claims)}`
  const mac = createHmac('sha256', secret).update(signed).digest('base64url')
  return `${signed}.${mac}`
}

/** A fresh attacker key pair (ES256) and its public JWK. */
export async function attackerKey(): Promise<{ privateKey: CryptoKey; publicJwk: JWK }> {
  const pair = await generateKeyPair('ES256', { extractable: true })
  return {
    privateKey: pair.privateKey,
    publicJwk: { ...(await exportJWK(pair.publicKey)), kid: 'attacker', use: 'sig' },
  }
}

/**
 * The daemon in public mode, for real: HTTPS with a certificate from a CA this test run made,
 * a real oidc-provider on loopback issuing JWT access tokens (client credentials with a
 * resource indicator), API keys from the state dir, and the exchange for short-lived session
 * tokens. No mock of the authorization server or of the daemon.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../helpers/ports.js'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { createApiKey, revokeApiKey } from '../../src/apikeys/store.js'
import { revokeSubject } from '../../src/tokens/subject-revocations.js'
import { makeContent, type TestContent } from '../helpers/content.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { TestAuthServer } from '../helpers/oidc.js'
import { testTls } from '../helpers/tls.js'

let content: TestContent
let daemon: TestDaemon
let as: TestAuthServer
let resource: string

beforeAll(async () => {
  content = makeContent()
  // A tenant's own template, a scored template, and roles that grant the scoring scope.
  mkdirSync(join(content.dir, 'tenants/acme/templates'), { recursive: true, mode: 0o700 })
  writeFileSync(
    join(content.dir, 'tenants/acme/templates/acme-only.md'),
    `ACME-${content.canary.template}\n`,
  )
  writeFileSync(
    join(content.dir, 'templates/scoring-rubric.md'),
    `SCORING-${content.canary.template}\n`,
  )
  writeFileSync(
    join(content.dir, 'access.json'),
    JSON.stringify({
      scopes: { default: 'briefd:read', documents: { 'templates/scoring-*': 'briefd:scoring' } },
      roles: { claim: 'roles', map: { scorer: ['briefd:read', 'briefd:scoring'] } },
      tenants: { claim: 'tenant' },
    }),
  )
  const port = await freePort()
  resource = `https://127.0.0.1:${port}`
  as = await TestAuthServer.start({
    clients: [
      { clientId: 'alice-cli', claims: { tenant: 'acme' } },
      { clientId: 'bob-cli' },
      { clientId: 'carol-cli', claims: { roles: ['scorer'] } },
    ],
    resources: [resource, `${resource}/mcp`, 'https://other.example'],
  })
  const tls = testTls()
  daemon = await startTestDaemon({
    contentDir: content.dir,
    port,
    flags: {
      resource,
      issuer: [as.issuer],
      tlsCert: tls.certPath,
      tlsKey: tls.keyPath,
    },
  })
}, 60_000)

afterAll(async () => {
  await daemon?.close()
  await as?.close()
})

interface Res {
  status: number
  headers: Headers
  text: string
}

async function call(
  path: string,
  init: { token?: string; method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Res> {
  const res = await fetch(`${resource}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined ? { body: init.body } : {}),
  })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

const prm = (): string => `${resource}/.well-known/oauth-protected-resource`

describe('briefd serve --resource (public mode)', () => {
  it('serves RFC 9728 metadata at the root and path-inserted for /mcp, without a token', async () => {
    const root = await call('/.well-known/oauth-protected-resource')
    expect(root.status).toBe(200)
    expect(JSON.parse(root.text)).toEqual({
      resource,
      authorization_servers: [as.issuer],
      scopes_supported: ['briefd:read', 'briefd:scoring'],
      bearer_methods_supported: ['header'],
      resource_name: 'briefd',
    })
    const mcp = JSON.parse((await call('/.well-known/oauth-protected-resource/mcp')).text)
    expect(mcp.resource).toBe(`${resource}/mcp`)
    expect(root.text).not.toContain(content.canary.instructions)
  })

  it('answers no credential with 401 and the RFC 6750 challenge: metadata and scope, no error', async () => {
    const res = await call('/v1/instructions')
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer scope="briefd:read", resource_metadata="${prm()}"`,
    )
    expect(res.text).not.toContain(content.canary.instructions)
  })

  it('delivers a template to a valid access token from the authorization server', async () => {
    const token = await as.mint({ clientId: 'bob-cli', scope: 'briefd:read', resource })
    const res = await call('/v1/templates/verdict', { token })
    expect(res.status).toBe(200)
    expect(JSON.parse(res.text).content).toContain(content.canary.template)
  })

  it('refuses a token issued for another resource (audience replay) with invalid_token', async () => {
    const token = await as.mint({
      clientId: 'bob-cli',
      scope: 'briefd:read',
      resource: 'https://other.example',
    })
    const res = await call('/v1/instructions', { token })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_token", resource_metadata="${prm()}"`,
    )
    expect(res.text).not.toContain(content.canary.instructions)
  })

  it('answers a token without the scope with 403 insufficient_scope naming it', async () => {
    const token = await as.mint({ clientId: 'bob-cli', scope: 'briefd:scoring', resource })
    const res = await call('/v1/instructions', { token })
    expect(res.status).toBe(403)
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_scope", scope="briefd:read", resource_metadata="${prm()}"`,
    )
    expect(JSON.parse(res.text)).toEqual({
      error: 'insufficient_scope',
      error_description: expect.any(String),
    })
  })

  it('refuses the bootstrap credential, a foreign Host and a token in the query', async () => {
    expect(
      (await call('/v1/sessions', { token: daemon.bootstrap(), method: 'POST', body: '{}' }))
        .status,
    ).toBe(401)
    const token = await as.mint({ clientId: 'bob-cli', scope: 'briefd:read', resource })
    // A DNS-rebinding page reaches the right address under its own name.
    const port = Number(new URL(resource).port)
    const rebound = await new Promise<number | undefined>((resolve) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/v1/instructions',
          headers: { host: `evil.example:${port}`, authorization: `Bearer ${token}` },
          // Node would check the certificate against the Host name; the chain is still checked.
          checkServerIdentity: () => undefined,
        },
        (res) => {
          res.resume()
          resolve(res.statusCode)
        },
      )
      req.on('error', () => resolve(undefined))
      req.end()
    })
    expect(rebound).toBe(403)
    expect((await call(`/v1/instructions?access_token=${token}`)).status).toBe(400)
    // The loopback-only routes are not there.
    expect((await call('/v1/proof', { method: 'POST', body: '{}' })).status).toBe(404)
  })

  it('keys failure buckets by client address: a forged-token flood from one address does not lock out a new token from another', async () => {
    const port = Number(new URL(resource).port)
    const from = (localAddress: string, token: string): Promise<number | undefined> =>
      new Promise((done) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port,
            localAddress,
            path: '/v1/instructions',
            headers: { authorization: `Bearer ${token}` },
            agent: false,
          },
          (res) => {
            res.resume()
            done(res.statusCode)
          },
        )
        req.on('error', () => done(undefined))
        req.end()
      })
    const fresh = await as.mint({ clientId: 'bob-cli', scope: 'briefd:read', resource })
    const statuses = await Promise.all(
      Array.from({ length: 100 }, (_, i) => from('127.0.0.2', `forged.${i}.token`)),
    )
    expect(statuses).toContain(429)
    // The attacker's address has spent its failures; another address has its own.
    expect(await from('127.0.0.1', fresh)).toBe(200)
  })

  it('speaks only TLS: a plain HTTP request gets nothing', async () => {
    const port = Number(new URL(resource).port)
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/v1/instructions' }, (res) => {
        let body = ''
        res.on('data', (d: Buffer) => (body += d.toString()))
        res.on('end', () => resolve(`status ${res.statusCode} ${body}`))
      })
      req.on('error', (e) => resolve(`error ${e.message}`))
      req.end()
    })
    expect(outcome).not.toContain(content.canary.instructions)
    expect(outcome).not.toMatch(/^status 200/)
  })

  it('keeps tenants apart: a tenant reads its own template, anyone else gets the same 404 as for none', async () => {
    const alice = await as.mint({ clientId: 'alice-cli', scope: 'briefd:read', resource })
    const bob = await as.mint({ clientId: 'bob-cli', scope: 'briefd:read', resource })
    const own = await call('/v1/templates/acme-only', { token: alice })
    expect(own.status).toBe(200)
    expect(own.text).toContain(`ACME-${content.canary.template}`)
    const other = await call('/v1/templates/acme-only', { token: bob })
    const none = await call('/v1/templates/no-such-template', { token: bob })
    expect(other.status).toBe(404)
    expect(other.text).toBe(none.text)
    expect(other.text).not.toContain('ACME-')
    // Shared documents stay visible to the tenant.
    expect((await call('/v1/templates/verdict', { token: alice })).status).toBe(200)
  })

  it('maps roles to scopes: a scorer reads the scored template, a reader is told the scope it lacks', async () => {
    const carol = await as.mint({ clientId: 'carol-cli', scope: 'briefd:read', resource })
    expect((await call('/v1/templates/scoring-rubric', { token: carol })).status).toBe(200)
    const bob = await as.mint({ clientId: 'bob-cli', scope: 'briefd:read', resource })
    const res = await call('/v1/templates/scoring-rubric', { token: bob })
    expect(res.status).toBe(403)
    expect(res.headers.get('www-authenticate')).toContain('scope="briefd:scoring"')
    expect(res.text).not.toContain('SCORING-')
  })

  it('exchanges an access token for a session token with the same subject, tenant and scopes', async () => {
    const access = await as.mint({ clientId: 'alice-cli', scope: 'briefd:read', resource })
    const res = await call('/v1/sessions', { token: access, method: 'POST', body: '{}' })
    expect(res.status).toBe(201)
    const issued = JSON.parse(res.text)
    expect(issued).toEqual({
      token: expect.any(String),
      session_id: expect.any(String),
      expires_at: expect.any(String),
      scopes: ['briefd:read'],
    })
    expect(issued.token).not.toBe(access)
    // Short-lived: the public default is one hour.
    expect(Date.parse(issued.expires_at) - Date.now()).toBeLessThanOrEqual(3600_000 + 5000)
    const me = JSON.parse((await call('/v1/sessions/current', { token: issued.token })).text)
    expect(me).toMatchObject({ tenant: 'acme', scopes: ['briefd:read'] })
    const doc = await call('/v1/instructions', { token: issued.token })
    expect(doc.status).toBe(200)
    expect(
      (await call('/v1/sessions/current', { token: issued.token, method: 'DELETE' })).status,
    ).toBe(204)
    expect((await call('/v1/instructions', { token: issued.token })).status).toBe(401)
  })

  it('serves an API key, ends it and its sessions on revocation within 3 s, and never outlives it', async () => {
    const created = await createApiKey(daemon.stateDir, {
      name: 'ci',
      scopes: ['briefd:read'],
      ttlSeconds: 600,
    })
    const key = created.key
    await expect
      .poll(async () => (await call('/v1/instructions', { token: key })).status, {
        timeout: 5000,
      })
      .toBe(200)
    const issued = JSON.parse(
      (await call('/v1/sessions', { token: key, method: 'POST', body: '{}' })).text,
    )
    expect(Date.parse(issued.expires_at)).toBeLessThanOrEqual(Date.now() + 600_000 + 2000)
    expect((await call('/v1/templates/verdict', { token: issued.token })).status).toBe(200)
    const oneOff = `${key.slice(0, -8)}${key.at(-8) === 'A' ? 'B' : 'A'}${key.slice(-7)}`
    expect((await call('/v1/instructions', { token: oneOff })).status).toBe(401)
    await revokeApiKey(daemon.stateDir, created.record.id)
    await expect
      .poll(async () => (await call('/v1/instructions', { token: key })).status, {
        timeout: 5000,
      })
      .toBe(401)
    expect((await call('/v1/instructions', { token: issued.token })).status).toBe(401)
  })

  it('ends every session of a subject with briefd sessions revoke --subject', async () => {
    const access = await as.mint({ clientId: 'bob-cli', scope: 'briefd:read', resource })
    const issued = JSON.parse(
      (await call('/v1/sessions', { token: access, method: 'POST', body: '{}' })).text,
    )
    const me = JSON.parse((await call('/v1/sessions/current', { token: issued.token })).text)
    expect((await call('/v1/instructions', { token: issued.token })).status).toBe(200)
    await revokeSubject(daemon.stateDir, me.subject)
    await expect
      .poll(async () => (await call('/v1/instructions', { token: issued.token })).status, {
        timeout: 5000,
      })
      .toBe(401)
  })

  it('keeps no secret in the audit log, and names the principal on every delivery', async () => {
    const { readFileSync } = await import('node:fs')
    const log = readFileSync(`${daemon.stateDir}/audit.log`, 'utf8')
    expect(log).not.toContain(daemon.bootstrap())
    const lines = log
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    const oauth = lines.find(
      (l) =>
        l.event === 'document.delivered' &&
        (l.principal as { kind?: string } | undefined)?.kind === 'oauth',
    )
    expect(oauth?.principal).toMatchObject({
      kind: 'oauth',
      client_id: 'bob-cli',
      scopes: ['briefd:read'],
    })
  })
})

/**
 * /mcp on the daemon in public mode: HTTPS with a test CA, a real oidc-provider on loopback
 * issuing JWT access tokens, API keys from the state dir, and the SDK's real Client with
 * StreamableHTTPClientTransport, both with a pre-issued bearer header and with the SDK's own
 * client-credentials provider (discovery from our 401 challenge). No mock anywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from 'node:net'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js'
import { createApiKey } from '../../src/apikeys/store.js'
import { makeContent, type TestContent } from '../helpers/content.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { auditEntries, firstText, testManifest } from '../helpers/mcp.js'
import { TestAuthServer } from '../helpers/oidc.js'
import { testTls } from '../helpers/tls.js'
import { tempDir } from '../helpers/tmp.js'

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address() as { port: number }
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

const CC_SECRET = 'machine-secret-0123456789abcdef0123456789'
let content: TestContent
let daemon: TestDaemon
let as: TestAuthServer
let resource: string

beforeAll(async () => {
  content = makeContent()
  writeFileSync(
    join(content.dir, 'templates/scoring-rubric.md'),
    `SCORING-${content.canary.template}\n`,
  )
  mkdirSync(join(content.dir, 'tenants/acme/templates'), { recursive: true, mode: 0o700 })
  writeFileSync(
    join(content.dir, 'tenants/acme/templates/verdict.md'),
    `ACME verdict {{verdict}}. ${content.canary.secretTemplate}\n`,
  )
  writeFileSync(
    join(content.dir, 'access.json'),
    JSON.stringify({
      scopes: { default: 'briefd:read', documents: { 'templates/scoring-*': 'briefd:scoring' } },
      tenants: { claim: 'tenant' },
    }),
  )
  const manifest = testManifest() as { tools: Record<string, unknown>[] }
  manifest.tools.push(
    {
      name: 'score',
      description: 'Score (its template needs briefd:scoring by the access policy).',
      template: 'scoring-rubric',
      inputSchema: { type: 'object' },
      fallback: 'GENERIC-SCORE',
    },
    {
      name: 'scored_verdict',
      description: 'A verdict the manifest reserves for briefd:scoring.',
      template: 'verdict',
      scope: 'briefd:scoring',
      inputSchema: { type: 'object', properties: { verdict: { type: 'string' } } },
      fallback: 'GENERIC {{verdict}}',
    },
  )
  const tools = join(tempDir('briefd-mcp-public-'), 'tools.json')
  writeFileSync(tools, JSON.stringify(manifest))
  const port = await freePort()
  resource = `https://127.0.0.1:${port}`
  as = await TestAuthServer.start({
    clients: [
      { clientId: 'reader' },
      { clientId: 'acme-reader', claims: { tenant: 'acme' } },
      { clientId: 'machine', secret: CC_SECRET },
    ],
    resources: [resource, `${resource}/mcp`, 'https://other.example'],
  })
  const tls = testTls()
  daemon = await startTestDaemon({
    contentDir: content.dir,
    port,
    flags: { resource, issuer: [as.issuer], tlsCert: tls.certPath, tlsKey: tls.keyPath, tools },
  })
}, 60_000)

afterAll(async () => {
  await daemon?.close()
  await as?.close()
})

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'briefd-public-test', version: '1.0.0' })
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${resource}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  )
  return client
}

function post(token: string | undefined, body: unknown): Promise<Response> {
  return fetch(`${resource}/mcp`, {
    method: 'POST',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
    },
    body: JSON.stringify(body),
  })
}

const CALL_SCORED = {
  jsonrpc: '2.0',
  id: 7,
  method: 'tools/call',
  params: { name: 'scored_verdict', arguments: { verdict: 'APPROVE' } },
}

describe('/mcp in public mode', () => {
  it('answers 401 without a token, the challenge pointing at the path-inserted metadata', async () => {
    const res = await post(undefined, CALL_SCORED)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toContain(
      `resource_metadata="${resource}/.well-known/oauth-protected-resource/mcp"`,
    )
    const meta = await fetch(`${resource}/.well-known/oauth-protected-resource/mcp`)
    expect(await meta.json()).toMatchObject({
      resource: `${resource}/mcp`,
      authorization_servers: [as.issuer],
    })
  })

  it('accepts an access token for <resource>/mcp and for <resource>; refuses another audience', async () => {
    for (const aud of [`${resource}/mcp`, resource]) {
      const token = await as.mint({ clientId: 'reader', scope: 'briefd:read', resource: aud })
      const client = await connect(token)
      expect(client.getInstructions()).toContain(content.canary.instructions)
      const r = await client.callTool({
        name: 'give_verdict',
        arguments: { verdict: 'APPROVE', target: aud },
      })
      expect(firstText(r)).toBe(`Verdict: APPROVE for ${aud}. ${content.canary.template}\n`)
      await client.close()
    }
    const other = await as.mint({
      clientId: 'reader',
      scope: 'briefd:read',
      resource: 'https://other.example',
    })
    const res = await post(other, CALL_SCORED)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"')
  })

  it('lists only the tools the scopes allow, and answers a call outside them with HTTP 403', async () => {
    const token = await as.mint({
      clientId: 'reader',
      scope: 'briefd:read',
      resource: `${resource}/mcp`,
    })
    const client = await connect(token)
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name)).toEqual(['give_verdict', 'hidden', 'missing', 'read_briefing'])
    await expect(
      client.callTool({ name: 'scored_verdict', arguments: { verdict: 'APPROVE' } }),
    ).rejects.toMatchObject({ code: 403, message: expect.stringMatching(/insufficient_scope/) })
    await client.close()
    const res = await post(token, CALL_SCORED)
    expect(res.status).toBe(403)
    expect(res.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/)
    expect(res.headers.get('www-authenticate')).toContain('scope="briefd:scoring briefd:read"')
    const body = await res.text()
    expect(JSON.parse(body)).toMatchObject({ error: 'insufficient_scope' })
    expect(body).not.toContain(content.canary.template)
    const score = await post(token, { ...CALL_SCORED, params: { name: 'score', arguments: {} } })
    expect(score.status).toBe(403)
    expect(score.headers.get('www-authenticate')).toContain('scope="briefd:scoring"')
  })

  it('with the scope: the tools are listed and answer', async () => {
    const token = await as.mint({
      clientId: 'reader',
      scope: 'briefd:read briefd:scoring',
      resource: `${resource}/mcp`,
    })
    const client = await connect(token)
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name)).toContain('scored_verdict')
    expect(tools.map((t) => t.name)).toContain('score')
    const r = await client.callTool({ name: 'score', arguments: {} })
    expect(firstText(r)).toBe(`SCORING-${content.canary.template}\n`)
    await client.close()
    const line = (auditEntries(daemon.stateDir) as Record<string, unknown>[])
      .filter((e) => e.event === 'mcp.tool_call')
      .at(-1)
    expect(line).toMatchObject({
      tool: 'score',
      result: 'ok',
      principal: { kind: 'oauth', client_id: 'reader' },
    })
  })

  it("serves the principal's tenant its own template", async () => {
    const token = await as.mint({
      clientId: 'acme-reader',
      scope: 'briefd:read',
      resource: `${resource}/mcp`,
    })
    const client = await connect(token)
    const r = await client.callTool({
      name: 'give_verdict',
      arguments: { verdict: 'REJECT', target: 'x' },
    })
    expect(firstText(r)).toBe(`ACME verdict REJECT. ${content.canary.secretTemplate}\n`)
    await client.close()
  })

  it('works with an API key, and its scopes apply', async () => {
    const { key } = await createApiKey(daemon.stateDir, { name: 'ci', scopes: ['briefd:read'] })
    const client = await connect(key)
    const r = await client.callTool({
      name: 'give_verdict',
      arguments: { verdict: 'APPROVE', target: 'key' },
    })
    expect(firstText(r)).toContain(content.canary.template)
    await client.close()
    const res = await post(key, CALL_SCORED)
    expect(res.status).toBe(403)
  })

  it("works with the SDK's client-credentials provider, discovering the server from the challenge", async () => {
    const provider = new ClientCredentialsProvider({
      clientId: 'machine',
      clientSecret: CC_SECRET,
      scope: 'briefd:read',
      expectedIssuer: as.issuer,
    })
    const client = new Client({ name: 'briefd-cc-test', version: '1.0.0' })
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${resource}/mcp`), { authProvider: provider }),
    )
    const r = await client.callTool({
      name: 'give_verdict',
      arguments: { verdict: 'APPROVE', target: 'cc' },
    })
    expect(firstText(r)).toBe(`Verdict: APPROVE for cc. ${content.canary.template}\n`)
    await client.close()
  })
})

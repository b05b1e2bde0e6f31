// /mcp over Streamable HTTP on the real daemon (in process, ephemeral loopback port), spoken to
// by the SDK's real Client with StreamableHTTPClientTransport and a bearer header: the same
// tools and texts as `briefd mcp`, stateless, guarded and audited like the document routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { makeContent, leakedCanaries, type TestContent } from '../helpers/content.js'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { auditEntries, firstText, sourceOf, testManifest } from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'

let content: TestContent
let daemon: TestDaemon
let token: string

beforeAll(async () => {
  content = makeContent()
  const tools = join(tempDir('briefd-mcp-http-'), 'tools.json')
  writeFileSync(tools, JSON.stringify(testManifest()))
  daemon = await startTestDaemon({ contentDir: content.dir, flags: { tools } })
  token = (await daemon.newSession()).token
})
afterAll(async () => {
  await daemon?.close()
})

async function connect(bearer = token): Promise<Client> {
  const client = new Client({ name: 'briefd-http-test', version: '1.0.0' })
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${daemon.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${bearer}` } },
    }),
  )
  return client
}

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'raw', version: '1' },
  },
}

function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${daemon.url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

describe('/mcp with a local session token', () => {
  it('initialize carries the confidential instructions with the preamble', async () => {
    const client = await connect()
    const instructions = client.getInstructions() ?? ''
    expect(instructions).toContain(content.canary.preamble)
    expect(instructions).toContain(content.canary.instructions)
    expect(instructions.indexOf(content.canary.preamble)).toBeLessThan(
      instructions.indexOf(content.canary.instructions),
    )
    expect(client.getServerVersion()).toMatchObject({ name: 'briefd-test', version: '1.0.0' })
    await client.close()
  })

  it('lists the manifest tools and the briefing tool and prompt', async () => {
    const client = await connect()
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name)).toEqual(['give_verdict', 'hidden', 'missing', 'read_briefing'])
    const verdict = tools.find((t) => t.name === 'give_verdict')
    expect(verdict?.inputSchema).toMatchObject({ required: ['verdict', 'target'] })
    const { prompts } = await client.listPrompts()
    expect(prompts.map((p) => p.name)).toEqual(['briefing'])
    const prompt = await client.getPrompt({ name: 'briefing' })
    expect(JSON.stringify(prompt.messages)).toContain(content.canary.briefing)
    await client.close()
  })

  it('renders the template server-side with checked arguments', async () => {
    const client = await connect()
    const r = await client.callTool({
      name: 'give_verdict',
      arguments: { verdict: 'APPROVE', target: 'PR-7' },
    })
    expect(firstText(r)).toBe(`Verdict: APPROVE for PR-7. ${content.canary.template}\n`)
    expect(sourceOf(r)).toBe('current')
    const briefing = await client.callTool({ name: 'read_briefing', arguments: {} })
    expect(firstText(briefing)).toContain(content.canary.briefing)
    await client.close()
  })

  it('refuses bad arguments as a tool error, without reading the template', async () => {
    const client = await connect()
    const r = await client.callTool({
      name: 'give_verdict',
      arguments: { verdict: 'MAYBE', target: 'PR-7' },
    })
    expect(r.isError).toBe(true)
    expect(firstText(r)).toMatch(/^Invalid arguments for tool give_verdict/)
    expect(leakedCanaries(content, JSON.stringify(r))).toEqual([])
    await client.close()
  })

  it('returns the generic fallback, marked, for a tool without a template', async () => {
    const client = await connect()
    const r = await client.callTool({ name: 'missing', arguments: {} })
    expect(firstText(r)).toBe('GENERIC-MISSING')
    expect(sourceOf(r)).toBe('fallback')
    expect(r._meta).toMatchObject({ 'briefd/reason': 'ERR_CONTENT_NOT_FOUND' })
    await client.close()
  })

  it('audits one line per tool call: names and a hash of the arguments, never values', async () => {
    const client = await connect()
    await client.callTool({
      name: 'give_verdict',
      arguments: { verdict: 'REJECT', target: 'SECRET-TARGET-VALUE' },
    })
    await client.close()
    const lines = auditEntries(daemon.stateDir) as Record<string, unknown>[]
    const call = lines.filter((e) => e.event === 'mcp.tool_call').at(-1)
    expect(call).toMatchObject({
      status: 200,
      route: 'POST /mcp',
      tool: 'give_verdict',
      argument_names: ['verdict', 'target'],
      result: 'ok',
      principal: { kind: 'session' },
    })
    expect(call?.arguments_sha256).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(call?.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/)
    expect(JSON.stringify(lines)).not.toContain('SECRET-TARGET-VALUE')
    expect(JSON.stringify(lines)).not.toContain(token)
  })

  it('keeps two concurrent clients using the same request id apart', async () => {
    const [a, b] = await Promise.all([
      post({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'give_verdict', arguments: { verdict: 'APPROVE', target: 'A-side' } },
      }),
      post({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'give_verdict', arguments: { verdict: 'REJECT', target: 'B-side' } },
      }),
    ])
    const [ja, jb] = (await Promise.all([a.json(), b.json()])) as {
      id: number
      result: unknown
    }[]
    expect(ja?.id).toBe(1)
    expect(jb?.id).toBe(1)
    expect(firstText(ja?.result)).toContain('APPROVE for A-side')
    expect(firstText(jb?.result)).toContain('REJECT for B-side')
  })

  it('issues no Mcp-Session-Id, and a session id is never a credential', async () => {
    const res = await post(INIT)
    expect(res.status).toBe(200)
    expect(res.headers.get('mcp-session-id')).toBeNull()
    expect(res.headers.get('cache-control')).toBe('no-store')
    const noAuth = await fetch(`${daemon.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': 'anything',
      },
      body: JSON.stringify(INIT),
    })
    expect(noAuth.status).toBe(401)
    expect(noAuth.headers.get('www-authenticate')).toMatch(/^Bearer /)
    expect(await noAuth.json()).toMatchObject({ error: 'unauthorized' })
  })

  it('answers 401 for a wrong token, without content', async () => {
    const res = await post(INIT, { authorization: 'Bearer not-a-real-token' })
    expect(res.status).toBe(401)
    expect(leakedCanaries(content, await res.text())).toEqual([])
  })

  it('refuses GET (SSE) and DELETE with 405', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${daemon.url}/mcp`, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      })
      expect(res.status).toBe(405)
      expect(res.headers.get('allow')).toBe('POST')
    }
  })

  it('refuses a foreign Origin and a foreign Host before the SDK sees the request', async () => {
    const origin = await post(INIT, { origin: 'http://evil.example' })
    expect(origin.status).toBe(403)
    expect(await origin.json()).toMatchObject({ error: 'forbidden' })
    const { request } = await import('node:http')
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: daemon.port,
          path: '/mcp',
          method: 'POST',
          headers: {
            host: `rebound.example:${daemon.port}`,
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
          },
        },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      req.on('error', reject)
      req.end(JSON.stringify(INIT))
    })
    expect(status).toBe(403)
  })

  it('cannot be reached without a token through path variants', async () => {
    for (const path of ['/mcp/', '//mcp', '/./mcp', '/MCP', '/mcp%2F', '/mcp;x', '/%6Dcp']) {
      const res = await fetch(`${daemon.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify(INIT),
      })
      expect([401, 404], path).toContain(res.status)
      expect(leakedCanaries(content, await res.text()), path).toEqual([])
    }
  })

  it('refuses an oversized body with 413, a batch and non-JSON with JSON-RPC errors', async () => {
    const big = await post({ ...INIT, params: { ...INIT.params, pad: 'x'.repeat(20_000) } })
    expect(big.status).toBe(413)
    const batch = await post([INIT, INIT])
    expect(batch.status).toBe(400)
    expect(await batch.json()).toMatchObject({ error: { code: -32600 } })
    const garbage = await post('{not json')
    expect(garbage.status).toBe(400)
    expect(await garbage.json()).toMatchObject({ error: { code: -32700 } })
  })
})

describe('/mcp without --tools', () => {
  it('is 404, like any route the daemon does not serve', async () => {
    const plain = await startTestDaemon({ contentDir: content.dir })
    try {
      const res = await fetch(`${plain.url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(INIT),
      })
      expect(res.status).toBe(404)
    } finally {
      await plain.close()
    }
  })
})

describe('/mcp with an audit log that cannot be written', () => {
  it('refuses the tool call with 503 (fail closed), without content', async () => {
    const own = makeContent()
    const tools = join(tempDir('briefd-mcp-http-'), 'tools.json')
    writeFileSync(tools, JSON.stringify(testManifest()))
    let clock = Date.now()
    const d = await startTestDaemon({ contentDir: own.dir, flags: { tools }, now: () => clock })
    try {
      const { token: t } = await d.newSession()
      const call = (): Promise<Response> =>
        fetch(`${d.url}/mcp`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${t}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'tools/call',
            params: { name: 'give_verdict', arguments: { verdict: 'APPROVE', target: 'x' } },
          }),
        })
      expect((await call()).status).toBe(200)
      const audit = join(d.stateDir, 'audit.log')
      unlinkSync(audit)
      symlinkSync('/dev/null', audit)
      d.handle.checkStateDir()
      clock += 1100 // the audit log re-checks its file every second
      const refused = await call()
      expect(refused.status).toBe(503)
      const body = await refused.text()
      expect(JSON.parse(body)).toMatchObject({ error: 'audit_unavailable' })
      expect(leakedCanaries(own, body)).toEqual([])
    } finally {
      await d.close()
    }
  })
})

// POST /v1/proof on the real daemon: it proves it holds the signing key behind a session token
// and the bootstrap credential (shared/daemon-proof), and refuses malformed requests.
import { describe, expect, it } from 'vitest'
import { leakedCanaries } from '../helpers/content.js'
import { rawRequest } from '../helpers/http.js'
import { daemonForThisFile } from '../helpers/daemon.js'
import { forgeToken, foreignKey } from '../helpers/tokens.js'
import { newNonce, proofChallenge, proofMatches } from '../../src/shared/daemon-proof.js'

const t = daemonForThisFile()

async function ask(
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown>; raw: string }> {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  const res = await rawRequest(t.daemon.port, {
    method: 'POST',
    path: '/v1/proof',
    headers: [['Content-Type', 'application/json']],
    body: text,
  })
  return { status: res.status, json: JSON.parse(res.body) as Record<string, unknown>, raw: res.raw }
}

describe('POST /v1/proof', () => {
  it('proves the key behind a session token it issued, and the bootstrap credential, without either crossing the wire', async () => {
    const { token } = await t.daemon.newSession()
    for (const bearer of [token, t.daemon.bootstrap()]) {
      const { request, expected } = proofChallenge(bearer)
      const res = await ask(request)
      expect(res.status).toBe(200)
      expect(proofMatches(res.json.proof, expected)).toBe(true)
      expect(JSON.stringify(request)).not.toContain(bearer.slice(bearer.lastIndexOf('.') + 1))
      expect(res.raw).not.toContain(bearer)
    }
  })

  it('gives no proof that fits a token signed with another key, or another credential', async () => {
    const forged = forgeToken({ key: foreignKey() })
    const unknownKey = await ask(proofChallenge(forged).request)
    expect(unknownKey.status).toBe(401)
    expect(unknownKey.json.error).toBe('invalid_token')
    // Same daemon key id, other signature: the proof the daemon gives cannot match it.
    const { token } = await t.daemon.newSession()
    const tampered = `${token.slice(0, token.lastIndexOf('.'))}.${'A'.repeat(43)}`
    const c = proofChallenge(tampered)
    const res = await ask(c.request)
    expect(res.status).toBe(200)
    expect(proofMatches(res.json.proof, c.expected)).toBe(false)
    const wrongBootstrap = proofChallenge('not-the-bootstrap-credential')
    expect(
      proofMatches((await ask(wrongBootstrap.request)).json.proof, wrongBootstrap.expected),
    ).toBe(false)
  })

  it.for([
    ['not JSON', 'nonce'],
    ['an array', []],
    ['a short nonce', { nonce: 'abc', for: 'bootstrap' }],
    ['an unknown kind', { nonce: newNonce(), for: 'admin' }],
    ['a session without its signed part', { nonce: newNonce(), for: 'session' }],
    ['a signed part that is a whole token', { nonce: newNonce(), for: 'session', signed: 'a.b.c' }],
    ['a header that is not JSON', { nonce: newNonce(), for: 'session', signed: 'bm90anNvbg.e30' }],
  ] as [string, unknown][])('answers 400 for %s, with nothing of the content', async ([, body]) => {
    const res = await ask(body)
    expect(res.status).toBe(400)
    expect(res.json.error).toBe('invalid_request')
    expect(leakedCanaries(t.content, res.raw)).toEqual([])
  })

  it('is POST only', async () => {
    const res = await rawRequest(t.daemon.port, { path: '/v1/proof' })
    expect(res.status).toBe(405)
    expect(res.headers.allow).toBe('POST')
  })
})

/**
 * The key set over time, against a real authorization server: rotation, the server going
 * down or hanging mid-test, and the refetch cooldown, counted in the server's own request log.
 * The verifier's clock is shifted (never the server's) to open and close the cooldown.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AccessTokenVerifier } from '../../src/oauth/access-token-verifier.js'
import { discoverIssuer } from '../../src/oauth/issuer.js'
import { attackerKey, signToken, TestAuthServer } from '../helpers/oidc.js'
import { expectRejection } from '../helpers/briefd-error.js'

const RESOURCE = 'https://briefd.example.com'
const COOLDOWN_MS = 30_000
const TIMEOUT_MS = 500

let as: TestAuthServer
let v: AccessTokenVerifier
let offsetMs: number

beforeEach(async () => {
  as = await TestAuthServer.start({ clients: [{ clientId: 'c1' }], resources: [RESOURCE] })
  offsetMs = 0
  v = new AccessTokenVerifier({
    issuers: [await discoverIssuer(as.issuer)],
    audiences: [RESOURCE],
    now: () => Date.now() + offsetMs,
    keys: { cooldownMs: COOLDOWN_MS, timeoutMs: TIMEOUT_MS },
  })
})
afterEach(async () => {
  as.setMode('up')
  await as.close()
})

const mint = (): Promise<string> => as.mint({ clientId: 'c1', scope: 'briefd:read' })
/** A token with a kid the server never published. */
async function unknownKidToken(kid = 'never-published'): Promise<string> {
  const { privateKey } = await attackerKey()
  return signToken({ alg: 'ES256', kid, typ: 'at+jwt' }, as.claims(RESOURCE), privateKey)
}
/** Milliseconds `run` takes to settle, counted from before it starts. */
async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await run()
  return performance.now() - started
}

describe('key rotation at the authorization server', () => {
  it('fetches the new key set once for the new kid, then verifies from memory', async () => {
    await v.verify(await mint())
    expect(as.jwksHits).toBe(1)
    await v.verify(await mint())
    expect(as.jwksHits).toBe(1)

    offsetMs = COOLDOWN_MS
    await as.rotateKeys()
    const rotated = await mint()
    await expect(v.verify(rotated)).resolves.toMatchObject({ subject: 'c1' })
    expect(as.jwksHits).toBe(2)
    await v.verify(await mint())
    expect(as.jwksHits).toBe(2)
  })

  it('keeps verifying tokens of the old key while it is still published', async () => {
    const old = await mint()
    const oldUnseen = await mint()
    await v.verify(old)
    offsetMs = COOLDOWN_MS
    await as.rotateKeys({ keepOld: true })
    await v.verify(await mint())
    expect(as.jwksHits).toBe(2)
    expect(v.lookup(old)).toMatchObject({ subject: 'c1' })
    await expect(v.verify(oldUnseen)).resolves.toMatchObject({ subject: 'c1' })
    expect(as.jwksHits).toBe(2)
  })

  it('refuses a rotated kid inside the cooldown without a fetch, and fetches once after it', async () => {
    await v.verify(await mint())
    await as.rotateKeys()
    const rotated = await mint()
    await expectRejection(v.verify(rotated), 'ERR_ACCESS_TOKEN_INVALID')
    expect(as.jwksHits).toBe(1)
    offsetMs = COOLDOWN_MS + 1
    await expect(v.verify(rotated)).resolves.toMatchObject({ subject: 'c1' })
    expect(as.jwksHits).toBe(2)
  })
})

describe('the refetch cooldown', () => {
  it('allows one fetch per cooldown for a flood of unknown kids, concurrent or not', async () => {
    await v.verify(await mint())
    expect(as.jwksHits).toBe(1)
    offsetMs = COOLDOWN_MS
    const flood = await Promise.all(Array.from({ length: 20 }, (_, i) => unknownKidToken(`k${i}`)))
    const results = await Promise.allSettled(flood.map((t) => v.verify(t)))
    expect(results.every((r) => r.status === 'rejected')).toBe(true)
    expect(as.jwksHits).toBe(2)
    for (const t of flood) await expectRejection(v.verify(t), 'ERR_ACCESS_TOKEN_INVALID')
    expect(as.jwksHits).toBe(2)
    offsetMs = 2 * COOLDOWN_MS
    await expectRejection(v.verify(await unknownKidToken()), 'ERR_ACCESS_TOKEN_INVALID')
    expect(as.jwksHits).toBe(3)
  })

  it('refreshes a stale key set in the background while the old one keeps verifying', async () => {
    const stale = new AccessTokenVerifier({
      issuers: [await discoverIssuer(as.issuer)],
      audiences: [RESOURCE],
      now: () => Date.now() + offsetMs,
      keys: { cooldownMs: COOLDOWN_MS, timeoutMs: TIMEOUT_MS, maxAgeMs: 60_000 },
    })
    await stale.verify(await mint())
    expect(as.jwksHits).toBe(1)
    offsetMs = 61_000
    as.setMode('hang-jwks')
    // The refresh hangs, yet the token verifies at once with the keys already held.
    const fresh = await mint()
    expect(await timed(() => stale.verify(fresh))).toBeLessThan(TIMEOUT_MS / 2)
    await expect(stale.verify(await mint())).resolves.toMatchObject({ subject: 'c1' })
    expect(as.jwksHits).toBe(2)
    as.setMode('up')
  })
})

describe('the authorization server going down mid-test', () => {
  it('keeps remembered tokens and fetched keys working, and refuses unknown kids quickly', async () => {
    const remembered = await mint()
    await v.verify(remembered)
    const unseen = await mint()
    await as.stop()

    expect(v.lookup(remembered)).toMatchObject({ subject: 'c1' })
    await expect(v.verify(unseen)).resolves.toMatchObject({ subject: 'c1' })

    offsetMs = COOLDOWN_MS
    const keys = v.keysOf(as.issuer)
    const attempts = keys?.fetchAttempts ?? 0
    const err = await expectRejection(v.verify(await unknownKidToken()), 'ERR_ACCESS_TOKEN_INVALID')
    expect(err.message).toMatch(/signing keys unavailable/)
    expect(keys?.fetchAttempts).toBe(attempts + 1)
    // Inside the cooldown, a second unknown kid costs no connection attempt at all.
    const other = await unknownKidToken('other')
    const refusal = () => expectRejection(v.verify(other), 'ERR_ACCESS_TOKEN_INVALID')
    expect(await timed(refusal)).toBeLessThan(250)
    expect(keys?.fetchAttempts).toBe(attempts + 1)

    await as.start()
    await as.rotateKeys()
    offsetMs = 2 * COOLDOWN_MS
    await expect(v.verify(await mint())).resolves.toMatchObject({ subject: 'c1' })
  })

  it('gives up on a hanging key set endpoint after the short timeout, old keys still verifying', async () => {
    await v.verify(await mint())
    as.setMode('hang-jwks')
    offsetMs = COOLDOWN_MS
    const hits = as.jwksHits
    const token = await unknownKidToken()
    const elapsed = await timed(() => expectRejection(v.verify(token), 'ERR_ACCESS_TOKEN_INVALID'))
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50)
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1_500)
    expect(as.jwksHits).toBe(hits + 1)
    await expect(v.verify(await mint())).resolves.toMatchObject({ subject: 'c1' })
  })

  it('fails closed and fast when the server is down before any key was fetched', async () => {
    const token = await mint()
    await as.stop()
    await expectRejection(v.verify(token), 'ERR_ACCESS_TOKEN_INVALID')
    const refusal = () => expectRejection(v.verify(token), 'ERR_ACCESS_TOKEN_INVALID')
    expect(await timed(refusal)).toBeLessThan(250)
    expect(v.keysOf(as.issuer)?.fetchAttempts).toBe(1)
    await as.start()
    offsetMs = COOLDOWN_MS
    await expect(v.verify(token)).resolves.toMatchObject({ subject: 'c1' })
  })
})

describe('AccessTokenVerifier.prefetch', () => {
  it('fetches the key set at start so the first token needs no fetch', async () => {
    await v.prefetch()
    expect(as.jwksHits).toBe(1)
    await v.verify(await mint())
    expect(as.jwksHits).toBe(1)
  })

  it('fails with ERR_AUTH_SERVER_UNAVAILABLE naming the issuer when the key set is unreachable', async () => {
    await as.stop()
    const err = await expectRejection(v.prefetch(), 'ERR_AUTH_SERVER_UNAVAILABLE')
    expect(err.message).toContain(`--issuer ${as.issuer}`)
    expect(err.message).not.toContain('\n')
  })
})

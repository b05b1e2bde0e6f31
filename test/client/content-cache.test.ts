import { describe, expect, it } from 'vitest'
import { ContentCache } from '../../src/client/content-cache.js'
import type { DaemonDocument } from '../../src/client/documents.js'
import { BriefdError } from '../../src/shared/errors.js'

const doc = (content: string): DaemonDocument => ({
  content,
  etag: `"${content}"`,
  daemonUrl: 'http://127.0.0.1:1',
})

function clock() {
  let t = 1000
  return { now: () => t, advance: (ms: number) => void (t += ms) }
}

function deferred<T>() {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

const down = new BriefdError('ERR_DAEMON_UNREACHABLE', 'down')
const rejected = new BriefdError('ERR_DAEMON_REJECTED', 'no', { details: { status: 401 } })

describe('ContentCache', () => {
  it('shares one load between concurrent lookups of one key', async () => {
    const cache = new ContentCache()
    const pending = deferred<DaemonDocument>()
    let loads = 0
    const load = () => {
      loads++
      return pending.promise
    }
    const lookups = Array.from({ length: 10 }, () => cache.get('k', load))
    pending.resolve(doc('v'))
    const results = await Promise.all(lookups)
    expect(loads).toBe(1)
    for (const r of results) expect(r).toMatchObject({ doc: { content: 'v' }, source: 'daemon' })
    expect(await cache.get('k', load)).toMatchObject({ source: 'cache' })
    expect(loads).toBe(1)
  })

  it('revalidates after the TTL, passing the held copy to the loader', async () => {
    const c = clock()
    const cache = new ContentCache({ ttlMs: 100, now: c.now })
    await cache.get('k', async () => doc('v1'))
    c.advance(50)
    expect(await cache.get('k', async () => doc('unused'))).toMatchObject({
      doc: { content: 'v1' },
      source: 'cache',
    })
    c.advance(60)
    const seen: (DaemonDocument | undefined)[] = []
    const r = await cache.get('k', async (held) => {
      seen.push(held)
      return doc('v2')
    })
    expect(seen).toEqual([doc('v1')])
    expect(r).toMatchObject({ doc: { content: 'v2' }, source: 'daemon' })
  })

  it('serves the stale copy when the daemon fails, and nothing when there is no copy', async () => {
    const c = clock()
    const cache = new ContentCache({ ttlMs: 100, now: c.now })
    await cache.get('k', async () => doc('v1'))
    c.advance(200)
    expect(await cache.get('k', () => Promise.reject(down))).toEqual({
      doc: doc('v1'),
      source: 'stale',
      error: down,
    })
    expect(await cache.get('other', () => Promise.reject(down))).toEqual({
      doc: undefined,
      error: down,
    })
  })

  it.each([
    ['the daemon refused the token (401)', rejected],
    ['the template is gone (404)', new BriefdError('ERR_CONTENT_NOT_FOUND', 'gone')],
    ['there is no token', new BriefdError('ERR_TOKEN_NOT_FOUND', 'none')],
    ['the token file is refused', new BriefdError('ERR_FILE_UNSAFE', 'mode')],
  ])('serves no stale copy when %s', async (_label, error) => {
    const c = clock()
    const cache = new ContentCache({ ttlMs: 100, now: c.now })
    await cache.get('k', async () => doc('v1'))
    c.advance(200)
    expect(await cache.get('k', () => Promise.reject(error))).toEqual({ doc: undefined, error })
  })

  it('forgets an entry the daemon refused, so a later outage cannot resurrect it', async () => {
    const c = clock()
    const cache = new ContentCache({ ttlMs: 100, now: c.now })
    await cache.get('k', async () => doc('v1'))
    c.advance(200)
    await cache.get('k', () => Promise.reject(rejected))
    expect(await cache.get('k', () => Promise.reject(down))).toEqual({
      doc: undefined,
      error: down,
    })
  })

  it('wraps a non-briefd failure as ERR_INTERNAL', async () => {
    const r = await new ContentCache().get('k', () => Promise.reject(new Error('boom')))
    expect(r.error).toMatchObject({ code: 'ERR_INTERNAL' })
  })

  it('holds at most maxEntries documents', async () => {
    const cache = new ContentCache({ maxEntries: 2 })
    for (const k of ['a', 'b', 'c']) await cache.get(k, async () => doc(k))
    expect(cache.size).toBe(2)
    let loads = 0
    await cache.get('a', async () => {
      loads++
      return doc('a')
    })
    expect(loads).toBe(1)
  })
})

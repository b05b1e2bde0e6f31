/**
 * The API key format: recognisable prefix, 256-bit secret, an offline checksum, and a
 * syntactic check the daemon's credential seam uses to route a bearer string.
 */
import { describe, expect, it } from 'vitest'
import {
  API_KEY_LENGTH,
  apiKeyChecksum,
  apiKeyId,
  generateApiKey,
  looksLikeApiKey,
} from '../../src/apikeys/format.js'

const KEY_RE = /^briefd_ak_[0-9a-f]{16}_[0-9A-Za-z]{49}$/
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** The 256-bit secret of a key, decoded from base62. */
function secretOf(key: string): bigint {
  const secret = key.slice(27, 27 + 43)
  let v = 0n
  for (const ch of secret) v = v * 62n + BigInt(BASE62.indexOf(ch))
  return v
}

describe('generateApiKey', () => {
  it('makes keys with the briefd_ak_ prefix, a 16-hex id and a base62 secret with checksum', () => {
    const { id, key } = generateApiKey()
    expect(key).toMatch(KEY_RE)
    expect(key.length).toBe(API_KEY_LENGTH)
    expect(key.slice(10, 26)).toBe(id)
    expect(apiKeyId(key)).toBe(id)
  })

  it('never repeats an id or a secret, and secrets use the whole 256-bit range', () => {
    const keys = Array.from({ length: 2000 }, () => generateApiKey())
    expect(new Set(keys.map((k) => k.id)).size).toBe(keys.length)
    expect(new Set(keys.map((k) => k.key.slice(27, 70))).size).toBe(keys.length)
    const secrets = keys.map((k) => secretOf(k.key))
    for (const s of secrets) expect(s < 2n ** 256n).toBe(true)
    // With 2000 uniform 256-bit values, some have their top bit set and some have it clear.
    const top = secrets.filter((s) => s >= 2n ** 255n).length
    expect(top).toBeGreaterThan(800)
    expect(top).toBeLessThan(1200)
  })
})

describe('apiKeyId', () => {
  it('refuses a key with any one character changed (the checksum catches it)', () => {
    const { key } = generateApiKey()
    for (let i = 10; i < key.length; i++) {
      if (key[i] === '_') continue
      const other = key[i] === 'a' ? 'b' : 'a'
      const changed = `${key.slice(0, i)}${other}${key.slice(i + 1)}`
      expect(apiKeyId(changed), `position ${i}`).toBeUndefined()
    }
  })

  it('pins the checksum (CRC-32 of the body, 6 base62 digits) that scanners reimplement', () => {
    // Computed independently: Python's zlib.crc32 of the body, written in base62.
    const body = `briefd_ak_0123456789abcdef_${'A'.repeat(43)}`
    expect(apiKeyChecksum(body)).toBe('3NSbRE')
    expect(apiKeyId(`${body}3NSbRE`)).toBe('0123456789abcdef')
  })

  it('accepts a key whose checksum was recomputed (the checksum is not a secret)', () => {
    const { key } = generateApiKey()
    const body = `${key.slice(0, 30)}${key[30] === 'a' ? 'b' : 'a'}${key.slice(31, 70)}`
    expect(apiKeyId(`${body}${apiKeyChecksum(body)}`)).toBe(key.slice(10, 26))
  })

  it.each([
    '',
    'briefd_ak_',
    'briefd_bs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    'eyJhbGciOiJFUzI1NiJ9.e30.sig',
  ])('refuses %j', (value) => {
    expect(apiKeyId(value)).toBeUndefined()
  })
})

describe('looksLikeApiKey', () => {
  it('routes keys to the API key verifier and other bearer strings elsewhere', () => {
    expect(looksLikeApiKey(generateApiKey().key)).toBe(true)
    expect(looksLikeApiKey('briefd_bs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).toBe(false)
    expect(looksLikeApiKey('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')).toBe(false)
    expect(looksLikeApiKey(`briefd_ak_${'x'.repeat(10_000)}`)).toBe(false)
  })
})

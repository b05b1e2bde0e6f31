import { describe, expect, it } from 'vitest'
import { constantTimeEqual, fixedLengthEqual } from '../../src/shared/constant-time.js'

describe('constantTimeEqual', () => {
  it('is true for equal bytes and false for any difference, including length', () => {
    expect(constantTimeEqual(Buffer.from('abc'), Buffer.from('abc'))).toBe(true)
    expect(constantTimeEqual('abc', 'abc')).toBe(true)
    expect(constantTimeEqual('abc', 'abd')).toBe(false)
    expect(constantTimeEqual('abc', 'abcd')).toBe(false)
    expect(constantTimeEqual('', '')).toBe(true)
    expect(constantTimeEqual(new Uint8Array([1, 2]), Buffer.from([1, 2]))).toBe(true)
    expect(constantTimeEqual('é', Buffer.from('é', 'utf8'))).toBe(true)
  })
})

describe('fixedLengthEqual', () => {
  const sig = 'Qx3b9Jc4Zr0w1s8Xk2LmN5pQ7tV0yB3dF6hJ9kM2nP4'
  it('is true only for the same string: a difference anywhere or another length is false', () => {
    expect(fixedLengthEqual(sig, `${sig}`)).toBe(true)
    expect(fixedLengthEqual('', '')).toBe(true)
    for (const i of [0, 21, sig.length - 1]) {
      const other = `${sig.slice(0, i)}${sig[i] === 'A' ? 'B' : 'A'}${sig.slice(i + 1)}`
      expect(fixedLengthEqual(sig, other)).toBe(false)
    }
    expect(fixedLengthEqual(sig, sig.slice(0, -1))).toBe(false)
    expect(fixedLengthEqual(sig, `${sig}A`)).toBe(false)
    expect(fixedLengthEqual(sig, '')).toBe(false)
    // Same UTF-16 length, different code units.
    expect(fixedLengthEqual('é', 'e')).toBe(false)
  })

  it('compares digests byte for byte: equal 32 bytes true, one bit or one byte off false', () => {
    const a = Buffer.alloc(32, 7)
    expect(fixedLengthEqual(a, Buffer.alloc(32, 7))).toBe(true)
    const flipped = Buffer.from(a)
    flipped[31] = (flipped[31] ?? 0) ^ 1
    expect(fixedLengthEqual(a, flipped)).toBe(false)
    expect(fixedLengthEqual(a, a.subarray(0, 31))).toBe(false)
    expect(fixedLengthEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true)
  })
})

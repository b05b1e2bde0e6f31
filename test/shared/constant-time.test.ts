import { describe, expect, it } from 'vitest'
import { constantTimeEqual } from '../../src/shared/constant-time.js'

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

import { describe, expect, it } from 'vitest'
import { canonicalResource, sameResource } from '../../src/oauth/resource.js'
import { expectBriefdError } from '../helpers/briefd-error.js'

describe('canonicalResource', () => {
  it.each([
    ['https://briefd.example.com', 'https://briefd.example.com'],
    ['https://briefd.example.com/', 'https://briefd.example.com'],
    ['HTTPS://Briefd.Example.COM/MCP/', 'https://briefd.example.com/MCP'],
    ['https://briefd.example.com:443/mcp', 'https://briefd.example.com/mcp'],
    ['https://briefd.example.com:8443', 'https://briefd.example.com:8443'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080'],
    ['http://localhost:3000/mcp', 'http://localhost:3000/mcp'],
    ['http://[::1]:3000', 'http://[::1]:3000'],
  ])('canonicalises %s to %s', (input, canonical) => {
    expect(canonicalResource(input)).toBe(canonical)
  })

  it.each([
    ['not a url'],
    ['/relative'],
    ['ftp://briefd.example.com'],
    ['http://briefd.example.com'],
    ['http://10.0.0.1'],
    ['https://briefd.example.com/#frag'],
    ['https://briefd.example.com/#'],
    ['https://briefd.example.com/?a=b'],
    ['https://user:pw@briefd.example.com'],
  ])('refuses %s with ERR_CONFIG_INVALID naming --resource', (input) => {
    const err = expectBriefdError(() => canonicalResource(input), 'ERR_CONFIG_INVALID')
    expect(err.message).toMatch(/^--resource /)
    expect(err.message).not.toContain('\n')
  })

  it('names another setting when asked', () => {
    const err = expectBriefdError(
      () => canonicalResource('ftp://x', 'BRIEFD_RESOURCE'),
      'ERR_CONFIG_INVALID',
    )
    expect(err.message).toMatch(/^BRIEFD_RESOURCE /)
  })
})

describe('sameResource', () => {
  it.each([
    ['https://briefd.example.com', 'https://briefd.example.com/'],
    ['https://briefd.example.com', 'HTTPS://BRIEFD.EXAMPLE.COM'],
    ['https://briefd.example.com/mcp', 'https://Briefd.example.com/mcp/'],
    ['https://briefd.example.com:443', 'https://briefd.example.com'],
  ])('treats %s and %s as the same', (a, b) => {
    expect(sameResource(a, b)).toBe(true)
    expect(sameResource(b, a)).toBe(true)
  })

  it.each([
    ['https://briefd.example.com', 'http://briefd.example.com'],
    ['https://briefd.example.com/mcp', 'https://briefd.example.com/MCP'],
    ['https://briefd.example.com', 'https://briefd.example.com//'],
    ['https://briefd.example.com', 'https://briefd.example.com.evil.com'],
    ['https://briefd.example.com', 'https://briefd.example.com:8443'],
    ['https://briefd.example.com/mcp', 'https://briefd.example.com'],
    ['https://briefd.example.com', 'https://briefd.example.com/?x'],
    ['https://briefd.example.com', 'not a url'],
    ['', ''],
  ])('treats %s and %s as different', (a, b) => {
    expect(sameResource(a, b)).toBe(false)
  })
})

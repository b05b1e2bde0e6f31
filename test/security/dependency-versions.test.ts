/**
 * The dependency floors: versions below these carry known advisories that
 * matter to briefd (hono: JWT/JWK; @hono/node-server: path and header handling, GHSA-wc8c,
 * GHSA-92pp; the MCP SDK: responses routed to the wrong client, CVE-2026-25536). Checked three
 * ways: the range package.json declares (so no fresh install resolves below), the lockfile
 * (what CI installs), and node_modules (what the tests ran against).
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const MINIMUMS: [name: string, min: string][] = [
  ['hono', '4.11.4'],
  ['@hono/node-server', '1.19.13'],
  ['@modelcontextprotocol/sdk', '1.26.0'],
]

type Version = [number, number, number]

function parse(v: string): Version {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v)
  if (!m) throw new Error(`not a version: ${v}`)
  return [Number(m[1]), Number(m[2]), Number(m[3])]
}

function atLeast(v: string, min: string): boolean {
  const a = parse(v)
  const b = parse(min)
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0)
  return true
}

const json = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>

describe('security-relevant dependency floors', () => {
  it.each(MINIMUMS)(
    'package.json declares %s at %s or later, as a caret or tilde range on a full version',
    (name, min) => {
      const range = (json('package.json').dependencies as Record<string, string>)[name] ?? ''
      expect(range).toMatch(/^[\^~]?\d+\.\d+\.\d+$/)
      expect(atLeast(range.replace(/^[\^~]/, ''), min), `${name} ${range}`).toBe(true)
    },
  )

  it.each(MINIMUMS)('the lockfile pins %s at %s or later', (name, min) => {
    const packages = json('package-lock.json').packages as Record<string, { version?: string }>
    const locked = packages[`node_modules/${name}`]?.version ?? ''
    expect(atLeast(locked, min), `${name} ${locked}`).toBe(true)
  })

  it.each(MINIMUMS)('the installed %s is %s or later', (name, min) => {
    const installed = String(json(join('node_modules', name, 'package.json')).version)
    expect(atLeast(installed, min), `${name} ${installed}`).toBe(true)
  })

  it('compares versions numerically, not as text', () => {
    expect(atLeast('4.11.10', '4.11.4')).toBe(true)
    expect(atLeast('1.9.0', '1.19.13')).toBe(false)
    expect(atLeast('2.0.0', '1.19.13')).toBe(true)
    expect(atLeast('1.26.0', '1.26.0')).toBe(true)
  })
})

import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { main } from '../../src/cli/main.js'

const run = (args: string[]) =>
  spawnSync(process.execPath, ['bin/briefd.js', ...args], { encoding: 'utf8', timeout: 15_000 })

describe('briefd usage errors', () => {
  it.each([
    [
      ['serve', '--prot', '0'],
      /^briefd: unknown option '--prot' for briefd serve; did you mean --port\? \(see briefd serve --help\)$/,
    ],
    [['stat'], /^briefd: unknown command 'stat'; did you mean start\? \(see briefd --help\)$/],
    [
      ['key', 'rotat'],
      /^briefd: unknown command 'rotat'; did you mean rotate\? \(see briefd key --help\)$/,
    ],
    [['install', '--projct'], /did you mean --project\?/],
    [['doctor', '--no-mpc'], /did you mean --no-mcp\?/],
    [['frobnicate'], /^briefd: unknown command 'frobnicate' \(see briefd --help\)$/],
    [
      ['serve', '--port'],
      /^briefd: option '--port <port>' argument missing \(see briefd serve --help\)$/,
    ],
  ])('%j is one stderr line and exit 1, not the usage', (args, line) => {
    const r = run(args)
    expect(r.status).toBe(1)
    expect(r.stdout).toBe('')
    const lines = r.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(line)
  })

  it('still prints the usage for --help, with exit 0', () => {
    const r = run(['serve', '--help'])
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^Usage: briefd serve \[options\]/)
  })

  it('passes the argv main() was given to briefd mcp, not the process arguments', async () => {
    // process.argv here is vitest's; `briefd mcp --help` from the given argv prints the usage
    // and exits 0, where vitest's arguments would be unknown options (exit 1).
    const written: string[] = []
    const write = process.stderr.write.bind(process.stderr)
    process.stderr.write = ((s: string) => (
      written.push(String(s)),
      true
    )) as typeof process.stderr.write
    try {
      expect(await main([process.execPath, 'briefd', 'mcp', '--help'])).toBe(0)
    } finally {
      process.stderr.write = write
    }
    expect(written.join('')).toMatch(/^Usage: briefd mcp \[options\]/)
  })
})

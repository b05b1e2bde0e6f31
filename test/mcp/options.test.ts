import { describe, expect, it } from 'vitest'
import { resolve } from 'node:path'
import { resolveMcpOptions } from '../../src/mcp/options.js'

describe('resolveMcpOptions', () => {
  it('uses the defaults and the example manifest', () => {
    const o = resolveMcpOptions([], {})
    expect(o).toEqual({
      help: false,
      toolsFile: resolve('examples/tools.json'),
      timeoutMs: 500,
      graceMs: 1500,
      cacheTtlMs: 300_000,
      cacheMaxEntries: 256,
    })
  })

  it('prefers flags to the environment, in both flag spellings', () => {
    const o = resolveMcpOptions(['--tools', 'a.json', '--timeout-ms=200', '--grace-ms', '0'], {
      BRIEFD_TOOLS: 'b.json',
      BRIEFD_TIMEOUT_MS: '900',
      BRIEFD_CACHE_MAX: '7',
    })
    expect(o).toMatchObject({ toolsFile: 'a.json', timeoutMs: 200, graceMs: 0, cacheMaxEntries: 7 })
  })

  it.each([
    [['--timeout-ms', '0'], {}, '--timeout-ms must be an integer 1–60000 (got "0")'],
    [[], { BRIEFD_TIMEOUT_MS: '1.5' }, 'BRIEFD_TIMEOUT_MS must be an integer 1–60000 (got "1.5")'],
    [[], { BRIEFD_GRACE_MS: '10001' }, 'BRIEFD_GRACE_MS must be an integer 0–10000 (got "10001")'],
    [
      ['--cache-ttl-ms', 'forever'],
      {},
      '--cache-ttl-ms must be an integer 1–86400000 (got "forever")',
    ],
    [['--tools='], {}, '--tools must be a file path'],
    [['--timeout-ms'], {}, '--timeout-ms needs a value'],
    [['--timeout-ms', '--grace-ms', '1'], {}, '--timeout-ms needs a value'],
    [['--tools', 'a', '--tools', 'b'], {}, '--tools is given twice'],
    [['serve'], {}, 'unknown option "serve" (see briefd mcp --help)'],
    [
      ['--timout-ms', '5'],
      {},
      'unknown option "--timout-ms"; did you mean --timeout-ms? (see briefd mcp --help)',
    ],
    [
      ['--tool=a.json'],
      {},
      'unknown option "--tool"; did you mean --tools? (see briefd mcp --help)',
    ],
    [
      ['tools', 'a.json'],
      {},
      'unknown option "tools"; did you mean --tools? (see briefd mcp --help)',
    ],
    [['--cache'], {}, 'unknown option "--cache" (see briefd mcp --help)'],
    [['-x'], {}, 'unknown option "-x" (see briefd mcp --help)'],
    [['--', '--tools'], {}, 'unknown option "--" (see briefd mcp --help)'],
    [['--grace-ms', '-5'], {}, '--grace-ms needs a value'],
    [['--grace-ms=-5'], {}, '--grace-ms must be an integer 0–10000 (got "-5")'],
    [['--help=yes'], {}, '--help takes no value'],
    [
      [],
      { BRIEFD_LOG_LEVEL: 'loud' },
      'BRIEFD_LOG_LEVEL must be debug, info, warn or error (got "loud")',
    ],
  ] as [string[], Record<string, string>, string][])('refuses %j %j', (args, env, message) => {
    expect(message).not.toContain('\n')
    expect(() => resolveMcpOptions(args, env)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message }),
    )
  })

  it('reads -h and --help anywhere', () => {
    expect(resolveMcpOptions(['--tools', 'a.json', '-h'], {}).help).toBe(true)
    expect(resolveMcpOptions(['--help', '--help'], {}).help).toBe(true)
  })
})

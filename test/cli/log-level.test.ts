/**
 * BRIEFD_LOG_LEVEL is checked by one function for every command (shared/log.ts). The commands'
 * own tests show how each reports it: serve, start and restart (test/cli), session hooks
 * (test/e2e/session-hooks). Here: the function itself and `briefd mcp` as a real process.
 */
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { logLevelSetting } from '../../src/shared/log.js'
import { isBriefdError } from '../../src/shared/errors.js'

describe('logLevelSetting', () => {
  it.each([
    [undefined, 'info'],
    ['', 'info'],
    ['debug', 'debug'],
    ['info', 'info'],
    ['warn', 'warn'],
    ['error', 'error'],
  ])('reads %j as %s', (value, level) => {
    expect(logLevelSetting(value === undefined ? {} : { BRIEFD_LOG_LEVEL: value })).toBe(level)
  })

  it.each(['loud', 'DEBUG', 'warning', ' info', 'x'.repeat(500)])(
    'refuses %j with ERR_CONFIG_INVALID naming the setting, on one short line',
    (value) => {
      let err: unknown
      try {
        logLevelSetting({ BRIEFD_LOG_LEVEL: value })
      } catch (e) {
        err = e
      }
      expect(isBriefdError(err, 'ERR_CONFIG_INVALID')).toBe(true)
      const message = err instanceof Error ? err.message : ''
      expect(message).toMatch(/^BRIEFD_LOG_LEVEL must be debug, info, warn or error \(got ".*"\)$/)
      expect(message.length).toBeLessThan(120)
    },
  )
})

describe('briefd mcp', () => {
  it('refuses a bad BRIEFD_LOG_LEVEL: exit 1, one stderr line, nothing on stdout', () => {
    const r = spawnSync(process.execPath, ['bin/briefd.js', 'mcp'], {
      encoding: 'utf8',
      input: '',
      env: { ...process.env, BRIEFD_LOG_LEVEL: 'loud' },
      timeout: 15_000,
    })
    expect(r.status).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(
      'briefd mcp: error: BRIEFD_LOG_LEVEL must be debug, info, warn or error (got "loud")\n',
    )
  })
})

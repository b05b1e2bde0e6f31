import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { SessionVerifier } from '../../src/tokens/verifier.js'
import { constantTimeEqual } from '../../src/shared/constant-time.js'
import { Keyring } from '../../src/tokens/keyring.js'
import { SessionLedger } from '../../src/tokens/ledger.js'
import { issueSessionToken } from '../../src/tokens/session-token.js'
import { silentLogger } from '../../src/shared/log.js'
import { BriefdError } from '../../src/shared/errors.js'
import { tempDir } from '../helpers/tmp.js'

async function setup() {
  const stateDir = join(tempDir(), 'state')
  const { ensurePrivateDir } = await import('../../src/shared/secure-fs.js')
  ensurePrivateDir(stateDir, { label: 'state dir' })
  const keyring = new Keyring(stateDir)
  const ledger = new SessionLedger({ stateDir, maxSessions: 100, logger: silentLogger })
  const verifier = new SessionVerifier({ keyring, ledger })
  const now = Math.floor(Date.now() / 1000)
  const token = await issueSessionToken(keyring.current(), {
    sessionId: '0b9f3c3e-6a51-4c5e-9d5e-2f4a7f1d2c3b',
    issuedAt: now,
    expiresAt: now + 600,
  })
  return { verifier, ledger, token }
}

describe('SessionVerifier', () => {
  it('remembers a verified token, and a remembered token with another signature is not a hit', async () => {
    const { verifier, token } = await setup()
    expect(verifier.lookup(token)).toBeUndefined()
    await verifier.verify(token)
    expect(verifier.lookup(token)?.sessionId).toBe('0b9f3c3e-6a51-4c5e-9d5e-2f4a7f1d2c3b')
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${'A'.repeat(43)}`
    expect(verifier.lookup(forged)).toBeUndefined()
    await expect(verifier.verify(forged)).rejects.toBeInstanceOf(BriefdError)
  })

  it('checks revocation on every lookup, even for a remembered token', async () => {
    const { verifier, ledger, token } = await setup()
    const s = await verifier.verify(token)
    ledger.revoke(s.sessionId, s.expiresAt)
    expect(() => verifier.lookup(token)).toThrow(
      expect.objectContaining({ code: 'ERR_SESSION_REVOKED' }),
    )
  })
})

describe('constantTimeEqual', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'ab', false],
    ['', '', true],
  ])('%j vs %j → %s', (a, b, expected) => expect(constantTimeEqual(a, b)).toBe(expected))
})

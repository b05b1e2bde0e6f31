// The credential seam: a bearer string goes to the verifier of its own kind and comes out as a
// principal; what a principal may read is one function of (principal, document, policy).
import { describe, expect, it } from 'vitest'
import { Authenticator } from '../../src/daemon/auth/authenticator.js'
import { authorizeDocument, DEFAULT_DOCUMENT_POLICY } from '../../src/daemon/auth/authorize.js'
import { bootstrapVerifier } from '../../src/daemon/auth/bootstrap-verifier.js'
import type { CredentialVerifier, Principal } from '../../src/shared/principal.js'

const BOOTSTRAP = `briefd_bs_${'a'.repeat(43)}`

function fakeKind(prefix: string, principal: Principal): CredentialVerifier & { calls: string[] } {
  const calls: string[] = []
  return {
    kind: principal.kind,
    calls,
    claims: (b) => b.startsWith(prefix),
    lookup: () => undefined,
    verify(b) {
      calls.push(b)
      return principal
    },
  }
}

const oauth: Principal = {
  kind: 'oauth',
  subject: 'alice',
  scopes: new Set(['briefd:read']),
  expiresAt: 2e9,
  rateKey: 'oauth:alice',
}

describe('Authenticator', () => {
  it('offers a bearer only to the verifier of its kind', async () => {
    const other = fakeKind('other_', oauth)
    const auth = new Authenticator([bootstrapVerifier(BOOTSTRAP), other])
    expect((await auth.verify(BOOTSTRAP)).kind).toBe('bootstrap')
    expect(auth.lookup(BOOTSTRAP)?.kind).toBe('bootstrap')
    expect(other.calls).toEqual([])
    expect((await auth.verify('other_x')).subject).toBe('alice')
    expect(other.calls).toEqual(['other_x'])
  })

  it('refuses a bearer of no known kind, and a wrong bootstrap secret, with typed errors', () => {
    const auth = new Authenticator([bootstrapVerifier(BOOTSTRAP)])
    expect(() => auth.verify('a.b.c')).toThrow(
      expect.objectContaining({ code: 'ERR_SESSION_INVALID' }),
    )
    expect(() => auth.verify(`briefd_bs_${'b'.repeat(43)}`)).toThrow(
      expect.objectContaining({ code: 'ERR_BOOTSTRAP_INVALID' }),
    )
    expect(auth.lookup(`briefd_bs_${'b'.repeat(43)}`)).toBeUndefined()
  })
})

describe('authorizeDocument', () => {
  const policy = {
    requiredScopes: (d: string) =>
      d.startsWith('templates/scoring-') ? ['briefd:scoring'] : ['briefd:read'],
  }

  it('lets a local session (every scope) read everything', () => {
    const local: Principal = { kind: 'session', subject: 's', expiresAt: 2e9, rateKey: 'r' }
    expect(() => authorizeDocument(local, 'templates/scoring-x', policy)).not.toThrow()
  })

  it('never lets the bootstrap credential read a document', () => {
    const p = bootstrapVerifier(BOOTSTRAP).lookup(BOOTSTRAP) as Principal
    expect(() => authorizeDocument(p, 'instructions', DEFAULT_DOCUMENT_POLICY)).toThrow(
      expect.objectContaining({ code: 'ERR_BOOTSTRAP_INVALID' }),
    )
  })

  it('answers a missing scope with insufficient_scope naming every scope needed', () => {
    expect(() => authorizeDocument(oauth, 'instructions', policy)).not.toThrow()
    expect(() => authorizeDocument(oauth, 'templates/scoring-x', policy)).toThrow(
      expect.objectContaining({
        code: 'ERR_SCOPE_INSUFFICIENT',
        details: { scope: 'briefd:scoring' },
      }),
    )
  })
})

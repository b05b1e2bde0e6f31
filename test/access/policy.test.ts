import { describe, expect, it } from 'vitest'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { AccessPolicy, loadAccessPolicy, readAccessPolicyConfig } from '../../src/access/policy.js'
import { DEFAULT_POLICY_CONFIG, parseAccessPolicy } from '../../src/access/parse.js'
import type { Principal } from '../../src/shared/principal.js'
import { BriefdError } from '../../src/shared/errors.js'
import { tempDir } from '../helpers/tmp.js'

const ISSUE_EXAMPLE = {
  scopes: { default: 'briefd:read', documents: { 'templates/scoring-*': 'briefd:scoring' } },
  roles: {
    claim: 'roles',
    map: { reader: ['briefd:read'], scorer: ['briefd:read', 'briefd:scoring'] },
  },
  tenants: { claim: 'tenant' },
}

/** The error parseAccessPolicy throws for `raw`, which the test requires it to throw. */
function refusal(raw: unknown): BriefdError {
  try {
    parseAccessPolicy(raw, 'access.json')
  } catch (err) {
    if (err instanceof BriefdError) return err
    throw err
  }
  throw new Error('expected a refusal')
}

const policyWith = (documents: Record<string, string>, defaultScope = 'briefd:read') =>
  new AccessPolicy(parseAccessPolicy({ scopes: { default: defaultScope, documents } }, 'x'))

function principal(scopes?: string[]): Principal {
  return {
    kind: scopes ? 'oauth' : 'session',
    subject: 'user-1',
    scopes: scopes ? new Set(scopes) : undefined,
    expiresAt: 2_000_000_000,
    rateKey: 'p:user-1',
  }
}

describe('parseAccessPolicy', () => {
  it('accepts the example from the issue', () => {
    const c = parseAccessPolicy(ISSUE_EXAMPLE, 'access.json')
    expect(c.defaultScope).toBe('briefd:read')
    expect([...c.documents]).toEqual([['templates/scoring-*', 'briefd:scoring']])
    expect(c.roles.claim).toEqual(['roles'])
    expect(c.roles.map.get('scorer')).toEqual(['briefd:read', 'briefd:scoring'])
    expect(c.tenants.claim).toEqual(['tenant'])
  })

  it('treats {} as the default policy', () => {
    const c = parseAccessPolicy({}, 'access.json')
    expect(c.defaultScope).toBe('briefd:read')
    expect(c.documents.size).toBe(0)
    expect(c.roles.claim).toEqual(['roles'])
    expect(c.roles.map.size).toBe(0)
    expect(c.tenants.claim).toEqual(['tenant'])
  })

  it('accepts a nested claim path (Keycloak realm roles) and URL claim names (Auth0)', () => {
    const c = parseAccessPolicy(
      {
        roles: { claim: ['realm_access', 'roles'] },
        tenants: { claim: 'https://example.com/tenant' },
      },
      'access.json',
    )
    expect(c.roles.claim).toEqual(['realm_access', 'roles'])
    expect(c.tenants.claim).toEqual(['https://example.com/tenant'])
  })

  // Each bad file, and the exact field path the one-line refusal must name.
  it.each<[string, unknown, string]>([
    ['a list', [], 'access.json: must hold a JSON object'],
    ['null', null, 'access.json: must hold a JSON object'],
    ['an unknown top-level key', { scope: {} }, 'access.json: scope is not a setting'],
    ['scopes not an object', { scopes: 'briefd:read' }, 'access.json: scopes must be an object'],
    ['an unknown key in scopes', { scopes: { defaults: 'a' } }, 'access.json: scopes.defaults is'],
    ['a default with a space', { scopes: { default: 'a b' } }, 'scopes.default must be a scope'],
    ['a default with a quote', { scopes: { default: 'a"b' } }, 'scopes.default must be a scope'],
    ['a default with a backslash', { scopes: { default: 'a\\b' } }, 'scopes.default must be'],
    ['a non-ASCII default', { scopes: { default: 'lecture:é' } }, 'scopes.default must be'],
    ['an empty default', { scopes: { default: '' } }, 'scopes.default must be a scope string'],
    ['a numeric default', { scopes: { default: 7 } }, 'scopes.default must be a scope string'],
    [
      'offline_access as the default',
      { scopes: { default: 'offline_access' } },
      'scopes.default must not be offline_access',
    ],
    [
      'a template scope that is not a string',
      { scopes: { documents: { 'templates/x': ['a'] } } },
      'access.json: scopes.documents["templates/x"] must be a scope string',
    ],
    [
      'offline_access for a document',
      { scopes: { documents: { instructions: 'offline_access' } } },
      'access.json: scopes.documents.instructions must not be offline_access',
    ],
    [
      'a key that is no document',
      { scopes: { documents: { 'prompts/x': 'a' } } },
      'access.json: scopes.documents["prompts/x"] is not a document name or glob',
    ],
    [
      'a traversal key',
      { scopes: { documents: { 'templates/../x': 'a' } } },
      'access.json: scopes.documents["templates/../x"] is not a document name or glob',
    ],
    [
      'a regex key',
      { scopes: { documents: { 'templates/(a+)+': 'a' } } },
      'scopes.documents["templates/(a+)+"] is not a document name or glob',
    ],
    [
      'a ? wildcard',
      { scopes: { documents: { 'templates/a?': 'a' } } },
      'scopes.documents["templates/a?"] is not',
    ],
    [
      'a ** wildcard',
      { scopes: { documents: { 'templates/**': 'a' } } },
      'scopes.documents["templates/**"] is not',
    ],
    [
      'a glob on a fixed document',
      { scopes: { documents: { 'instr*': 'a' } } },
      'scopes.documents["instr*"] is not',
    ],
    [
      'a key with a control character (named by position, not quoted)',
      { scopes: { documents: { instructions: 'a', 'templates/\u0007x': 'a' } } },
      'access.json: scopes.documents[entry 2] is not a document name or glob',
    ],
    ['roles not an object', { roles: [] }, 'access.json: roles must be an object'],
    ['an unknown key in roles', { roles: { maps: {} } }, 'access.json: roles.maps is not'],
    ['an empty roles claim', { roles: { claim: '' } }, 'access.json: roles.claim must be a claim'],
    ['a roles claim with a space', { roles: { claim: 'my roles' } }, 'roles.claim must be a'],
    ['an empty claim path', { roles: { claim: [] } }, 'access.json: roles.claim must be a claim'],
    ['a claim path of numbers', { roles: { claim: [1] } }, 'access.json: roles.claim must be a'],
    [
      'a claim path too deep',
      { roles: { claim: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] } },
      'access.json: roles.claim must be',
    ],
    [
      'a role mapped to a string',
      { roles: { map: { reader: 'briefd:read' } } },
      'access.json: roles.map.reader must be a list of at most 64 scope strings',
    ],
    [
      'a role mapped to a bad scope',
      { roles: { map: { 'team admins': ['briefd:read', 'a b'] } } },
      'access.json: roles.map["team admins"][1] must be a scope string',
    ],
    [
      'an empty role name',
      { roles: { map: { '': ['a'] } } },
      'access.json: roles.map[entry 1] is not a role name',
    ],
    [
      'offline_access through a role',
      { roles: { map: { r: ['offline_access'] } } },
      'access.json: roles.map.r[0] must not be offline_access',
    ],
    ['tenants not an object', { tenants: 'tenant' }, 'access.json: tenants must be an object'],
    ['an unknown key in tenants', { tenants: { claims: 'x' } }, 'access.json: tenants.claims is'],
    ['a tenant claim of null', { tenants: { claim: null } }, 'access.json: tenants.claim must be'],
  ])('refuses %s, naming the field', (_label, raw, expected) => {
    const err = refusal(raw)
    expect(err.code).toBe('ERR_ACCESS_POLICY_INVALID')
    expect(err.message).toContain(expected)
    expect(err.message.startsWith('access.json: ')).toBe(true)
    expect(err.message).not.toContain('\n')
  })

  it('never quotes a value, only the field path', () => {
    const secret = 'sk-live-0123456789abcdef'
    for (const raw of [
      { scopes: { default: `${secret} x` } },
      { scopes: { documents: { instructions: `${secret}"` } } },
      { roles: { claim: `${secret} y` } },
      { roles: { map: { r: [`${secret}\\`] } } },
      { tenants: { claim: [`${secret} z`] } },
    ]) {
      expect(refusal(raw).message).not.toContain(secret)
    }
  })

  it('refuses more than 1024 document rules', () => {
    const documents: Record<string, string> = {}
    for (let i = 0; i < 1025; i++) documents[`templates/t${i}`] = 'a'
    expect(refusal({ scopes: { documents } }).message).toContain('scopes.documents has more than')
  })
})

describe('AccessPolicy.requiredScope', () => {
  it('gives every document briefd:read under the default policy', () => {
    const p = new AccessPolicy()
    for (const d of ['instructions', 'voice', 'briefing', 'preamble', 'templates/anything'])
      expect(p.requiredScope(d)).toBe('briefd:read')
  })

  it('applies a glob to what it matches and the default to the rest', () => {
    const p = new AccessPolicy(parseAccessPolicy(ISSUE_EXAMPLE, 'access.json'))
    expect(p.requiredScope('templates/scoring-v2')).toBe('briefd:scoring')
    expect(p.requiredScope('templates/scoring-')).toBe('briefd:scoring')
    expect(p.requiredScope('templates/scoring')).toBe('briefd:read')
    expect(p.requiredScope('templates/verdict')).toBe('briefd:read')
    expect(p.requiredScope('instructions')).toBe('briefd:read')
  })

  it('lets an exact key beat any glob', () => {
    const p = policyWith({
      'templates/scoring-*': 'glob',
      'templates/scoring-public': 'exact',
      'templates/*': 'all',
    })
    expect(p.requiredScope('templates/scoring-public')).toBe('exact')
    expect(p.requiredScope('templates/scoring-private')).toBe('glob')
    expect(p.requiredScope('templates/other')).toBe('all')
  })

  it('picks the glob with the longest literal prefix, whatever the file order', () => {
    const a = policyWith({ 'templates/*-v2': 'suffix', 'templates/scoring-*': 'prefix' })
    const b = policyWith({ 'templates/scoring-*': 'prefix', 'templates/*-v2': 'suffix' })
    for (const p of [a, b]) {
      expect(p.requiredScope('templates/scoring-v2')).toBe('prefix')
      expect(p.requiredScope('templates/other-v2')).toBe('suffix')
    }
  })

  it('breaks a prefix tie by more literal characters, then by pattern order', () => {
    const p = policyWith({ 'templates/s*': 'short', 'templates/s*-v2': 'long' })
    expect(p.requiredScope('templates/score-v2')).toBe('long')
    expect(p.requiredScope('templates/score')).toBe('short')
    const q = policyWith({ 'templates/a*z': 'az', 'templates/a*y': 'ay' })
    expect(q.requiredScope('templates/ayz')).toBe('az')
    const r = policyWith({ 'templates/*b*': 'b', 'templates/*a*': 'a' })
    expect(r.requiredScope('templates/ab')).toBe('a')
  })

  it('matches middle segments anywhere, and only whole names', () => {
    const p = policyWith({ 'templates/a*b*c': 'abc' })
    expect(p.requiredScope('templates/a-b-c')).toBe('abc')
    expect(p.requiredScope('templates/abbbc')).toBe('abc')
    expect(p.requiredScope('templates/abc')).toBe('abc')
    expect(p.requiredScope('templates/ab')).toBe('briefd:read')
    expect(p.requiredScope('templates/a-c-b')).toBe('briefd:read')
    expect(p.requiredScope('templates/abcd')).toBe('briefd:read')
    expect(p.requiredScope('xtemplates/abc')).toBe('briefd:read')
  })

  it('stays fast on a pattern that makes backtracking matchers explode', () => {
    const p = policyWith({ [`templates/${'a*'.repeat(30)}b`]: 'slow' })
    const name = `templates/${'a'.repeat(54)}`
    const started = performance.now()
    for (let i = 0; i < 1000; i++) expect(p.requiredScope(`${name}${i % 10}`)).toBe('briefd:read')
    expect(performance.now() - started).toBeLessThan(500)
  })
})

describe('AccessPolicy.canRead', () => {
  const p = new AccessPolicy(parseAccessPolicy(ISSUE_EXAMPLE, 'access.json'))

  it('lets a principal without a scope set (local session, bootstrap) read everything', () => {
    expect(p.canRead(principal(), 'templates/scoring-x')).toBe(true)
    expect(p.canRead(principal(), 'instructions')).toBe(true)
  })

  it('lets the bootstrap credential read no document, as daemon/auth/authorize does', () => {
    expect(p.canRead({ ...principal(), kind: 'bootstrap' }, 'instructions')).toBe(false)
  })

  it('answers requiredScopes with the same frozen list each time', () => {
    expect(p.requiredScopes('templates/scoring-x')).toEqual(['briefd:scoring'])
    expect(p.requiredScopes('templates/other')).toBe(p.requiredScopes('templates/other'))
    expect(Object.isFrozen(p.requiredScopes('instructions'))).toBe(true)
  })

  it('requires the document scope of a scoped principal', () => {
    expect(p.canRead(principal(['briefd:read']), 'templates/verdict')).toBe(true)
    expect(p.canRead(principal(['briefd:read']), 'templates/scoring-x')).toBe(false)
    expect(p.canRead(principal(['briefd:scoring']), 'templates/scoring-x')).toBe(true)
    expect(p.canRead(principal(['briefd:scoring']), 'instructions')).toBe(false)
    expect(p.canRead(principal([]), 'instructions')).toBe(false)
  })
})

describe('AccessPolicy.scopesFromRoles', () => {
  const p = new AccessPolicy(parseAccessPolicy(ISSUE_EXAMPLE, 'access.json'))

  it('maps a list of roles to the union of their scopes', () => {
    expect([...p.scopesFromRoles({ roles: ['reader', 'scorer'] })].sort()).toEqual([
      'briefd:read',
      'briefd:scoring',
    ])
  })

  it('maps a single role given as a string, without splitting it on spaces', () => {
    expect([...p.scopesFromRoles({ roles: 'reader' })]).toEqual(['briefd:read'])
    expect([...p.scopesFromRoles({ roles: 'reader scorer' })]).toEqual([])
  })

  it('ignores unknown roles, non-strings, a missing claim and inherited names', () => {
    expect([...p.scopesFromRoles({ roles: ['admin', 7, null, { reader: 1 }] })]).toEqual([])
    expect([...p.scopesFromRoles({})]).toEqual([])
    expect([...p.scopesFromRoles({ roles: 'constructor' })]).toEqual([])
    expect([...p.scopesFromRoles({ roles: '__proto__' })]).toEqual([])
  })

  it('reads a nested claim', () => {
    const q = new AccessPolicy(
      parseAccessPolicy(
        { roles: { claim: ['realm_access', 'roles'], map: { reader: ['briefd:read'] } } },
        'x',
      ),
    )
    expect([...q.scopesFromRoles({ realm_access: { roles: ['reader'] } })]).toEqual(['briefd:read'])
    expect([...q.scopesFromRoles({ realm_access: 'reader' })]).toEqual([])
    expect([...q.scopesFromRoles({ roles: ['reader'] })]).toEqual([])
  })
})

describe('AccessPolicy.tenantOf', () => {
  const p = new AccessPolicy()

  it('returns the tenant claim, or undefined when there is none', () => {
    expect(p.tenantOf({ tenant: 'acme' })).toBe('acme')
    expect(p.tenantOf({ tenant: 'Team_2-b' })).toBe('Team_2-b')
    expect(p.tenantOf({ sub: 'x' })).toBeUndefined()
  })

  it.each<[string, unknown]>([
    ['..', '..'],
    ['a path', '../other'],
    ['a slash', 'a/b'],
    ['a dot', 'acme.com'],
    ['an empty string', ''],
    ['a leading dash', '-x'],
    ['a non-ASCII name', 'acmé'],
    ['a name too long', 'x'.repeat(65)],
    ['a number', 7],
    ['null', null],
    ['a list', ['acme']],
    ['an object', { name: 'acme' }],
  ])('refuses the credential for %s, without quoting it', (_label, value) => {
    let thrown: unknown
    try {
      p.tenantOf({ tenant: value })
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(BriefdError)
    expect((thrown as BriefdError).code).toBe('ERR_CREDENTIAL_TENANT_INVALID')
    if (typeof value === 'string' && value.length > 2)
      expect((thrown as BriefdError).message).not.toContain(value)
  })

  it('uses the configured claim, nested or not', () => {
    const q = new AccessPolicy(parseAccessPolicy({ tenants: { claim: ['org', 'id'] } }, 'x'))
    expect(q.tenantOf({ org: { id: 'acme' } })).toBe('acme')
    expect(q.tenantOf({ tenant: 'acme' })).toBeUndefined()
    expect(() => q.tenantOf({ org: 'acme' })).toThrow(BriefdError)
  })
})

describe('AccessPolicy.scopesSupported', () => {
  it('lists the default and every document scope, sorted and once each', () => {
    const p = new AccessPolicy(parseAccessPolicy(ISSUE_EXAMPLE, 'access.json'))
    expect(p.scopesSupported()).toEqual(['briefd:read', 'briefd:scoring'])
    expect(new AccessPolicy().scopesSupported()).toEqual(['briefd:read'])
  })

  it('leaves out the default when every document has a rule of its own', () => {
    const p = policyWith({
      instructions: 'i',
      voice: 'v',
      briefing: 'b',
      preamble: 'p',
      'templates/*': 't',
    })
    expect(p.scopesSupported()).toEqual(['b', 'i', 'p', 't', 'v'])
  })

  it('never lists offline_access, and role-only scopes are not listed', () => {
    const p = new AccessPolicy(
      parseAccessPolicy({ roles: { map: { admin: ['briefd:admin'] } } }, 'x'),
    )
    expect(p.scopesSupported()).toEqual(['briefd:read'])
  })
})

describe('loadAccessPolicy', () => {
  it('gives the default policy when the content dir has no access.json', () => {
    const dir = tempDir()
    expect(readAccessPolicyConfig(dir)).toBe(DEFAULT_POLICY_CONFIG)
    expect(loadAccessPolicy(dir).requiredScope('instructions')).toBe('briefd:read')
  })

  it('reads access.json from the content dir', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'access.json'), JSON.stringify(ISSUE_EXAMPLE), { mode: 0o600 })
    expect(loadAccessPolicy(dir).requiredScope('templates/scoring-1')).toBe('briefd:scoring')
  })

  it('accepts a byte-order mark', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'access.json'), `\ufeff${JSON.stringify(ISSUE_EXAMPLE)}`)
    expect(loadAccessPolicy(dir).scopesSupported()).toEqual(['briefd:read', 'briefd:scoring'])
  })

  it('names the file and position of a syntax error without quoting the text', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'access.json'), '{\n  "scopes": sk-live-secret\n}')
    let thrown: unknown
    try {
      loadAccessPolicy(dir)
    } catch (err) {
      thrown = err
    }
    const err = thrown as BriefdError
    expect(err.code).toBe('ERR_ACCESS_POLICY_INVALID')
    expect(err.message).toContain(`${join(dir, 'access.json')}: the file is not valid JSON`)
    expect(err.message).toContain('line 2 column 13')
    expect(err.message).not.toContain('sk-live')
  })

  it('names the file and field of a bad value', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'access.json'), JSON.stringify({ scopes: { default: 'a b' } }))
    expect(() => loadAccessPolicy(dir)).toThrow(`${join(dir, 'access.json')}: scopes.default`)
  })

  it('refuses an access.json that is a directory, a dangling link or a FIFO', () => {
    const a = tempDir()
    mkdirSync(join(a, 'access.json'))
    const b = tempDir()
    symlinkSync(join(b, 'nowhere.json'), join(b, 'access.json'))
    const c = tempDir()
    execFileSync('mkfifo', [join(c, 'access.json')])
    for (const dir of [a, b, c]) {
      expect(() => readAccessPolicyConfig(dir)).toThrow('access.json: is not a regular file')
    }
  })

  it('refuses an access.json that links out of the content dir', () => {
    const outside = join(tempDir(), 'policy.json')
    writeFileSync(outside, '{}')
    const dir = tempDir()
    symlinkSync(outside, join(dir, 'access.json'))
    expect(() => readAccessPolicyConfig(dir)).toThrow(
      expect.objectContaining({ code: 'ERR_CONTENT_UNSAFE' }),
    )
  })

  it('refuses a file that is not UTF-8', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'access.json'), Buffer.from([0x7b, 0xff, 0x7d]))
    expect(() => readAccessPolicyConfig(dir)).toThrow('access.json: is not UTF-8 text')
  })

  it('refuses a deeply nested file with the one typed error', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'access.json'), `${'['.repeat(200_000)}${']'.repeat(200_000)}`)
    expect(() => readAccessPolicyConfig(dir)).toThrow(
      expect.objectContaining({ code: 'ERR_ACCESS_POLICY_INVALID' }),
    )
  })
})

/**
 * Property tests (fast-check, bounded by FUZZ_RUNS): access.json. Whatever the file holds, the
 * result is a policy or the one typed error (ERR_ACCESS_POLICY_INVALID, one line, naming the
 * file), never another exception, and never a value from the file quoted back. Accepted
 * policies answer every document with a scope they advertise, and the glob matcher agrees
 * with a reference matcher on every pattern.
 */
import { describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { compileGlob } from '../../src/access/glob.js'
import { parseAccessPolicy } from '../../src/access/parse.js'
import { AccessPolicy, readAccessPolicyConfig } from '../../src/access/policy.js'
import { isBriefdError } from '../../src/shared/errors.js'
import { tempDir } from '../helpers/tmp.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 200)

/** Never a valid key, scope or claim name (a quote and a non-ASCII letter), so never quotable. */
const CANARY = 'CANARY"é-7f3a'

const VALID = {
  scopes: { default: 'briefd:read', documents: { 'templates/scoring-*': 'briefd:scoring' } },
  roles: { claim: 'roles', map: { reader: ['briefd:read'], scorer: ['briefd:scoring'] } },
  tenants: { claim: 'tenant' },
}

/** Runs `f`; anything thrown must be the one policy error, on one line, starting `prefix`. */
function onlyPolicyErrors(f: () => unknown, prefix: string): string | undefined {
  try {
    f()
    return undefined
  } catch (err) {
    if (!isBriefdError(err, 'ERR_ACCESS_POLICY_INVALID') || !err.message.startsWith(prefix))
      throw err
    expect(err.message).not.toContain('\n')
    return err.message
  }
}

const withCanary = fc.oneof(
  fc.constant(CANARY),
  fc.constant(`${CANARY} briefd:read`),
  fc.array(fc.constant(CANARY), { minLength: 1, maxLength: 3 }),
  fc.dictionary(fc.constant(CANARY), fc.anything({ maxDepth: 2 })),
  fc.dictionary(fc.string(), fc.constant(CANARY)),
  fc.anything({ withNullPrototype: true, withObjectString: true, maxDepth: 3 }),
)

/** The valid policy with one value replaced, or one key added, somewhere inside. */
const mutated = fc.tuple(fc.nat(), fc.boolean(), withCanary).map(([pick, addKey, replacement]) => {
  const m = JSON.parse(JSON.stringify(VALID)) as Record<string, unknown>
  const slots: [Record<string, unknown> | unknown[], string | number][] = []
  const objects: Record<string, unknown>[] = [m]
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach((child, i) => {
        slots.push([node, i])
        walk(child)
      })
    } else if (node && typeof node === 'object') {
      objects.push(node as Record<string, unknown>)
      for (const [k, child] of Object.entries(node)) {
        slots.push([node as Record<string, unknown>, k])
        walk(child)
      }
    }
  }
  walk(m)
  if (addKey) {
    const target = objects[pick % objects.length] ?? m
    target[CANARY] = replacement
  } else {
    const [parent, key] = slots[pick % slots.length] ?? [m, 'scopes']
    ;(parent as Record<string | number, unknown>)[key] = replacement
  }
  return m
})

const DOCUMENTS = fc.oneof(
  fc.constantFrom('instructions', 'voice', 'briefing', 'preamble'),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,20}$/).map((n) => `templates/${n}`),
)

describe('parseAccessPolicy (fuzz)', () => {
  it('gives a policy or the one typed error for any value', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything({ withNullPrototype: true, withObjectString: true, withSparseArray: true }),
          fc.json().map((j) => JSON.parse(j) as unknown),
        ),
        (raw) => {
          onlyPolicyErrors(() => parseAccessPolicy(raw, 'fuzz.json'), 'fuzz.json: ')
        },
      ),
      { numRuns: RUNS * 5 },
    )
  })

  it('never quotes a value or an unsafe key from a mutated policy', () => {
    fc.assert(
      fc.property(mutated, (raw) => {
        const message = onlyPolicyErrors(() => parseAccessPolicy(raw, 'fuzz.json'), 'fuzz.json: ')
        if (message !== undefined) expect(message).not.toContain('CANARY')
        expect(({} as Record<string, unknown>).polluted).toBeUndefined()
      }),
      { numRuns: RUNS * 5 },
    )
  })

  it('answers every document of an accepted policy with a scope it advertises', () => {
    const rule = fc.tuple(
      fc.oneof(
        fc.constantFrom('instructions', 'voice', 'briefing', 'preamble', 'templates/*'),
        fc.stringMatching(/^[a-c*-]{1,6}$/).map((p) => `templates/${p}`),
      ),
      fc.constantFrom('s:a', 's:b', 's:c', 'briefd:read'),
    )
    fc.assert(
      fc.property(
        fc.array(rule, { maxLength: 8 }),
        fc.array(DOCUMENTS, { minLength: 1, maxLength: 10 }),
        (rules, documents) => {
          let config
          try {
            config = parseAccessPolicy({ scopes: { documents: Object.fromEntries(rules) } }, 'f')
          } catch (err) {
            if (!isBriefdError(err, 'ERR_ACCESS_POLICY_INVALID')) throw err
            return
          }
          const policy = new AccessPolicy(config)
          const supported = policy.scopesSupported()
          expect(supported).not.toContain('offline_access')
          for (const d of documents) expect(supported).toContain(policy.requiredScope(d))
        },
      ),
      { numRuns: RUNS * 2 },
    )
  })
})

describe('readAccessPolicyConfig (fuzz)', () => {
  it('gives a policy or the one typed error for any file text, never quoting it', () => {
    const dir = tempDir('briefd-fuzz-access-')
    const file = join(dir, 'access.json')
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.json().map((j) => j.slice(0, Math.max(1, j.length - 1))),
          fc.json(),
        ),
        fc.nat(),
        (text, at) => {
          // The canary spliced in somewhere: a bare word, or inside a string value.
          const i = text.length === 0 ? 0 : at % text.length
          const planted = `${text.slice(0, i)}${CANARY}${text.slice(i)}`
          writeFileSync(file, planted)
          const message = onlyPolicyErrors(() => readAccessPolicyConfig(dir), `${file}: `)
          if (message !== undefined) expect(message).not.toContain('CANARY')
        },
      ),
      // Each run writes a real file (milliseconds on some file systems): a quarter as many.
      { numRuns: Math.max(20, Math.floor(RUNS / 4)) },
    )
  })
})

describe('compileGlob (fuzz)', () => {
  /** Reference: a RegExp built from the pattern (fine in a test: the alphabet is a, b and *). */
  const reference = (pattern: string, text: string): boolean =>
    new RegExp(`^${pattern.split('*').join('.*')}$`).test(text)

  it('agrees with a reference matcher', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[ab*]{0,8}$/),
        fc.stringMatching(/^[ab]{0,12}$/),
        (pattern, text) => {
          expect(compileGlob(pattern).matches(text)).toBe(reference(pattern, text))
        },
      ),
      { numRuns: RUNS * 10 },
    )
  })
})

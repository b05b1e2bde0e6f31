/**
 * Property tests (fast-check, bounded by FUZZ_RUNS): template rendering. Rendering is one pass:
 * the output is exactly the template's text with each placeholder replaced by its value, so a
 * value (model input, perhaps hostile) can never expand another placeholder, pull in another
 * value, or run anything; and rendering never throws, whatever the template and values.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { placeholdersOf, renderTemplate, type RenderValue } from '../../src/briefing/render.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 200)
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/

const name = fc.oneof(
  fc.constantFrom(
    'a',
    'b',
    'target',
    'verdict',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
  ),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,10}$/),
)
/** Values a model could send, hostile ones included: placeholders, replacement patterns, code. */
const hostileText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom(
    '{{a}}',
    '{{ b }}',
    '{{secret}}',
    '$&',
    "$'",
    '$`',
    '$1',
    '$$',
    '${process.exit(1)}',
    '`id`',
    '{{{{a}}}}',
    '}}{{',
    '\u0000',
    '\ud800',
  ),
  fc.tuple(fc.string({ maxLength: 10 }), name).map(([s, n]) => `${s}{{${n}}}${s}`),
)
const value: fc.Arbitrary<RenderValue> = fc.oneof(
  hostileText,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.oneof(hostileText, fc.integer(), fc.boolean()), { maxLength: 4 }),
)
/** Literal template text with no braces, so it never forms a placeholder by itself. */
const literal = fc.string({ maxLength: 30 }).map((s) => s.replace(/[{}]/g, ''))

type Part = { literal: string } | { name: string; spaced: boolean }
const parts = fc.array(
  fc.oneof(
    literal.map((l): Part => ({ literal: l })),
    fc.tuple(name, fc.boolean()).map(([n, spaced]): Part => ({ name: n, spaced })),
  ),
  { maxLength: 12 },
)

/** The reference: what one pass of substitution must produce. */
function expected(ps: Part[], vars: Record<string, RenderValue>): string {
  return ps
    .map((p) => {
      if ('literal' in p) return p.literal
      if (!Object.hasOwn(vars, p.name)) return ''
      const v = vars[p.name]
      if (v === null || v === undefined) return ''
      return Array.isArray(v) ? v.map(String).join('\n') : String(v)
    })
    .join('')
}
const template = (ps: Part[]): string =>
  ps
    .map((p) => ('literal' in p ? p.literal : p.spaced ? `{{ ${p.name} }}` : `{{${p.name}}}`))
    .join('')
const varsOf = fc
  .dictionary(name, value, { maxKeys: 8 })
  .map((d) => Object.fromEntries(Object.entries(d)) as Record<string, RenderValue>)

describe('renderTemplate (fuzz)', () => {
  it('substitutes each placeholder with its value, once, and nothing else', () => {
    fc.assert(
      fc.property(parts, varsOf, (ps, vars) => {
        expect(renderTemplate(template(ps), vars)).toBe(expected(ps, vars))
      }),
      { numRuns: RUNS * 5 },
    )
  })

  it('never lets a value bring in another value (no recursive expansion)', () => {
    const secret = 'SECRET-7f3c9a'
    fc.assert(
      fc.property(parts, hostileText, (ps, a) => {
        const out = renderTemplate(
          template(ps.map((p) => ('name' in p ? { ...p, name: 'a' } : p))),
          { a, secret },
        )
        if (!a.includes(secret)) expect(out).not.toContain(secret)
      }),
      { numRuns: RUNS * 5 },
    )
  })

  it('never throws, whatever the template and the values', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({
            unit: fc.constantFrom('{', '}', ' ', 'a', '_', '-', '1', '$', '\n'),
            maxLength: 300,
          }),
        ),
        varsOf,
        (t, vars) => {
          expect(typeof renderTemplate(t, vars)).toBe('string')
        },
      ),
      { numRuns: RUNS * 5 },
    )
  })
})

describe('placeholdersOf (fuzz)', () => {
  it('lists each placeholder name of the template once, in order of first use', () => {
    fc.assert(
      fc.property(parts, (ps) => {
        const names = ps.flatMap((p) => ('name' in p ? [p.name] : []))
        const found = placeholdersOf(template(ps))
        expect(found).toEqual([...new Set(names)])
        for (const n of found) expect(n).toMatch(NAME_RE)
      }),
      { numRuns: RUNS * 5 },
    )
  })
})

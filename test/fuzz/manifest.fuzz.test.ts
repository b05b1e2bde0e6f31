/**
 * Property tests (fast-check, bounded by FUZZ_RUNS): the tool manifest and the argument check.
 * A manifest is loaded from a file the author ships, but a broken or hostile one must still
 * end in one ERR_MANIFEST_INVALID naming the file, never another exception, a hang or a
 * polluted prototype. Arguments come from the model: whatever they are, the check never
 * throws, and what it lets through holds only declared properties that satisfy the schema.
 */
import { describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { checkArguments, checkValue, parseInputSchema } from '../../src/briefing/input-schema.js'
import { loadManifest, parseManifest } from '../../src/briefing/manifest.js'
import { isBriefdError } from '../../src/shared/errors.js'
import { testManifest } from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 200)

/** Runs `f`; anything thrown must be ERR_MANIFEST_INVALID whose message starts with `prefix`. */
function onlyManifestErrors(f: () => unknown, prefix: string): void {
  try {
    f()
  } catch (err) {
    if (!isBriefdError(err, 'ERR_MANIFEST_INVALID') || !err.message.startsWith(prefix)) throw err
  }
}

/** A valid manifest with one value somewhere inside replaced by an arbitrary one. */
const mutated = fc
  .tuple(fc.nat(), fc.anything({ withNullPrototype: true, withObjectString: true, maxDepth: 3 }))
  .map(([pick, replacement]) => {
    const m = JSON.parse(JSON.stringify(testManifest())) as Record<string, unknown>
    const slots: [Record<string, unknown> | unknown[], string | number][] = []
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) {
        node.forEach((child, i) => {
          slots.push([node, i])
          walk(child)
        })
      } else if (node && typeof node === 'object') {
        for (const [k, child] of Object.entries(node)) {
          slots.push([node as Record<string, unknown>, k])
          walk(child)
        }
      }
    }
    walk(m)
    const [parent, key] = slots[pick % slots.length] ?? [m, 'server']
    ;(parent as Record<string | number, unknown>)[key] = replacement
    return m
  })

describe('parseManifest (fuzz)', () => {
  it('throws only ERR_MANIFEST_INVALID for any value', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything({ withNullPrototype: true, withObjectString: true }),
          fc.json().map((j) => JSON.parse(j) as unknown),
        ),
        (raw) => {
          onlyManifestErrors(() => parseManifest(raw, 'fuzz.json'), 'tool manifest fuzz.json: ')
        },
      ),
      { numRuns: RUNS * 5 },
    )
  })

  it('throws only ERR_MANIFEST_INVALID for a valid manifest with any one value replaced', () => {
    fc.assert(
      fc.property(mutated, (raw) => {
        onlyManifestErrors(() => parseManifest(raw, 'fuzz.json'), 'tool manifest fuzz.json: ')
        expect(({} as Record<string, unknown>).polluted).toBeUndefined()
      }),
      { numRuns: RUNS * 5 },
    )
  })
})

describe('loadManifest (fuzz)', () => {
  it('refuses any bytes that are not a manifest with one error naming the file', () => {
    const path = join(tempDir('briefd-fuzz-'), 'tools.json')
    const valid = JSON.stringify(testManifest())
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
          fc.nat({ max: valid.length - 1 }).map((n) => Buffer.from(valid.slice(0, n))),
          fc
            .tuple(fc.nat({ max: valid.length - 1 }), fc.string({ minLength: 1, maxLength: 3 }))
            .map(([i, s]) => Buffer.from(valid.slice(0, i) + s + valid.slice(i + 1))),
        ),
        (bytes) => {
          writeFileSync(path, bytes)
          onlyManifestErrors(() => loadManifest(path), `tool manifest ${path}`)
        },
      ),
      { numRuns: RUNS * 2 },
    )
  })
})

/** Schemas from briefd's subset, with a few keywords each. */
const scalar = fc.oneof(
  fc.record(
    {
      type: fc.constant('string'),
      maxLength: fc.nat({ max: 20 }),
      enum: fc.array(fc.string({ maxLength: 5 }), { minLength: 1, maxLength: 4 }),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record(
    {
      type: fc.constant('string'),
      minLength: fc.nat({ max: 5 }),
      pattern: fc.constantFrom('^[a-z]+$', '^x', '[0-9]', '^\\p{L}*$'),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record(
    {
      type: fc.constantFrom('number', 'integer'),
      minimum: fc.integer({ min: -10, max: 0 }),
      maximum: fc.integer({ min: 0, max: 10 }),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record({ type: fc.constant('boolean') }),
)
const property = fc.oneof(
  scalar,
  fc.record(
    {
      type: fc.constant('array'),
      items: scalar,
      maxItems: fc.nat({ max: 5 }),
      uniqueItems: fc.boolean(),
    },
    { requiredKeys: ['type', 'items'] },
  ),
)
const schema = fc
  .record({
    properties: fc.dictionary(fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/), property, {
      maxKeys: 5,
    }),
    additionalProperties: fc.boolean(),
    requireSome: fc.nat(),
  })
  .map(({ properties, additionalProperties, requireSome }) => {
    const names = Object.keys(properties).filter((n) => n !== '__proto__')
    return {
      type: 'object',
      properties: Object.fromEntries(names.map((n) => [n, properties[n]])),
      required: names.filter((_, i) => (requireSome >> i) & 1),
      additionalProperties,
    }
  })
const args = fc.oneof(
  fc.dictionary(
    fc.oneof(
      fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/),
      fc.constantFrom('__proto__', 'constructor', 'toString'),
    ),
    fc.oneof(
      fc.string({ maxLength: 25 }),
      fc.integer({ min: -20, max: 20 }),
      fc.double(),
      fc.boolean(),
      fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.boolean()), { maxLength: 6 }),
      fc.anything({ maxDepth: 2 }),
    ),
    { maxKeys: 6 },
  ),
  fc.anything({ maxDepth: 2 }),
)

describe('checkArguments (fuzz)', () => {
  it('never throws, and passes on only declared properties that satisfy their schema', () => {
    fc.assert(
      fc.property(schema, args, (raw, a) => {
        let s
        try {
          s = parseInputSchema(raw, 'fuzz')
        } catch (err) {
          // Contradictory random keywords (a default outside an enum, say) may be refused: never anything else.
          if (!isBriefdError(err, 'ERR_MANIFEST_INVALID')) throw err
          return
        }
        const r = checkArguments(s, a)
        if (!r.ok) {
          expect(r.message).toMatch(/^(arguments must be an object|argument ".*)/s)
          return
        }
        for (const name of s.required) expect(Object.hasOwn(r.values, name)).toBe(true)
        for (const [k, val] of Object.entries(r.values)) {
          const p = s.properties.get(k)
          expect(p, k).toBeDefined()
          if (p) expect(checkValue(p, val)).toBeUndefined()
        }
      }),
      { numRuns: RUNS * 5 },
    )
  })
})

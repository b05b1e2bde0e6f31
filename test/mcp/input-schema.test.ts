import { describe, expect, it } from 'vitest'
import { checkArguments, parseInputSchema } from '../../src/briefing/input-schema.js'

const parse = (schema: unknown) => parseInputSchema(schema, 'tools[0].inputSchema')

describe('parseInputSchema', () => {
  it('accepts the supported subset and keeps the JSON verbatim', () => {
    const json = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      description: 'd',
      properties: {
        s: {
          type: 'string',
          minLength: 1,
          maxLength: 5,
          pattern: '^[a-z]+$',
          description: 'x',
          default: 'ab',
        },
        n: { type: 'number', minimum: 0, exclusiveMaximum: 1.5 },
        i: { type: 'integer', enum: [1, 2, 3] },
        b: { type: 'boolean' },
        c: { type: 'string', const: 'only' },
        a: {
          type: 'array',
          items: { type: 'string', maxLength: 3 },
          minItems: 1,
          maxItems: 2,
          uniqueItems: true,
        },
      },
      required: ['s', 'i'],
      additionalProperties: false,
    }
    const schema = parse(json)
    expect(schema.json).toBe(json)
    expect([...schema.properties.keys()]).toEqual(['s', 'n', 'i', 'b', 'c', 'a'])
    expect(schema.required).toEqual(['s', 'i'])
    expect(schema.additionalProperties).toBe(false)
  })

  it.each([
    [null, /must be a JSON Schema object/],
    [{ type: 'array' }, /inputSchema.type: must be "object"/],
    [
      { type: 'object', oneOf: [] },
      /inputSchema: has a keyword that is not supported \(key 2 of 2; supported: /,
    ],
    [{ type: 'object', properties: [] }, /properties: must be an object/],
    [
      { type: 'object', properties: { x: { type: 'object' } } },
      /properties.x.type: must be one of string, number, integer, boolean, array/,
    ],
    [
      { type: 'object', properties: { x: { type: ['string', 'null'] } } },
      /properties.x.type: must be one of/,
    ],
    [
      { type: 'object', properties: { x: { type: 'string', format: 'email' } } },
      /properties.x: has a keyword that is not supported for type string \(key 2 of 2; /,
    ],
    [
      { type: 'object', properties: { x: { type: 'string', minimum: 1 } } },
      /properties.x: has a keyword that is not supported for type string \(key 2 of 2; /,
    ],
    [
      { type: 'object', properties: { x: { type: 'string', maxLength: -1 } } },
      /x.maxLength: must be a non-negative integer/,
    ],
    [
      { type: 'object', properties: { x: { type: 'string', pattern: '(' } } },
      /x.pattern: is not a valid regular expression/,
    ],
    [
      { type: 'object', properties: { x: { type: 'string', enum: [] } } },
      /x.enum: must be a list of 1–256 values/,
    ],
    [
      { type: 'object', properties: { x: { type: 'string', enum: ['a', 1] } } },
      /x.enum\[1\]: must be a string/,
    ],
    [
      { type: 'object', properties: { x: { type: 'string', enum: ['a'], const: 'b' } } },
      /x.const: is not one of the enum values/,
    ],
    [
      { type: 'object', properties: { x: { type: 'integer', default: 1.5 } } },
      /x.default: must be an integer/,
    ],
    [
      { type: 'object', properties: { x: { type: 'string', pattern: '^CANARY$', default: 'no' } } },
      /x.default: does not satisfy the property's pattern$/,
    ],
    [
      { type: 'object', properties: { x: { type: 'string', enum: ['CANARY'], default: 'no' } } },
      /x.default: does not satisfy the property's enum$/,
    ],
    [
      {
        type: 'object',
        properties: {
          x: { type: 'array', items: { type: 'string', maxLength: 1 }, default: ['ab'] },
        },
      },
      /x.default: does not satisfy the property's items \(item 0: maxLength\)$/,
    ],
    [
      { type: 'object', properties: { x: { type: 'array' } } },
      /x.items: must be a JSON Schema object/,
    ],
    [
      {
        type: 'object',
        properties: { x: { type: 'array', items: { type: 'array', items: { type: 'string' } } } },
      },
      /x.items.type: must be one of string, number, integer, boolean\b/,
    ],
    [
      { type: 'object', properties: { 'a b': { type: 'string' } } },
      /properties: the name of property 1 of 1 must be/,
    ],
    [
      { type: 'object', properties: { ['__proto__']: { type: 'string' } } },
      /properties: the name of property 1 of 1 must be/,
    ],
    [
      { type: 'object', properties: { x: { type: 'string' } }, required: ['y'] },
      /required\[0\]: is not a declared property/,
    ],
    [
      { type: 'object', properties: { x: { type: 'string' } }, required: ['x', 'x'] },
      /required\[1\]: is listed twice \(the same as required\[0\]\)/,
    ],
    [
      { type: 'object', additionalProperties: { type: 'string' } },
      /additionalProperties: must be true or false/,
    ],
  ])('refuses %j, naming the field', (schema, message) => {
    expect(() => parse(JSON.parse(JSON.stringify(schema)))).toThrow(
      expect.objectContaining({
        code: 'ERR_MANIFEST_INVALID',
        message: expect.stringMatching(message),
      }),
    )
  })

  it('refuses a __proto__ property given through JSON', () => {
    expect(() =>
      parse(JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}}}')),
    ).toThrow(/properties: the name of property 1 of 1 must be/)
  })

  it('refuses more than 64 properties', () => {
    const properties = Object.fromEntries(
      Array.from({ length: 65 }, (_, i) => [`p${i}`, { type: 'string' }]),
    )
    expect(() => parse({ type: 'object', properties })).toThrow(/at most 64/)
  })
})

describe('checkArguments', () => {
  const schema = parse({
    type: 'object',
    properties: {
      s: { type: 'string', minLength: 2, maxLength: 3, pattern: '^[a-z😀]+$' },
      n: { type: 'number', minimum: 0, maximum: 10, exclusiveMinimum: -1 },
      i: { type: 'integer', exclusiveMaximum: 5 },
      b: { type: 'boolean' },
      e: { type: 'string', enum: ['x', 'y'] },
      a: { type: 'array', items: { type: 'integer' }, maxItems: 2, uniqueItems: true },
      d: { type: 'string', default: 'dflt' },
    },
    required: ['s'],
    additionalProperties: false,
  })

  it('returns only declared values plus defaults', () => {
    const r = checkArguments(schema, { s: 'ab', n: 2.5, i: 4, b: false, e: 'x', a: [1, 2] })
    expect(r).toEqual({
      ok: true,
      values: { s: 'ab', n: 2.5, i: 4, b: false, e: 'x', a: [1, 2], d: 'dflt' },
    })
  })

  it('counts string length in code points, as JSON Schema does', () => {
    expect(checkArguments(schema, { s: '😀😀😀' }).ok).toBe(true)
    expect(checkArguments(schema, { s: '😀😀😀😀' })).toEqual({
      ok: false,
      message: 'argument "s" must be at most 3 characters',
    })
  })

  it.each([
    [undefined, 'argument "s" is required'],
    [[], 'arguments must be an object'],
    ['x', 'arguments must be an object'],
    [{ s: 'a' }, 'argument "s" must be at least 2 characters'],
    [{ s: 'AB' }, 'argument "s" must match the pattern "^[a-z😀]+$"'],
    [{ s: 12 }, 'argument "s" must be a string'],
    [{ s: 'ab', n: '1' }, 'argument "n" must be a number'],
    [{ s: 'ab', n: 11 }, 'argument "n" must be ≤ 10'],
    [{ s: 'ab', i: 1.5 }, 'argument "i" must be an integer'],
    [{ s: 'ab', i: 5 }, 'argument "i" must be < 5'],
    [{ s: 'ab', b: 'true' }, 'argument "b" must be true or false'],
    [{ s: 'ab', e: 'z' }, 'argument "e" must be one of "x", "y"'],
    [{ s: 'ab', a: 'x' }, 'argument "a" must be a list'],
    [{ s: 'ab', a: [1, 2, 3] }, 'argument "a" must have at most 2 items'],
    [{ s: 'ab', a: [1, 'x'] }, 'argument "a" item 1 must be an integer'],
    [{ s: 'ab', a: [1, 1] }, 'argument "a" must not repeat items'],
    [{ s: 'ab', a: [{}] }, 'argument "a" item 0 must be an integer'],
    [{ s: 'ab', z: 1 }, 'argument "z" is not accepted by this tool'],
  ])('refuses %j: %s', (args, message) => {
    expect(checkArguments(schema, args)).toEqual({ ok: false, message })
  })

  it('ignores undeclared arguments when additionalProperties is allowed, and never returns them', () => {
    const open = parse({ type: 'object', properties: { a: { type: 'string' } } })
    expect(checkArguments(open, { a: 'x', extra: { deep: 1 } })).toEqual({
      ok: true,
      values: { a: 'x' },
    })
  })

  it('treats a __proto__ key in the arguments as data, not as a prototype', () => {
    const open = parse({ type: 'object', properties: { a: { type: 'string' } } })
    const r = checkArguments(open, JSON.parse('{"a":"x","__proto__":{"polluted":true}}'))
    expect(r).toEqual({ ok: true, values: { a: 'x' } })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

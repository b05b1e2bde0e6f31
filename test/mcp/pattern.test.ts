import { describe, expect, it } from 'vitest'
import { compilePattern, type Pattern } from '../../src/briefing/pattern.js'
import { checkArguments, parseInputSchema } from '../../src/briefing/input-schema.js'

function compiled(source: string): Pattern {
  const c = compilePattern(source)
  if (!c.ok) throw new Error(`refused ${source}: ${c.reason}`)
  return c.pattern
}

/** The patterns that froze `briefd mcp` under the old screen (issue 9 §4), plus its own refusals. */
const BACKTRACKING = [
  '^(\\w|\\d)+$',
  '^(\\d?\\d?)+$',
  '^(a|a?)+$',
  '^\\w*\\w*\\w*$',
  '^(a+)+$',
  '^(\\w*)*$',
  '^(?:a*b*)*$',
  '^([a-z]+\\s?)*$',
]

describe('compilePattern', () => {
  // Short inputs only: native RegExp is the reference for ECMAScript `u`-mode meaning here.
  const patterns = [
    '^[a-z]+$',
    '(ab|cd)+',
    '\\d{3}-\\d{4}',
    '^(?:[A-Z][a-z]*)$',
    '[(+]+',
    '\\(a+\\)+',
    '^(a|b)*c$',
    'x+?y*?',
    '(a){2}',
    '[\\]+]*',
    '^[a-z😀]+$',
    '^.$',
    '\\s',
    '^\\S+$',
    '[\\s\\d]',
    '[^\\S]',
    '[]',
    '[^]',
    '^\\p{Lu}+$',
    '\\P{L}',
    '^\\p{sc=Greek}+$',
    '^\\p{ASCII}+$',
    '[\\P{ASCII}]',
    '^\\u{1F600}$',
    '\\uD83D\\uDE00',
    '[\\b]',
    '\\bfoo\\b',
    '^\\/$',
    '[\\u0041-\\u005A]',
    '\\cJ',
    '\\0',
    '\\x41',
    '(?<n>a)b',
    '[a-]',
    '[-a]',
    '^$',
    '',
    'a|',
    '\\t\\n\\v\\f\\r',
    'a{2,3}?',
    ...BACKTRACKING,
  ]
  const inputs = [
    '',
    'a',
    'abc',
    'ABC',
    'Ab',
    'aaa',
    '(aa)',
    '123-4567',
    '😀',
    'a😀b',
    '\n',
    'a\n',
    '\u00a0',
    '\u2028',
    ' x ',
    'foo bar',
    'foobar',
    '/',
    '\0',
    'αβ',
    'aab',
    'c',
    'abab',
    '\b',
    '[',
    'é',
    '\t\n\v\f\r',
    '12',
    '1a2',
    'a_1',
    'the cat',
  ]
  it.each(patterns)('means what ECMAScript means by %j', (source) => {
    const p = compiled(source)
    const native = new RegExp(source, 'u')
    for (const input of inputs) expect([input, p.test(input)]).toEqual([input, native.test(input)])
  })

  it('searches the whole input, as JSON Schema does (no implicit anchors)', () => {
    expect(compiled('b+').test('aaabbbccc')).toBe(true)
    expect(compiled('^b+').test('aaabbbccc')).toBe(false)
    expect(compiled('b$').test('ab\n')).toBe(false)
  })

  it('reads the input as code points', () => {
    expect(compiled('^.{2}$').test('😀😀')).toBe(true)
    expect(compiled('^.{4}$').test('😀😀')).toBe(false)
  })

  it.each(BACKTRACKING)('accepts %j and answers on long inputs, true and false', (source) => {
    const p = compiled(source)
    // The worst case for a backtracking engine: a long run each branch can match, then a miss.
    const word = source.includes('[a-z]') ? 'ab ' : source.includes('\\d') ? '12' : 'a'
    const long = word.repeat(Math.ceil(10_240 / word.length))
    expect(p.test(long)).toBe(true)
    expect(p.test(`${long}!`)).toBe(false)
    expect(p.test(`!${long}`)).toBe(false)
  })

  it.each([
    ['(a)\\1', 'a backreference'],
    ['(?<x>a)\\k<x>', 'a backreference'],
    ['(?=a)b', 'a lookahead or lookbehind'],
    ['(?!a)b', 'a lookahead or lookbehind'],
    ['(?<=a)b', 'a lookahead or lookbehind'],
    ['(?<!a)b', 'a lookahead or lookbehind'],
    ['a{1001}', 'a repetition count over 1000'],
    ['\\p{Letter}', 'a Unicode property'],
  ])('refuses %j, which RE2 cannot express', (source, what) => {
    const c = compilePattern(source)
    expect(c).toEqual({ ok: false, reason: expect.stringContaining(`uses ${what}`) })
    expect(c.ok || c.reason).toMatch(/which briefd's linear-time matcher cannot check$/)
  })

  it.each(['(', 'a**', '{', '}', ']', '\\-', '[z-a]', '[\\d-z]', 'a{2,1}', '(?i)a', '\\u{110000}'])(
    'refuses %j as invalid, as ECMAScript does',
    (source) => {
      expect(() => new RegExp(source, 'u')).toThrow(SyntaxError)
      expect(compilePattern(source)).toEqual({
        ok: false,
        reason: 'is not a valid regular expression',
      })
    },
  )
})

describe('patterns in an input schema', () => {
  it('refuses a backreference at load, naming the field and the tool, not the pattern', () => {
    let message = ''
    try {
      parseInputSchema(
        { type: 'object', properties: { s: { type: 'string', pattern: '^(CANARY)\\1$' } } },
        'tools[0].inputSchema',
        'tool review_verdict',
      )
    } catch (err) {
      expect(err).toMatchObject({ code: 'ERR_MANIFEST_INVALID' })
      message = (err as Error).message
    }
    expect(message).toBe(
      "tools[0].inputSchema.properties.s.pattern: uses a backreference, which briefd's linear-time matcher cannot check (tool review_verdict)",
    )
    expect(message).not.toContain('CANARY')
  })

  it.each(BACKTRACKING)('checks a 10 KB argument against %j', (source) => {
    const schema = parseInputSchema(
      { type: 'object', properties: { s: { type: 'string', pattern: source } } },
      'schema',
    )
    const hostile = `${'1'.repeat(10_240)}!`
    expect(checkArguments(schema, { s: hostile })).toEqual({
      ok: false,
      message: `argument "s" must match the pattern ${JSON.stringify(source)}`,
    })
  })

  it('checks array items with the same matcher', () => {
    const schema = parseInputSchema(
      {
        type: 'object',
        properties: { l: { type: 'array', items: { type: 'string', pattern: '^(\\w|\\d)+$' } } },
      },
      'schema',
    )
    expect(checkArguments(schema, { l: ['a1', 'b2'] }).ok).toBe(true)
    expect(checkArguments(schema, { l: ['a1', `${'a'.repeat(5000)}-`] })).toEqual({
      ok: false,
      message: 'argument "l" item 1 must match the pattern "^(\\\\w|\\\\d)+$"',
    })
  })
})

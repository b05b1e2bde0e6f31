/**
 * findJsonSyntaxError agrees with JSON.parse on what is JSON, and tells where it breaks in
 * words that never include the text (the text may be a secret file named by mistake).
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { describeJsonSyntaxError, findJsonSyntaxError } from '../../src/shared/json-syntax.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 200)

const parses = (text: string): boolean => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

describe('findJsonSyntaxError', () => {
  it('finds nothing in valid JSON', () => {
    fc.assert(
      fc.property(fc.json(), (text) => findJsonSyntaxError(text) === undefined),
      { numRuns: RUNS * 5 },
    )
  })

  it('finds an error exactly when JSON.parse fails, inside the text', () => {
    const mangled = fc
      .tuple(
        fc.json(),
        fc.nat(),
        fc.nat(),
        fc.constantFrom(
          '',
          ',',
          '}',
          ']',
          '"',
          '\\',
          ':',
          '\n',
          'x',
          '-',
          '0',
          '01',
          '1.',
          '1e',
          'tru',
          '\u0001',
          '\\u12',
        ),
      )
      .map(([text, at, cut, insert]) => {
        const i = at % (text.length + 1)
        return text.slice(0, i) + insert + text.slice(Math.min(text.length, i + (cut % 3)))
      })
    fc.assert(
      fc.property(fc.oneof(mangled, fc.string(), fc.string({ unit: 'binary' })), (text) => {
        const e = findJsonSyntaxError(text)
        expect(e === undefined).toBe(parses(text))
        if (e) {
          expect(e.line).toBeGreaterThanOrEqual(1)
          expect(e.column).toBeGreaterThanOrEqual(1)
          expect(e.line).toBeLessThanOrEqual(text.split('\n').length)
        }
      }),
      { numRuns: RUNS * 5 },
    )
  })

  it.each([
    ['', 1, 1, 'unexpected end of file (a value is missing)'],
    ['{"a":1,}', 1, 8, 'expected a property name in double quotes'],
    ['[1,]', 1, 4, 'expected a value (an object, list, string, number, true, false or null)'],
    ['{"a" 1}', 1, 6, "expected ':' after a property name"],
    ['{"a":1 "b":2}', 1, 8, "expected ',' or '}' after a property value"],
    ['[1 2]', 1, 4, "expected ',' or ']' after a list item"],
    ['"abc', 1, 1, 'unterminated string'],
    ['"a\\qb"', 1, 3, 'invalid escape in a string'],
    ['\n\n  [01]', 3, 5, "expected ',' or ']' after a list item"],
    ['[' + '[[[[['.repeat(10_000), 1, 50_002, 'unexpected end of file (a value is missing)'],
  ])('%#: line %i column %i, %s', (text, line, column, reason) => {
    expect(findJsonSyntaxError(text)).toEqual({ line, column, reason })
  })

  it('never quotes the text', () => {
    const secret = 'hunter2-CANARY'
    for (const text of [secret, `{"${secret}"}`, `[${secret}]`, `{"k": ${secret}}`, `"${secret}`]) {
      expect(describeJsonSyntaxError(text)).not.toContain('hunter2')
    }
  })
})

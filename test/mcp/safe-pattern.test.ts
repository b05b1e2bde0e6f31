import { describe, expect, it } from 'vitest'
import { unsafePatternReason } from '../../src/mcp/safe-pattern.js'
import { parseInputSchema } from '../../src/mcp/input-schema.js'

describe('unsafePatternReason', () => {
  it.each([
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
  ])('accepts %s', (p) => {
    expect(unsafePatternReason(p)).toBeUndefined()
  })

  it.each([
    '(a+)+',
    '(\\w*)*',
    '^(x{2,})+$',
    '((a)+)+',
    '(?:a*b*)*',
    '(a+){2,5}',
    '([a-z]+\\s?)*$',
  ])('refuses %s', (p) => {
    expect(unsafePatternReason(p)).toMatch(/catastrophic backtracking/)
  })

  it('keeps the refused pattern out of the tool schema, naming the field', () => {
    expect(() =>
      parseInputSchema(
        { type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } } },
        'tools[0].inputSchema',
      ),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_MANIFEST_INVALID',
        message: expect.stringMatching(/^tools\[0\].inputSchema.properties.s.pattern: is refused/),
      }),
    )
  })
})

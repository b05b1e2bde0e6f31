import { describe, expect, it } from 'vitest'
import { placeholdersOf, renderTemplate } from '../../src/briefing/render.js'

describe('renderTemplate', () => {
  it('fills placeholders, with or without spaces inside the braces', () => {
    expect(renderTemplate('A {{a}} B {{ b }} C {{a}}', { a: 1, b: 'two' })).toBe('A 1 B two C 1')
  })

  it('renders lists one item per line and booleans as words', () => {
    expect(renderTemplate('{{files}}|{{ok}}', { files: ['a.ts', 'b.ts'], ok: false })).toBe(
      'a.ts\nb.ts|false',
    )
  })

  it('renders unknown and missing placeholders as empty text', () => {
    expect(renderTemplate('[{{nope}}][{{gone}}][{{nil}}]', { gone: undefined, nil: null })).toBe(
      '[][][]',
    )
  })

  it('never expands a placeholder inside a value (no recursive expansion)', () => {
    expect(renderTemplate('{{a}}', { a: '{{b}}', b: 'SECRET' })).toBe('{{b}}')
  })

  it('inserts values literally: no replacement patterns, no code', () => {
    expect(renderTemplate('x{{a}}y', { a: "$& $' $` $1 ${process.exit()} `${1+1}`" })).toBe(
      "x$& $' $` $1 ${process.exit()} `${1+1}`y",
    )
  })

  it('looks up own properties only', () => {
    expect(renderTemplate('[{{constructor}}][{{toString}}][{{__proto__}}]', {})).toBe('[][][]')
  })

  it('leaves text that only looks like a placeholder alone', () => {
    expect(renderTemplate('{{ 1a }} {a} {{a.b}} {{}}', { a: 'x' })).toBe(
      '{{ 1a }} {a} {{a.b}} {{}}',
    )
  })
})

describe('placeholdersOf', () => {
  it('lists names in order of first use', () => {
    expect(placeholdersOf('{{b}} {{ a }} {{b}}')).toEqual(['b', 'a'])
  })
})

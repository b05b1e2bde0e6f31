import { describe, expect, it } from 'vitest'
import { closest, didYouMean, editDistance, suggest } from '../../src/shared/suggest.js'

const FLAGS = ['--help', '--tools', '--timeout-ms', '--grace-ms', '--cache-ttl-ms', '--cache-max']

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', 'abc', 0],
    ['abc', '', 3],
    ['kitten', 'sitting', 3],
    ['--timout-ms', '--timeout-ms', 1],
    ['--tool', '--tools', 1],
    ['--grace', '--grace-ms', 3],
  ])('%j → %j is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d)
    expect(editDistance(b, a)).toBe(d)
  })

  it('stops counting past the cap', () => {
    expect(editDistance('kitten', 'sitting', 2)).toBe(3)
    expect(editDistance('a', 'abcdefgh', 2)).toBe(3)
  })
})

describe('closest / didYouMean', () => {
  it.each([
    ['--timout-ms', '--timeout-ms'],
    ['--tool', '--tools'],
    ['tools', '--tools'],
    ['--cache-max=', '--cache-max'],
    ['--hepl', '--help'],
    ['--cache-tll-ms', '--cache-ttl-ms'],
  ])('suggests for %j: %j', (input, match) => {
    expect(closest(input, FLAGS)).toBe(match)
    expect(didYouMean(input, FLAGS)).toBe(`; did you mean ${match}?`)
  })

  it.each(['serve', '--bogus', '--cache', '-x', ''])('suggests nothing for %j', (input) => {
    expect(closest(input, FLAGS)).toBeUndefined()
    expect(didYouMean(input, FLAGS)).toBe('')
  })

  it('takes the first of two equally close words', () => {
    expect(closest('ab', ['ax', 'ay'])).toBe('ax')
  })
})

describe('suggest', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('port', 'port')).toBe(0)
    expect(editDistance('prot', 'port')).toBe(2)
    expect(editDistance('stat', 'start')).toBe(1)
    expect(editDistance('', 'abc')).toBe(3)
  })

  it('names the closest flag or command when it is a typo away', () => {
    expect(suggest('--prot', ['--host', '--port', '--content'])).toBe('--port')
    expect(suggest('stat', ['serve', 'start', 'stop', 'status'])).toBe('start')
    expect(suggest('--projct', ['--project', '--user', '--project-dir'])).toBe('--project')
  })

  it('names nothing for a different word or a too-short input', () => {
    expect(suggest('frobnicate', ['serve', 'start', 'stop'])).toBeUndefined()
    expect(suggest('-x', ['--id', '--help'])).toBeUndefined()
    expect(suggest('--port', [])).toBeUndefined()
  })
})

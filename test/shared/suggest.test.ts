import { describe, expect, it } from 'vitest'
import { editDistance, suggest } from '../../src/shared/suggest.js'

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

import { describe, expect, it } from 'vitest'
import { PassThrough } from 'node:stream'
import { parseHookInput, readHookInput } from '../../src/cli/hook-input.js'

describe('parseHookInput', () => {
  it('takes source and reason from hook JSON', () => {
    expect(
      parseHookInput('{"session_id":"x","hook_event_name":"SessionStart","source":"clear"}'),
    ).toEqual({ source: 'clear' })
    expect(parseHookInput('{"hook_event_name":"SessionEnd","reason":"prompt_input_exit"}')).toEqual(
      { reason: 'prompt_input_exit' },
    )
  })

  it.each([
    '',
    '   ',
    'not json',
    '[]',
    'null',
    '"clear"',
    '{"source":42}',
    '{"reason":"../../etc"}',
    `{"reason":"${'a'.repeat(40)}"}`,
  ])('ignores %j', (text) => {
    expect(parseHookInput(text)).toEqual({})
  })
})

describe('readHookInput', () => {
  it('reads until EOF', async () => {
    const s = new PassThrough()
    s.end('{"source":"startup"}')
    expect(await readHookInput(s, { timeoutMs: 5000 })).toEqual({ source: 'startup' })
  })

  it('gives up on a pipe that never closes, and destroys it so the process can exit', async () => {
    const s = new PassThrough()
    s.write('{"source":')
    expect(await readHookInput(s, { timeoutMs: 20 })).toEqual({})
    expect(s.destroyed).toBe(true)
  })

  it('ignores input larger than the cap', async () => {
    const s = new PassThrough()
    s.end(`{"source":"startup","pad":"${'x'.repeat(100)}"}`)
    expect(await readHookInput(s, { timeoutMs: 5000, maxBytes: 64 })).toEqual({})
  })

  it('does not read from a terminal', async () => {
    const s = Object.assign(new PassThrough(), { isTTY: true })
    expect(await readHookInput(s, { timeoutMs: 5000 })).toEqual({})
  })
})

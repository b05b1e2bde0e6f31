/**
 * Property tests (fast-check, bounded by FUZZ_RUNS): the hook's stdin parsing. Whatever a host
 * or an attacker writes to a hook's stdin, parsing never throws, yields only `source` and
 * `reason`, only as short lowercase words, and reading the stream always settles, in any chunking.
 */
import { describe, expect, it } from 'vitest'
import { PassThrough } from 'node:stream'
import fc from 'fast-check'
import { parseHookInput, readHookInput } from '../../src/cli/hook-input.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 200)
const WORD_RE = /^[a-z_]{1,32}$/

/** Hook-like JSON: the real fields, with values that are sometimes words and sometimes anything. */
const hookJson = fc
  .record(
    {
      session_id: fc.string(),
      hook_event_name: fc.constantFrom('SessionStart', 'SessionEnd', 'PreToolUse', ''),
      source: fc.oneof(
        fc.constantFrom('startup', 'resume', 'clear', 'compact', 'fork'),
        fc.string({ maxLength: 40 }),
        fc.anything(),
      ),
      reason: fc.oneof(
        fc.constantFrom('clear', 'logout', 'prompt_input_exit', 'other'),
        fc.string({ maxLength: 40 }),
        fc.anything(),
      ),
      cwd: fc.string(),
    },
    { requiredKeys: [] },
  )
  .map((o) => JSON.stringify(o))

const anyInput = fc.oneof(
  hookJson,
  fc.json(),
  fc.string({ maxLength: 2000 }),
  fc.string({ unit: 'binary', maxLength: 500 }),
  hookJson.chain((j) => fc.nat({ max: j.length }).map((n) => j.slice(0, n))),
)

function expectWellFormed(r: object): void {
  for (const [k, v] of Object.entries(r)) {
    expect(['source', 'reason']).toContain(k)
    expect(v).toMatch(WORD_RE)
  }
  expect(Object.getPrototypeOf(r)).toBe(Object.prototype)
}

describe('parseHookInput (fuzz)', () => {
  it('never throws and yields only source and reason, as short lowercase words', () => {
    fc.assert(
      fc.property(anyInput, (text) => {
        expectWellFormed(parseHookInput(text))
      }),
      { numRuns: RUNS * 5 },
    )
  })

  it('keeps a field exactly when the JSON holds it as a short lowercase word', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.stringMatching(WORD_RE), fc.string({ maxLength: 40 })),
        fc.oneof(fc.stringMatching(WORD_RE), fc.string({ maxLength: 40 })),
        (source, reason) => {
          const r = parseHookInput(JSON.stringify({ hook_event_name: 'x', source, reason }))
          expect(r.source).toBe(WORD_RE.test(source) ? source : undefined)
          expect(r.reason).toBe(WORD_RE.test(reason) ? reason : undefined)
        },
      ),
      { numRuns: RUNS * 5 },
    )
  })

  it('does not let prototype keys stand in for the fields or pollute anything', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('__proto__', 'constructor', 'prototype'),
        fc.stringMatching(WORD_RE),
        (key, word) => {
          const r = parseHookInput(
            `{"${key}":{"source":"${word}","reason":"${word}","polluted":true}}`,
          )
          expect(r).toEqual({})
          expect(({} as Record<string, unknown>).polluted).toBeUndefined()
        },
      ),
      { numRuns: RUNS },
    )
  })
})

describe('readHookInput (fuzz)', () => {
  it('settles with what parseHookInput makes of the whole input, in any chunking, or {} over the cap', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyInput,
        fc.array(fc.nat({ max: 50 }), { maxLength: 8 }),
        fc.integer({ min: 16, max: 4096 }),
        async (text, cuts, maxBytes) => {
          const bytes = Buffer.from(text)
          const stream = new PassThrough()
          const reading = readHookInput(stream, { timeoutMs: 5000, maxBytes })
          let at = 0
          for (const cut of cuts) {
            stream.write(bytes.subarray(at, at + cut))
            at += cut
          }
          stream.end(bytes.subarray(Math.min(at, bytes.length)))
          const r = await reading
          expectWellFormed(r)
          expect(r).toEqual(bytes.length > maxBytes ? {} : parseHookInput(bytes.toString('utf8')))
          expect(stream.destroyed).toBe(true)
        },
      ),
      { numRuns: RUNS },
    )
  })
})

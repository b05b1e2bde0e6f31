import { describe, expect, it } from 'vitest'
import type { ContentResult } from '../../src/client/briefd-client.js'
import { contentResult, DegradationReporter } from '../../src/briefing/content-flow.js'
import { BriefdError } from '../../src/shared/errors.js'
import { createLogger } from '../../src/shared/log.js'

const down: ContentResult = {
  text: 'g',
  source: 'fallback',
  reason: new BriefdError(
    'ERR_DAEMON_UNREACHABLE',
    'daemon at http://127.0.0.1:1 is not reachable',
  ),
}
const stale: ContentResult = {
  text: 's',
  source: 'stale',
  reason: new BriefdError('ERR_DAEMON_TIMEOUT', 'no answer'),
}
const fresh: ContentResult = { text: 'x', source: 'daemon' }
const cached: ContentResult = { text: 'x', source: 'cache' }
const missing: ContentResult = {
  text: 'g',
  source: 'fallback',
  reason: new BriefdError('ERR_CONTENT_NOT_FOUND', 'the daemon has no templates/x'),
}

function reporter(): { r: DegradationReporter; lines: string[] } {
  const lines: string[] = []
  return {
    r: new DegradationReporter(createLogger({ name: 't', write: (l) => void lines.push(l) })),
    lines,
  }
}

describe('DegradationReporter', () => {
  it('logs one line when the daemon goes away and one when it is back, not one per call', () => {
    const { r, lines } = reporter()
    for (const x of [fresh, down, down, down, stale, stale, cached, fresh]) r.report('tool a', x)
    expect(lines).toEqual([
      't: warn: tool a: serving the generic fallback: daemon at http://127.0.0.1:1 is not reachable\n',
      't: warn: tool a: serving a cached copy past its TTL: no answer\n',
      't: tool a: content from the daemon again\n',
    ])
  })

  it('warns once per missing template, without hiding an outage', () => {
    const { r, lines } = reporter()
    for (const x of [missing, fresh, missing, missing]) r.report('tool a', x)
    r.report('tool b', missing)
    r.report('tool c', down)
    expect(lines.map((l) => l.split(':').slice(0, 3).join(':'))).toEqual([
      't: warn: tool a',
      't: warn: tool b',
      't: warn: tool c',
    ])
  })
})

describe('contentResult', () => {
  it('marks a fallback in _meta and in a note the model can read', () => {
    expect(contentResult(down)).toEqual({
      content: [
        { type: 'text', text: 'g' },
        {
          type: 'text',
          text: '[briefd: generic fallback response; the full response is unavailable because the briefd daemon is not running]',
        },
      ],
      _meta: { 'briefd/source': 'fallback', 'briefd/reason': 'ERR_DAEMON_UNREACHABLE' },
    })
  })

  it('sends current content plain and marks a stale copy', () => {
    expect(contentResult(fresh)).toEqual({ content: [{ type: 'text', text: 'x' }] })
    expect(contentResult(cached)).toEqual({ content: [{ type: 'text', text: 'x' }] })
    expect(contentResult(stale)).toEqual({
      content: [{ type: 'text', text: 's' }],
      _meta: { 'briefd/source': 'stale', 'briefd/reason': 'ERR_DAEMON_TIMEOUT' },
    })
  })
})

// node examples/client.mjs — the typed client on its own: the instructions and a rendered
// template, and where each came from (daemon, cache, stale, or the generic fallback).
// With the daemon running and BRIEFD_TOKEN_FILE naming a session token file you get the
// confidential text; without them, the fallbacks and the reason.
import { BriefdClient, describeUnavailable } from 'briefd'

const briefd = new BriefdClient({ timeoutMs: 500 })

const instructions = await briefd.instructions({ fallback: 'Review the change carefully.' })
const verdict = await briefd.render(
  'review-verdict',
  { verdict: 'APPROVE', findings: 'src/a.ts:12 — the error path drops the cause' },
  { fallback: 'Verdict: {{verdict}}\n{{findings}}' },
)

for (const [name, r] of [
  ['instructions', instructions],
  ['review-verdict', verdict],
]) {
  const why = r.reason ? ` (${describeUnavailable(r.reason)})` : ''
  process.stderr.write(`${name}: ${r.source}${why}, ${r.text.length} characters\n`)
}
process.stdout.write(`${verdict.text}\n`)

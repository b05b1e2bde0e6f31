// npm run bench:patterns — how long one manifest `pattern` check takes on a 10 KB argument, in
// one run (the process is pinned to CPU 0 on Linux):
//   - bare baseline: native RegExp on a safe pattern (`^[a-z0-9]+$`) over the same input, the
//     fastest a check can be;
//   - briefd (mcp/pattern.ts, re2js): each pattern that froze `briefd mcp` under the old screen
//     (issue 9 §4), on a hostile input (long run, then one character that fails the match at
//     the end) and on a matching one;
//   - for reference, native RegExp on the first hostile pattern with only 20 characters (digits, where both branches match): the
//     exponential curve that re2js removes (28 characters took 3.9 s).
// Each round times a fixed count of evaluations per contender; rounds rotate the order. Figures
// are medians over rounds of the time per evaluation; the ratio is paired per round against the
// baseline (same round, same machine noise). Target: under 10 ms per evaluation.
import { fmt, machine, median, pinSelf, table } from './lib.mjs'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9)
const EVALS = Number(process.env.BENCH_EVALS ?? 20)
const SIZE = 10 * 1024
const TARGET_MS = 10

async function main() {
  const { compilePattern } = await import('../dist/briefing/pattern.js')
  const compile = (source) => {
    const c = compilePattern(source)
    if (!c.ok) throw new Error(`${source}: ${c.reason}`)
    return c.pattern
  }
  const letters = 'a'.repeat(SIZE)
  const digits = '1'.repeat(SIZE)
  const contenders = [
    ['baseline: native RegExp ^[a-z0-9]+$ (safe)', /^[a-z0-9]+$/u, `${letters.slice(1)}!`],
    ['re2js ^(\\w|\\d)+$, hostile', compile('^(\\w|\\d)+$'), `${digits.slice(1)}!`],
    ['re2js ^(\\w|\\d)+$, matching', compile('^(\\w|\\d)+$'), digits],
    ['re2js ^(\\d?\\d?)+$, hostile', compile('^(\\d?\\d?)+$'), `${digits.slice(1)}x`],
    ['re2js ^(a|a?)+$, hostile', compile('^(a|a?)+$'), `${letters.slice(1)}b`],
    ['re2js ^\\w*\\w*\\w*$, hostile', compile('^\\w*\\w*\\w*$'), `${letters.slice(1)}!`],
    ['re2js ^\\w*\\w*\\w*$, matching', compile('^\\w*\\w*\\w*$'), letters],
  ]
  const reference = ['native RegExp ^(\\w|\\d)+$, 20 chars', /^(\w|\d)+$/u, `${'1'.repeat(19)}!`]
  const all = [...contenders, reference]
  for (const [, re, input] of all) re.test(input) // warm-up (JIT, DFA cache)

  const times = new Map(all.map(([name]) => [name, []]))
  let sink = 0
  for (let round = 0; round < ROUNDS; round++) {
    const order = all.map((_, i) => all[(i + round) % all.length])
    for (const [name, re, input] of order) {
      const t0 = performance.now()
      for (let i = 0; i < EVALS; i++) sink += re.test(input) ? 1 : 0
      times.get(name).push((performance.now() - t0) / EVALS)
    }
  }
  const base = times.get(contenders[0][0])
  const paired = (xs) => median(xs.map((x, i) => x / base[i]))
  const rows = [['check', 'ms per evaluation (median)', 'min..max', 'vs baseline', 'target']]
  for (const [name] of all) {
    const xs = times.get(name)
    rows.push([
      name,
      fmt(median(xs), 3),
      `${fmt(Math.min(...xs), 3)}..${fmt(Math.max(...xs), 3)}`,
      `${fmt(paired(xs), 1)}×`,
      name.startsWith('re2js') ? (median(xs) < TARGET_MS ? 'ok' : 'OVER') : '',
    ])
  }
  const worst = Math.max(
    ...contenders.filter(([n]) => n.startsWith('re2js')).map(([n]) => median(times.get(n))),
  )
  console.log(`machine: ${await machine()}`)
  console.log(
    `one core (pinned to CPU 0: ${Boolean(process.env.BENCH_PINNED)}); ${SIZE}-character inputs; ${ROUNDS} rounds of ${EVALS} evaluations each (matches counted: ${sink})\n`,
  )
  console.log(table(rows))
  console.log(
    `\nworst re2js check: ${fmt(worst, 3)} ms per evaluation (target < ${TARGET_MS} ms): ${worst < TARGET_MS ? 'ok' : 'OVER'}`,
  )
  if (worst >= TARGET_MS) process.exitCode = 1
}

try {
  if (await pinSelf()) await main()
} catch (err) {
  console.error(err)
  process.exitCode = 1
}

/**
 * @module shared/suggest
 * "Did you mean --timeout-ms?" for a mistyped option or command. Shared so every command line
 * (`briefd mcp`'s parseArgs, the commander CLI) suggests the same way: the closest known
 * spelling within two edits, or nothing, so a suggestion is never a wild guess.
 */

/** Edits (insert, delete, substitute one character) between two strings, capped at `max + 1`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    let best = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      const d = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      )
      current.push(d)
      best = Math.min(best, d)
    }
    if (best > max) return max + 1
    previous = current
  }
  return previous[b.length] as number
}

/** The known word closest to `input` within `maxDistance` edits (the first on a tie), if any. */
export function closest(
  input: string,
  known: readonly string[],
  maxDistance = 2,
): string | undefined {
  let best: string | undefined
  let bestDistance = maxDistance + 1
  for (const word of known) {
    const d = editDistance(input, word, maxDistance)
    if (d < bestDistance) {
      best = word
      bestDistance = d
    }
  }
  return best
}

/** `; did you mean --x?` when a known word is close, else the empty string. */
export function didYouMean(input: string, known: readonly string[]): string {
  const match = closest(input, known)
  return match === undefined ? '' : `; did you mean ${match}?`
}

/**
 * The candidate closest to `input`, or undefined when none is within a typo's reach: at most
 * 2 edits, and at most half the input's length (so `-x` does not "mean" `--id`). Ties go
 * to the earlier candidate. An input of flags is compared without its leading dashes.
 */
export function suggest(input: string, candidates: readonly string[]): string | undefined {
  const bare = (s: string): string => s.replace(/^-+/, '').toLowerCase()
  const target = bare(input)
  if (!target) return undefined
  let best: string | undefined
  let bestDistance = Infinity
  for (const c of candidates) {
    const d = editDistance(target, bare(c), 3)
    if (d < bestDistance) {
      best = c
      bestDistance = d
    }
  }
  if (best === undefined || bestDistance === 0) return bestDistance === 0 ? best : undefined
  return bestDistance <= 2 && bestDistance * 2 <= target.length ? best : undefined
}

/**
 * @module shared/suggest
 * "Did you mean …?" for a mistyped command, flag or name: the closest candidate by edit
 * distance, when it is close enough to be a typo rather than a different word. Used by the
 * CLI so that a typo costs one line, not a screen of usage.
 */

/** Levenshtein distance (insert, delete, substitute; each costs 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      cur[j] = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost,
      )
    }
    prev = cur
  }
  return prev[b.length] as number
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
    const d = editDistance(target, bare(c))
    if (d < bestDistance) {
      best = c
      bestDistance = d
    }
  }
  if (best === undefined || bestDistance === 0) return bestDistance === 0 ? best : undefined
  return bestDistance <= 2 && bestDistance * 2 <= target.length ? best : undefined
}

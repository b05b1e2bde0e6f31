/**
 * @module mcp/safe-pattern
 * Screening of `pattern` keywords before they are compiled. Arguments come from the model,
 * which may be steered by hostile text, and a pattern with a quantified group that itself
 * contains a quantifier (`(a+)+`, `(\w*)*`, `(x{2,})+`) can backtrack for exponential time on
 * a crafted string, freezing the server's single thread (ReDoS). Such patterns are refused when
 * the manifest loads; the common shapes (`^[a-z]+$`, `(ab|cd)+`, `\d{3}-\d{4}`) pass.
 */

/** Why the pattern is refused, or undefined when it is acceptable. */
export function unsafePatternReason(pattern: string): string | undefined {
  // One frame per open group: does it contain a quantifier (directly or in a nested group)?
  const groups: boolean[] = []
  let quantifiedInside = false
  let i = 0
  const quantifierAt = (j: number): number => {
    const c = pattern[j]
    if (c === '*' || c === '+') return 1
    if (c === '{') {
      const m = /^\{\d+(,\d*)?\}/.exec(pattern.slice(j))
      if (m) return m[0].length
    }
    return 0
  }
  while (i < pattern.length) {
    const c = pattern[i]
    if (c === '\\') {
      i += 2
      continue
    }
    if (c === '[') {
      // Skip the class; `]` right after `[` or `[^` is a literal.
      i++
      if (pattern[i] === '^') i++
      if (pattern[i] === ']') i++
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1
      i++
      continue
    }
    if (c === '(') {
      groups.push(quantifiedInside)
      quantifiedInside = false
      i++
      continue
    }
    if (c === ')') {
      const inner = quantifiedInside
      quantifiedInside = groups.pop() ?? false
      i++
      const q = quantifierAt(i)
      if (q > 0) {
        if (inner)
          return 'it repeats a group that already contains a repetition (catastrophic backtracking)'
        quantifiedInside = true
        i += q
      } else if (inner) quantifiedInside = true
      continue
    }
    const q = quantifierAt(i)
    if (q > 0) {
      quantifiedInside = true
      i += q
      continue
    }
    i++
  }
  return undefined
}

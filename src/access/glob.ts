/**
 * @module access/glob
 * Document-name globs for access.json (`templates/scoring-*`): `*` matches any run of
 * characters, every other character matches itself. Matching runs in time linear in the name
 * plus the pattern, with no RegExp built from the author's pattern: a pattern like
 * `a*a*a*a*b` cannot make a backtracking engine spin on a request, and no character of the
 * pattern can smuggle in regex syntax.
 *
 * Why linear: with `*` as the only wildcard, the leftmost occurrence of each literal segment
 * (between stars) is always the best one to take, so after checking the literal prefix and
 * suffix, each middle segment is found once, left to right, by Knuth-Morris-Pratt.
 */

/** A compiled glob. */
export interface Glob {
  readonly pattern: string
  /** Characters before the first `*` (the whole pattern when it has none). */
  readonly prefixLength: number
  /** Characters that are not `*`: more means more specific, among equal prefixes. */
  readonly literalLength: number
  /** Whether the pattern has any `*` at all. */
  readonly wildcard: boolean
  matches(text: string): boolean
}

interface Segment {
  text: string
  /** KMP failure function: fail[i] = length of the longest proper border of text[0..i]. */
  fail: Int32Array
}

function failureTable(s: string): Int32Array {
  const fail = new Int32Array(s.length)
  let k = 0
  for (let i = 1; i < s.length; i++) {
    while (k > 0 && s.charCodeAt(i) !== s.charCodeAt(k)) k = fail[k - 1] ?? 0
    if (s.charCodeAt(i) === s.charCodeAt(k)) k++
    fail[i] = k
  }
  return fail
}

/** Index just past the first occurrence of `seg` in text[from, to), or -1. */
function findAfter(text: string, from: number, to: number, seg: Segment): number {
  const p = seg.text
  let k = 0
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i)
    while (k > 0 && c !== p.charCodeAt(k)) k = seg.fail[k - 1] ?? 0
    if (c === p.charCodeAt(k)) k++
    if (k === p.length) return i + 1
  }
  return -1
}

/** Compiles `pattern`; every character but `*` is literal. */
export function compileGlob(pattern: string): Glob {
  const parts = pattern.split('*')
  const prefix = parts[0] ?? ''
  const wildcard = parts.length > 1
  const suffix = wildcard ? (parts[parts.length - 1] ?? '') : ''
  const middle: Segment[] = parts
    .slice(1, -1)
    .filter((p) => p !== '')
    .map((text) => ({ text, fail: failureTable(text) }))
  const literalLength = pattern.length - (parts.length - 1)
  const matches = wildcard
    ? (text: string): boolean => {
        if (text.length < prefix.length + suffix.length) return false
        if (!text.startsWith(prefix) || !text.endsWith(suffix)) return false
        let at = prefix.length
        const end = text.length - suffix.length
        for (const seg of middle) {
          at = findAfter(text, at, end, seg)
          if (at < 0) return false
        }
        return true
      }
    : (text: string): boolean => text === pattern
  return { pattern, prefixLength: prefix.length, literalLength, wildcard, matches }
}

/**
 * Orders globs most specific first: the longest literal prefix wins; then the most literal
 * characters; then the pattern's code units, so the order never depends on the file's key order.
 */
export function bySpecificity(a: Glob, b: Glob): number {
  if (a.prefixLength !== b.prefixLength) return b.prefixLength - a.prefixLength
  if (a.literalLength !== b.literalLength) return b.literalLength - a.literalLength
  return a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0
}

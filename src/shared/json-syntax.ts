/**
 * @module shared/json-syntax
 * Where and why a text is not valid JSON, told without quoting any of it. JSON.parse's own
 * messages quote the text around the error (`Unexpected token 'r', "root:x:0:0"... is not
 * valid JSON`), and a path given to briefd (BRIEFD_TOOLS, a config file) may point at a
 * secret by mistake or by design: its bytes must never reach stderr or a log. Call this
 * only after JSON.parse failed; it walks the text once, iteratively (no recursion, so no
 * nesting depth can overflow the stack).
 */

export interface JsonSyntaxError {
  /** 1-based. */
  line: number
  /** 1-based, in UTF-16 code units (what editors mostly show). */
  column: number
  /** What was expected, in words that never include the text itself. */
  reason: string
}

const isWs = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39
const isHex = (c: number): boolean =>
  isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
/** Characters that may follow a backslash in a JSON string: " \ / b f n r t u. */
const ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74, 0x75])

function position(text: string, offset: number, reason: string): JsonSyntaxError {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: offset - lineStart + 1, reason }
}

/**
 * The first syntax error in `text`, or undefined when it is valid JSON (then JSON.parse
 * failed for another reason, such as nesting too deep for its stack).
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const n = text.length
  const stack: number[] = [] // 0x7b `{` or 0x5b `[` for each open container
  let i = 0
  const at = (reason: string, offset = i): JsonSyntaxError => position(text, offset, reason)
  const skipWs = (): void => {
    while (i < n && isWs(text.charCodeAt(i))) i++
  }
  /** Reads a string starting at `"`; returns an error or undefined. */
  const readString = (): JsonSyntaxError | undefined => {
    const start = i
    i++
    for (;;) {
      if (i >= n) return at('unterminated string', start)
      const c = text.charCodeAt(i)
      if (c === 0x22) {
        i++
        return undefined
      }
      if (c < 0x20) return at('control character (such as a line break) inside a string')
      if (c === 0x5c) {
        const e = text.charCodeAt(i + 1)
        if (!ESCAPES.has(e)) return at('invalid escape in a string')
        if (e === 0x75) {
          for (let k = 2; k < 6; k++)
            if (!isHex(text.charCodeAt(i + k))) return at('invalid \\u escape in a string')
          i += 6
        } else i += 2
        continue
      }
      i++
    }
  }
  const readNumber = (): JsonSyntaxError | undefined => {
    const start = i
    if (text.charCodeAt(i) === 0x2d) i++
    if (text.charCodeAt(i) === 0x30) i++
    else if (isDigit(text.charCodeAt(i))) while (isDigit(text.charCodeAt(i))) i++
    else return at('malformed number', start)
    if (text.charCodeAt(i) === 0x2e) {
      i++
      if (!isDigit(text.charCodeAt(i))) return at('malformed number', start)
      while (isDigit(text.charCodeAt(i))) i++
    }
    if (text.charCodeAt(i) === 0x65 || text.charCodeAt(i) === 0x45) {
      i++
      if (text.charCodeAt(i) === 0x2b || text.charCodeAt(i) === 0x2d) i++
      if (!isDigit(text.charCodeAt(i))) return at('malformed number', start)
      while (isDigit(text.charCodeAt(i))) i++
    }
    return undefined
  }

  type State = 'value' | 'key' | 'after'
  let state: State = 'value'
  for (;;) {
    skipWs()
    if (state === 'value') {
      if (i >= n) return at('unexpected end of file (a value is missing)')
      const c = text.charCodeAt(i)
      if (c === 0x7b || c === 0x5b) {
        i++
        skipWs()
        if (text.charCodeAt(i) === (c === 0x7b ? 0x7d : 0x5d)) {
          i++
          state = 'after'
        } else {
          stack.push(c)
          state = c === 0x7b ? 'key' : 'value'
        }
        continue
      }
      let err: JsonSyntaxError | undefined
      if (c === 0x22) err = readString()
      else if (c === 0x2d || isDigit(c)) err = readNumber()
      else {
        const word = ['true', 'false', 'null'].find((w) => text.startsWith(w, i))
        if (word === undefined)
          return at('expected a value (an object, list, string, number, true, false or null)')
        i += word.length
      }
      if (err) return err
      state = 'after'
    } else if (state === 'key') {
      if (i >= n) return at('unexpected end of file (an object is not closed)')
      if (text.charCodeAt(i) !== 0x22) return at('expected a property name in double quotes')
      const err = readString()
      if (err) return err
      skipWs()
      if (text.charCodeAt(i) !== 0x3a)
        return at(
          i >= n
            ? 'unexpected end of file (an object is not closed)'
            : "expected ':' after a property name",
        )
      i++
      state = 'value'
    } else {
      const top = stack[stack.length - 1]
      if (top === undefined)
        return i < n ? at('unexpected text after the end of the JSON value') : undefined
      const close = top === 0x7b ? 0x7d : 0x5d
      if (i >= n)
        return at(`unexpected end of file (${top === 0x7b ? 'an object' : 'a list'} is not closed)`)
      const c = text.charCodeAt(i)
      if (c === 0x2c) {
        i++
        state = top === 0x7b ? 'key' : 'value'
      } else if (c === close) {
        i++
        stack.pop()
      } else
        return at(
          top === 0x7b
            ? "expected ',' or '}' after a property value"
            : "expected ',' or ']' after a list item",
        )
    }
  }
}

/** `line L column C: reason`, or a plain fallback when the text is valid after all. */
export function describeJsonSyntaxError(text: string): string {
  const e = findJsonSyntaxError(text)
  return e === undefined
    ? 'is not valid JSON'
    : `is not valid JSON at line ${e.line} column ${e.column} (${e.reason})`
}

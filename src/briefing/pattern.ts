/**
 * @module mcp/pattern
 * The `pattern` keyword of a tool's input schema, matched in linear time. Arguments come from
 * the model, which hostile text can steer, and a backtracking engine (native RegExp) takes
 * exponential time on patterns as plain as `^(\w|\d)+$`: one call would freeze the server's
 * single thread. So author patterns are never run by RegExp: this module reads the pattern
 * with ECMAScript's `u`-mode grammar (what JSON Schema means by a pattern), rewrites it in
 * RE2 syntax with the same meaning, and matches with re2js, an RE2 port whose time is linear
 * in the input. Like JSON Schema, a match may start anywhere (the search is unanchored), and
 * the input is read as code points. What RE2 cannot express (backreferences, lookaround,
 * repetition counts over 1000) is refused when the manifest loads, with the reason.
 */
import { RE2JS } from 're2js'

/** A compiled pattern: `test` searches the whole input, in time linear in its length. */
export interface Pattern {
  /** The author's pattern, as written (shown to the model when an argument does not match). */
  readonly source: string
  test(input: string): boolean
}

export type CompiledPattern = { ok: true; pattern: Pattern } | { ok: false; reason: string }

/** RE2's limit on `{n,m}` counts. */
const MAX_REPEAT = 1000
const MAX_CODE_POINT = 0x10ffff

/** ECMAScript `\s`: WhiteSpace and LineTerminator, as [from, to] code point ranges. */
const SPACE: readonly (readonly [number, number])[] = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
]

function complement(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const out: [number, number][] = []
  let next = 0
  for (const [from, to] of ranges) {
    if (from > next) out.push([next, from - 1])
    next = to + 1
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT])
  return out
}

/** One code point in RE2 syntax: letters and digits as is, anything else as `\x{…}`. */
function lit(cp: number): string {
  return /^[A-Za-z0-9]$/.test(String.fromCodePoint(cp)) ? String.fromCodePoint(cp) : hex(cp)
}
const hex = (cp: number): string => `\\x{${cp.toString(16)}}`
const rangesText = (ranges: readonly (readonly [number, number])[]): string =>
  ranges.map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`)).join('')

const SPACE_ITEMS = rangesText(SPACE)
const NOT_SPACE_ITEMS = rangesText(complement(SPACE))
/** ECMAScript `.` without the `s` flag: anything but a line terminator. */
const DOT = `[^${hex(0x0a)}${hex(0x0d)}${hex(0x2028)}${hex(0x2029)}]`
const ANY = `[${hex(0)}-${hex(MAX_CODE_POINT)}]`
const NOTHING = `[^${hex(0)}-${hex(MAX_CODE_POINT)}]`
/** ECMAScript SyntaxCharacter plus `/`: the only identity escapes `u` mode allows. */
const IDENTITY = new Set('^$\\.*+?()[]{}|/')
const CONTROL_ESCAPES: Readonly<Record<string, number>> = { t: 9, n: 10, v: 11, f: 12, r: 13 }

/** Why a pattern is not taken; `unsupported` ones are valid ECMAScript that RE2 cannot express. */
class Refusal extends Error {
  readonly reason: string
  constructor(reason: string) {
    super(reason)
    this.reason = reason
  }
}
const invalid = (): never => {
  throw new Refusal('is not a valid regular expression')
}
const unsupported = (what: string): never => {
  throw new Refusal(`uses ${what}, which briefd's linear-time matcher cannot check`)
}

/** A piece of a character class: RE2 class text, and the code point when it is a single one. */
interface ClassAtom {
  text: string
  cp?: number
}

/** Reads an ECMAScript `u`-mode pattern and writes the RE2 equivalent. */
class Translator {
  private readonly cps: number[]
  private i = 0

  constructor(source: string) {
    this.cps = Array.from(source, (c) => c.codePointAt(0) ?? 0)
  }

  translate(): string {
    const out = this.disjunction()
    if (this.i < this.cps.length) invalid() // a `)` with no `(`
    return out
  }

  private peek(offset = 0): string {
    const cp = this.cps[this.i + offset]
    return cp === undefined ? '' : String.fromCodePoint(cp)
  }

  private eat(s: string): boolean {
    for (let k = 0; k < s.length; k++) if (this.peek(k) !== s[k]) return false
    this.i += s.length
    return true
  }

  private disjunction(): string {
    const alternatives = [this.alternative()]
    while (this.eat('|')) alternatives.push(this.alternative())
    return alternatives.join('|')
  }

  private alternative(): string {
    let out = ''
    while (this.i < this.cps.length && this.peek() !== '|' && this.peek() !== ')')
      out += this.term()
    return out
  }

  private term(): string {
    const c = this.peek()
    if (c === '^' || c === '$') {
      this.i++
      return c
    }
    if (this.eat('\\b')) return '\\b'
    if (this.eat('\\B')) return '\\B'
    if (this.eat('(?=') || this.eat('(?!') || this.eat('(?<=') || this.eat('(?<!'))
      unsupported('a lookahead or lookbehind')
    return this.atom() + this.quantifier()
  }

  private quantifier(): string {
    let q: string
    const c = this.peek()
    if (c === '*' || c === '+' || c === '?') {
      this.i++
      q = c
    } else if (c === '{') {
      this.i++
      const min = this.digits()
      let max: number | undefined = min
      if (this.eat(',')) max = this.peek() === '}' ? undefined : this.digits()
      if (!this.eat('}')) invalid()
      if (max !== undefined && max < min) invalid()
      if (min > MAX_REPEAT || (max ?? 0) > MAX_REPEAT)
        unsupported(`a repetition count over ${MAX_REPEAT}`)
      q = max === min ? `{${min}}` : `{${min},${max ?? ''}}`
    } else return ''
    return this.eat('?') ? `${q}?` : q
  }

  private digits(): number {
    const start = this.i
    while (/^[0-9]$/.test(this.peek())) this.i++
    if (this.i === start) invalid()
    // Capped so a 500-digit count stays a number; anything over MAX_REPEAT is refused anyway.
    return Math.min(
      Number(
        this.cps
          .slice(start, this.i)
          .map((cp) => String.fromCodePoint(cp))
          .join(''),
      ),
      1e9,
    )
  }

  private atom(): string {
    const c = this.peek()
    if (c === '.') {
      this.i++
      return DOT
    }
    if (c === '(') return this.group()
    if (c === '[') return this.characterClass()
    if (c === '\\') {
      this.i++
      return this.atomEscape()
    }
    // `u` mode: a syntax character (`*`, `{`, `]`, …) is never a literal where an atom goes.
    if (c === '' || '^$\\.*+?()[]{}|'.includes(c)) invalid()
    return lit(this.cps[this.i++] as number)
  }

  private group(): string {
    this.i++ // (
    if (this.eat('?:')) {
      // non-capturing already
    } else if (this.eat('?<')) {
      this.groupName()
    } else if (this.peek() === '?') invalid()
    // Captures are never read: every group becomes non-capturing, which RE2 runs faster.
    const inner = this.disjunction()
    if (!this.eat(')')) invalid()
    return `(?:${inner})`
  }

  private groupName(): void {
    const start = this.i
    while (this.i < this.cps.length && this.peek() !== '>') this.i++
    const name = this.cps
      .slice(start, this.i)
      .map((cp) => String.fromCodePoint(cp))
      .join('')
    if (!this.eat('>') || !/^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u.test(name))
      invalid()
  }

  private atomEscape(): string {
    const c = this.peek()
    if (/^[1-9]$/.test(c) || c === 'k') unsupported('a backreference')
    const cls = this.classEscape()
    if (cls !== undefined) return cls.cp === undefined ? `[${cls.text}]` : cls.text
    return lit(this.characterEscape())
  }

  /** `\d \D \w \W \s \S \p{…} \P{…}` (after the backslash), or undefined if it is not one. */
  private classEscape(): ClassAtom | undefined {
    const c = this.peek()
    if ('dDwW'.includes(c) && c !== '') {
      this.i++
      return { text: `\\${c}` }
    }
    if (c === 's' || c === 'S') {
      this.i++
      return { text: c === 's' ? SPACE_ITEMS : NOT_SPACE_ITEMS }
    }
    if (c === 'p' || c === 'P') {
      this.i++
      return { text: this.property(c === 'P') }
    }
    return undefined
  }

  /** `\p{…}`: general categories by their short name, scripts, `Any` and `ASCII`. */
  private property(negated: boolean): string {
    if (!this.eat('{')) invalid()
    const start = this.i
    while (this.i < this.cps.length && this.peek() !== '}') this.i++
    const body = this.cps
      .slice(start, this.i)
      .map((cp) => String.fromCodePoint(cp))
      .join('')
    if (!this.eat('}') || !/^[A-Za-z_]+(=[A-Za-z_]+)?$/.test(body)) invalid()
    const [key, value] = body.includes('=') ? body.split('=') : [undefined, body]
    let name: string | undefined
    if (key === undefined || key === 'gc' || key === 'General_Category') {
      if (value === 'Any' && key === undefined) name = 'Any'
      else if (value === 'ASCII' && key === undefined)
        return negated ? `${hex(0x80)}-${hex(MAX_CODE_POINT)}` : `${hex(0)}-${hex(0x7f)}`
      else if (value !== undefined && /^[A-Z][a-z]?$/.test(value)) name = value
    } else if (key === 'sc' || key === 'Script') name = value
    if (name === undefined)
      unsupported('a Unicode property other than a short category name (like Lu) or a Script')
    return `\\${negated ? 'P' : 'p'}{${name}}`
  }

  /** A single code point after a backslash (`\n`, `\x41`, `\u{1F600}`, `\/`, …). */
  private characterEscape(): number {
    const c = this.peek()
    this.i++
    if (c in CONTROL_ESCAPES) return CONTROL_ESCAPES[c] as number
    if (c === 'c') {
      const letter = this.peek()
      if (!/^[A-Za-z]$/.test(letter)) invalid()
      this.i++
      return letter.charCodeAt(0) % 32
    }
    if (c === '0') {
      if (/^[0-9]$/.test(this.peek())) invalid()
      return 0
    }
    if (c === 'x') return this.hexDigits(2)
    if (c === 'u') {
      if (this.eat('{')) {
        const start = this.i
        while (/^[0-9A-Fa-f]$/.test(this.peek())) this.i++
        const text = this.cps
          .slice(start, this.i)
          .map((cp) => String.fromCodePoint(cp))
          .join('')
        if (text === '' || !this.eat('}') || parseInt(text, 16) > MAX_CODE_POINT) invalid()
        return parseInt(text, 16)
      }
      const unit = this.hexDigits(4)
      // `u` mode joins an escaped surrogate pair into one code point.
      if (unit >= 0xd800 && unit <= 0xdbff && this.peek() === '\\' && this.peek(1) === 'u') {
        const save = this.i
        this.i += 2
        const low = /^[0-9A-Fa-f]{4}$/.test(this.peekN(4)) ? this.hexDigits(4) : -1
        if (low >= 0xdc00 && low <= 0xdfff)
          return 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00)
        this.i = save
      }
      return unit
    }
    if (IDENTITY.has(c)) return c.codePointAt(0) as number
    return invalid()
  }

  private peekN(n: number): string {
    let s = ''
    for (let k = 0; k < n; k++) s += this.peek(k)
    return s
  }

  private hexDigits(n: number): number {
    const text = this.peekN(n)
    if (text.length !== n || !/^[0-9A-Fa-f]+$/.test(text)) invalid()
    this.i += n
    return parseInt(text, 16)
  }

  private characterClass(): string {
    this.i++ // [
    const negated = this.eat('^')
    let items = ''
    let empty = true
    while (this.peek() !== ']') {
      if (this.i >= this.cps.length) invalid()
      const from = this.classAtom()
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== '') {
        this.i++
        const to = this.classAtom()
        // `u` mode: a range needs a single character at both ends, in order.
        if (from.cp === undefined || to.cp === undefined || to.cp < from.cp) invalid()
        items += `${lit(from.cp as number)}-${lit(to.cp as number)}`
      } else items += from.text
      empty = false
    }
    this.i++ // ]
    // RE2 reads `[]…]` and `[^]…]` differently from ECMAScript: spell out "nothing" and "anything".
    if (empty) return negated ? ANY : NOTHING
    return `[${negated ? '^' : ''}${items}]`
  }

  private classAtom(): ClassAtom {
    if (!this.eat('\\')) {
      const cp = this.cps[this.i++] as number
      return { text: lit(cp), cp }
    }
    if (this.eat('b')) return { text: hex(8), cp: 8 }
    if (this.eat('-')) return { text: hex(0x2d), cp: 0x2d }
    if (/^[1-9]$/.test(this.peek()) || this.peek() === 'k') invalid()
    const cls = this.classEscape()
    if (cls !== undefined) return cls
    const cp = this.characterEscape()
    return { text: lit(cp), cp }
  }
}

/**
 * Compiles a JSON Schema `pattern` for linear-time matching, or says why it cannot be.
 * The reason never quotes the pattern.
 */
export function compilePattern(source: string): CompiledPattern {
  let re2: RE2JS
  try {
    re2 = RE2JS.compile(new Translator(source).translate())
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, reason: err.reason }
    // Valid in both grammars but over one of RE2's size limits (nesting, program size).
    return { ok: false, reason: "is too large for briefd's linear-time matcher" }
  }
  return { ok: true, pattern: { source, test: (input) => re2.test(input) } }
}

/**
 * @module mcp/input-schema
 * The JSON Schema subset a tool's `inputSchema` may use, checked when the manifest loads and
 * enforced on every call. Arguments end up as plain text in a template, so the subset is
 * flat: an object of strings, numbers, integers, booleans and arrays of those. Any keyword
 * outside the subset is refused at load time rather than silently ignored: a constraint the
 * author wrote but we did not enforce would be worse than an error. The schema is published
 * to the host verbatim, so what the host shows is exactly what we check.
 */
import { BriefdError } from '../shared/errors.js'
import { compilePattern, type Pattern } from './pattern.js'

export type ArgScalar = string | number | boolean
export type ArgValue = ArgScalar | ArgScalar[]
export type ScalarType = 'string' | 'number' | 'integer' | 'boolean'

/** One checked property. */
export interface PropertySchema {
  type: ScalarType | 'array'
  enum?: readonly ArgScalar[]
  minLength?: number
  maxLength?: number
  /** Matched by re2js in linear time, never by RegExp (see mcp/pattern). */
  pattern?: Pattern
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  items?: PropertySchema
  minItems?: number
  maxItems?: number
  uniqueItems?: boolean
  default?: ArgValue
}

/** A checked `inputSchema`: the raw JSON (published as is) plus what we enforce. */
export interface InputSchema {
  json: Readonly<Record<string, unknown>>
  properties: ReadonlyMap<string, PropertySchema>
  required: readonly string[]
  additionalProperties: boolean
}

/** Property names double as `{{placeholder}}` names. */
export const PROPERTY_NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/
const MAX_PROPERTIES = 64
const MAX_ENUM = 256
const MAX_PATTERN_LENGTH = 512

const ANNOTATIONS = ['title', 'description', 'default', 'examples', '$comment', 'deprecated']
const KEYWORDS: Record<ScalarType | 'array', readonly string[]> = {
  string: ['type', 'enum', 'const', 'minLength', 'maxLength', 'pattern', ...ANNOTATIONS],
  number: [
    'type',
    'enum',
    'const',
    'minimum',
    'maximum',
    'exclusiveMinimum',
    'exclusiveMaximum',
    ...ANNOTATIONS,
  ],
  integer: [
    'type',
    'enum',
    'const',
    'minimum',
    'maximum',
    'exclusiveMinimum',
    'exclusiveMaximum',
    ...ANNOTATIONS,
  ],
  boolean: ['type', 'enum', 'const', ...ANNOTATIONS],
  array: ['type', 'items', 'minItems', 'maxItems', 'uniqueItems', ...ANNOTATIONS],
}
const TOP_KEYWORDS = [
  '$schema',
  'type',
  'properties',
  'required',
  'additionalProperties',
  'title',
  'description',
  '$comment',
]

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

function fail(where: string, why: string): never {
  throw new BriefdError('ERR_MANIFEST_INVALID', `${where}: ${why}`)
}

function count(v: unknown, where: string, key: string): number | undefined {
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    fail(`${where}.${key}`, 'must be a non-negative integer')
  return v
}

function num(v: unknown, where: string, key: string): number | undefined {
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v))
    fail(`${where}.${key}`, 'must be a finite number')
  return v
}

function parseProperty(
  raw: unknown,
  where: string,
  allowArray: boolean,
  owner?: string,
): PropertySchema {
  if (!isObject(raw)) fail(where, 'must be a JSON Schema object')
  const type = raw.type
  const allowed = allowArray
    ? ['string', 'number', 'integer', 'boolean', 'array']
    : ['string', 'number', 'integer', 'boolean']
  if (typeof type !== 'string' || !allowed.includes(type)) {
    fail(
      `${where}.type`,
      `must be one of ${allowed.join(', ')} (briefd renders arguments as plain text)`,
    )
  }
  const t = type as ScalarType | 'array'
  const keys = Object.keys(raw)
  const bad = keys.findIndex((key) => !KEYWORDS[t].includes(key))
  if (bad >= 0)
    fail(
      where,
      `has a keyword that is not supported for type ${t} (key ${bad + 1} of ${keys.length}; supported: ${KEYWORDS[t].join(', ')})`,
    )
  const p: PropertySchema = { type: t }
  if (t === 'array') {
    p.items = parseProperty(raw.items, `${where}.items`, false, owner)
    const minItems = count(raw.minItems, where, 'minItems')
    const maxItems = count(raw.maxItems, where, 'maxItems')
    if (minItems !== undefined) p.minItems = minItems
    if (maxItems !== undefined) p.maxItems = maxItems
    if (raw.uniqueItems !== undefined) {
      if (typeof raw.uniqueItems !== 'boolean') fail(`${where}.uniqueItems`, 'must be a boolean')
      p.uniqueItems = raw.uniqueItems
    }
  } else {
    const scalarOk = (v: unknown): v is ArgScalar => checkScalar({ type: t }, v) === undefined
    if (raw.enum !== undefined) {
      if (!Array.isArray(raw.enum) || raw.enum.length === 0 || raw.enum.length > MAX_ENUM)
        fail(`${where}.enum`, `must be a list of 1–${MAX_ENUM} values`)
      raw.enum.forEach((v, i) => scalarOk(v) || fail(`${where}.enum[${i}]`, `must be a ${t}`))
      p.enum = raw.enum as ArgScalar[]
    }
    if (raw.const !== undefined) {
      if (!scalarOk(raw.const)) fail(`${where}.const`, `must be a ${t}`)
      if (p.enum && !p.enum.includes(raw.const))
        fail(`${where}.const`, 'is not one of the enum values')
      p.enum = [raw.const]
    }
    if (t === 'string') {
      const minLength = count(raw.minLength, where, 'minLength')
      const maxLength = count(raw.maxLength, where, 'maxLength')
      if (minLength !== undefined) p.minLength = minLength
      if (maxLength !== undefined) p.maxLength = maxLength
      if (raw.pattern !== undefined) {
        if (typeof raw.pattern !== 'string' || raw.pattern.length > MAX_PATTERN_LENGTH)
          fail(
            `${where}.pattern`,
            `must be a regular expression of at most ${MAX_PATTERN_LENGTH} characters`,
          )
        const compiled = compilePattern(raw.pattern)
        if (!compiled.ok)
          fail(`${where}.pattern`, `${compiled.reason}${owner ? ` (${owner})` : ''}`)
        p.pattern = compiled.pattern
      }
    }
    if (t === 'number' || t === 'integer') {
      for (const key of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'] as const) {
        const v = num(raw[key], where, key)
        if (v !== undefined) p[key] = v
      }
    }
  }
  if (raw.default !== undefined) {
    // Named by the keyword it breaks: the runtime message would quote the schema's values.
    const problem = valueProblem(p, raw.default)
    if (problem !== undefined)
      fail(
        `${where}.default`,
        problem.keyword === 'type'
          ? `must be ${p.type === 'array' ? 'a list' : `a${/^[aeiou]/.test(p.type) ? 'n' : ''} ${p.type}`}`
          : `does not satisfy the property's ${problem.keyword}`,
      )
    p.default = raw.default as ArgValue
  }
  return p
}

/**
 * Checks a tool's `inputSchema` against the subset; throws ERR_MANIFEST_INVALID naming the
 * field. `owner` (like `tool review_verdict`) is added where the field path alone is not clear.
 */
export function parseInputSchema(raw: unknown, where: string, owner?: string): InputSchema {
  if (!isObject(raw)) fail(where, 'must be a JSON Schema object with "type": "object"')
  if (raw.type !== 'object') fail(`${where}.type`, 'must be "object"')
  const keys = Object.keys(raw)
  const bad = keys.findIndex((key) => !TOP_KEYWORDS.includes(key))
  if (bad >= 0)
    fail(
      where,
      `has a keyword that is not supported (key ${bad + 1} of ${keys.length}; supported: ${TOP_KEYWORDS.join(', ')})`,
    )
  const props = raw.properties ?? {}
  if (!isObject(props)) fail(`${where}.properties`, 'must be an object')
  const names = Object.keys(props)
  if (names.length > MAX_PROPERTIES)
    fail(
      `${where}.properties`,
      `has ${names.length} properties; at most ${MAX_PROPERTIES} are allowed`,
    )
  const properties = new Map<string, PropertySchema>()
  names.forEach((name, n) => {
    if (!PROPERTY_NAME_RE.test(name) || name === '__proto__') {
      fail(
        `${where}.properties`,
        `the name of property ${n + 1} of ${names.length} must be 1–64 letters, digits, "_" or "-", starting with a letter or "_"`,
      )
    }
    // Checked names only, so the field paths below quote nothing but a valid identifier.
    properties.set(name, parseProperty(props[name], `${where}.properties.${name}`, true, owner))
  })
  const required = raw.required ?? []
  if (!Array.isArray(required)) fail(`${where}.required`, 'must be a list of property names')
  required.forEach((r, i) => {
    if (typeof r !== 'string' || !properties.has(r))
      fail(`${where}.required[${i}]`, 'is not a declared property')
    if (required.indexOf(r) !== i)
      fail(
        `${where}.required[${i}]`,
        `is listed twice (the same as required[${required.indexOf(r)}])`,
      )
  })
  const additional = raw.additionalProperties ?? true
  if (typeof additional !== 'boolean')
    fail(
      `${where}.additionalProperties`,
      'must be true or false (schemas for extra properties are not supported)',
    )
  return { json: raw, properties, required: required as string[], additionalProperties: additional }
}

function codePoints(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) i++
    }
    n++
  }
  return n
}

const show = (v: unknown): string => JSON.stringify(v)

/**
 * Why a value breaks a schema: the keyword it breaks, and the message for the model, which
 * quotes the schema (patterns, enum values, bounds). Manifest errors use only the keyword.
 */
export interface ValueProblem {
  keyword: string
  message: string
}

const problem = (keyword: string, message: string): ValueProblem => ({ keyword, message })

/** Why `v` does not satisfy a scalar schema, or undefined when it does. */
function checkScalar(p: PropertySchema, v: unknown): ValueProblem | undefined {
  switch (p.type) {
    case 'string':
      if (typeof v !== 'string') return problem('type', 'must be a string')
      if (p.minLength !== undefined && codePoints(v) < p.minLength)
        return problem('minLength', `must be at least ${p.minLength} characters`)
      if (p.maxLength !== undefined && codePoints(v) > p.maxLength)
        return problem('maxLength', `must be at most ${p.maxLength} characters`)
      if (p.pattern && !p.pattern.test(v))
        return problem('pattern', `must match the pattern ${show(p.pattern.source)}`)
      break
    case 'number':
    case 'integer':
      if (typeof v !== 'number' || !Number.isFinite(v))
        return problem('type', `must be a${p.type === 'integer' ? 'n integer' : ' number'}`)
      if (p.type === 'integer' && !Number.isInteger(v)) return problem('type', 'must be an integer')
      if (p.minimum !== undefined && v < p.minimum)
        return problem('minimum', `must be ≥ ${p.minimum}`)
      if (p.maximum !== undefined && v > p.maximum)
        return problem('maximum', `must be ≤ ${p.maximum}`)
      if (p.exclusiveMinimum !== undefined && v <= p.exclusiveMinimum)
        return problem('exclusiveMinimum', `must be > ${p.exclusiveMinimum}`)
      if (p.exclusiveMaximum !== undefined && v >= p.exclusiveMaximum)
        return problem('exclusiveMaximum', `must be < ${p.exclusiveMaximum}`)
      break
    case 'boolean':
      if (typeof v !== 'boolean') return problem('type', 'must be true or false')
      break
    default:
      return problem('type', 'must be a single value')
  }
  if (p.enum && !p.enum.includes(v as ArgScalar))
    return problem('enum', `must be one of ${p.enum.map(show).join(', ')}`)
  return undefined
}

/** Why `v` does not satisfy a property schema (keyword and message), or undefined when it does. */
export function valueProblem(p: PropertySchema, v: unknown): ValueProblem | undefined {
  if (p.type !== 'array') return checkScalar(p, v)
  if (!Array.isArray(v)) return problem('type', 'must be a list')
  if (p.minItems !== undefined && v.length < p.minItems)
    return problem('minItems', `must have at least ${p.minItems} items`)
  if (p.maxItems !== undefined && v.length > p.maxItems)
    return problem('maxItems', `must have at most ${p.maxItems} items`)
  for (let i = 0; i < v.length; i++) {
    const item = p.items ? checkScalar(p.items, v[i]) : problem('items', 'is not allowed')
    if (item !== undefined)
      return problem(`items (item ${i}: ${item.keyword})`, `item ${i} ${item.message}`)
  }
  if (p.uniqueItems && new Set(v).size !== v.length)
    return problem('uniqueItems', 'must not repeat items')
  return undefined
}

/** Why `v` does not satisfy a property schema, or undefined when it does. */
export function checkValue(p: PropertySchema, v: unknown): string | undefined {
  return valueProblem(p, v)?.message
}

export type ArgumentsCheck =
  { ok: true; values: Record<string, ArgValue> } | { ok: false; message: string }

/**
 * Checks call arguments against a tool's schema. The values returned hold only declared
 * properties (with their defaults), so nothing unchecked ever reaches a template.
 */
export function checkArguments(schema: InputSchema, args: unknown): ArgumentsCheck {
  const a = args === undefined ? {} : args
  if (!isObject(a)) return { ok: false, message: 'arguments must be an object' }
  const values: Record<string, ArgValue> = Object.create(null) as Record<string, ArgValue>
  for (const name of schema.required) {
    if (!Object.hasOwn(a, name)) return { ok: false, message: `argument ${show(name)} is required` }
  }
  for (const key of Object.keys(a)) {
    const p = schema.properties.get(key)
    if (!p) {
      if (!schema.additionalProperties)
        return {
          ok: false,
          message: `argument ${show(key.slice(0, 80))} is not accepted by this tool`,
        }
      continue
    }
    const problem = checkValue(p, a[key])
    if (problem !== undefined) return { ok: false, message: `argument ${show(key)} ${problem}` }
    values[key] = a[key] as ArgValue
  }
  for (const [name, p] of schema.properties) {
    if (!(name in values) && p.default !== undefined) values[name] = p.default
  }
  return { ok: true, values }
}

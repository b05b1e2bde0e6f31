/**
 * @module mcp/manifest
 * The tool manifest: the non-confidential half of an MCP server, shipped with the plugin.
 * It names the server, describes each tool (name, description, JSON Schema input, the
 * template it renders, a generic fallback text) and holds the generic instructions used
 * when the daemon's are unavailable. Schemas and routing come only from here, never from
 * the daemon. Loading is strict and bounded: every error names the file and the field, and
 * no input (huge, deeply nested, a FIFO, not UTF-8, prototype keys) can hang or crash us.
 *
 * Errors never quote the file: BRIEFD_TOOLS may point at a secret (`/etc/shadow`, a key, a
 * JSON credentials file), and stderr ends up in host logs. They give the position instead:
 * line and column for bad JSON, the field path and the key's ordinal for a field, the rule
 * a value breaks. What the author typed is named only where it can hold nothing else: a key
 * a typo away from an allowed field (see unknownKey), a property name that passed the
 * property-name rule inside an `inputSchema`, a `{{placeholder}}` of a tool's fallback
 * (identifier characters only, in a file already shaped as a manifest).
 */
import { closeSync, constants, fstatSync, openSync } from 'node:fs'
import { BriefdError, errnoCode } from '../shared/errors.js'
import { describeJsonSyntaxError } from '../shared/json-syntax.js'
import { readFully } from '../shared/secure-fs.js'
import { suggest } from '../shared/suggest.js'
import { TEMPLATE_NAME_RE } from '../shared/template-name.js'
import { placeholdersOf } from './render.js'
import { parseInputSchema, type InputSchema } from './input-schema.js'

export interface ToolAnnotations {
  title?: string
  readOnlyHint?: boolean
  destructiveHint?: boolean
  idempotentHint?: boolean
  openWorldHint?: boolean
}

export interface ManifestTool {
  name: string
  title?: string
  description: string
  inputSchema: InputSchema
  /** Name of the daemon template this tool renders. */
  template: string
  /** Generic text (placeholders allowed) used when the template is unavailable. */
  fallback: string
  annotations?: ToolAnnotations
  /**
   * OAuth scopes (space-separated, RFC 6749 §3.3) a principal needs to see and call this
   * tool on the daemon's `/mcp`; `briefd mcp` ignores it (its session token holds every scope).
   */
  scope?: string
}

export interface ManifestBriefing {
  /** Name of the built-in read-only tool that returns the briefing; null: no tool. */
  tool: string | null
  /** Name of the MCP prompt that returns the briefing; null: no prompt. */
  prompt: string | null
  description: string
  fallback: string
}

export interface Manifest {
  /** Where it was loaded from (for messages). */
  source: string
  server: { name: string; version: string; title?: string }
  /** Generic instructions, used when the daemon's are unavailable. */
  instructions: { fallback: string }
  briefing: ManifestBriefing
  tools: readonly ManifestTool[]
}

export const MAX_MANIFEST_BYTES = 1024 * 1024
const MAX_TOOLS = 128
const MAX_TEXT = 64 * 1024
/** MCP tool names: letters, digits, `_`, `-`, `.` (1–128; we keep to 64). */
export const TOOL_NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/
/** One or more RFC 6749 scope tokens, separated by single spaces. */
const SCOPE_RE = /^[\x21\x23-\x5B\x5D-\x7E]+(?: [\x21\x23-\x5B\x5D-\x7E]+)*$/

const DEFAULT_BRIEFING: ManifestBriefing = {
  tool: 'read_briefing',
  prompt: 'briefing',
  description:
    'Read the full briefing: the detailed guidance behind the server instructions. Read-only.',
  fallback:
    'The full briefing is unavailable right now. Follow the server instructions you already have.',
}

type Obj = Record<string, unknown>

/** A key that reads as a field name (not a blob of text), short enough to echo back. */
const FIELD_NAME_RE = /^[A-Za-z_$][A-Za-z0-9_$.-]{0,63}$/

/**
 * Names an unknown key. A key a typo away from an allowed field (`inputSchma`) is the
 * author's misspelling of that field and holds nothing but its name: it is named, with the
 * field meant. Any other key is named by its place (`key 3 of 5`): the file may be any JSON
 * (a credentials file under BRIEFD_TOOLS), and its keys are not ours to print.
 */
function unknownKey(key: string, index: number, count: number, allowed: readonly string[]): string {
  const close = FIELD_NAME_RE.test(key) ? suggest(key, allowed) : undefined
  return close
    ? `has an unknown field "${key}"; did you mean ${close}? (allowed: ${allowed.join(', ')})`
    : `has an unknown field (key ${index + 1} of ${count}; allowed: ${allowed.join(', ')})`
}

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

class Fields {
  readonly source: string

  constructor(source: string) {
    this.source = source
  }

  fail(field: string, why: string): never {
    throw new BriefdError('ERR_MANIFEST_INVALID', `tool manifest ${this.source}: ${field}: ${why}`)
  }

  object(v: unknown, field: string, allowed: readonly string[]): Obj {
    if (!isObject(v)) this.fail(field, 'must be an object')
    const keys = Object.keys(v)
    const bad = keys.findIndex((key) => !allowed.includes(key))
    if (bad >= 0) this.fail(field, unknownKey(keys[bad] as string, bad, keys.length, allowed))
    return v
  }

  text(
    v: unknown,
    field: string,
    o: { max?: number; optional?: boolean; re?: RegExp; rule?: string } = {},
  ): string | undefined {
    if (v === undefined && o.optional) return undefined
    if (typeof v !== 'string' || v.trim() === '') this.fail(field, 'must be a non-empty string')
    if (v.length > (o.max ?? MAX_TEXT))
      this.fail(field, `must be at most ${o.max ?? MAX_TEXT} characters`)
    if (o.re && !o.re.test(v)) this.fail(field, `is not valid (${o.rule ?? o.re.source})`)
    return v
  }

  required(
    v: unknown,
    field: string,
    o: { max?: number; re?: RegExp; rule?: string } = {},
  ): string {
    return this.text(v, field, o) as string
  }
}

function parseAnnotations(f: Fields, v: unknown, field: string): ToolAnnotations | undefined {
  if (v === undefined) return undefined
  const a = f.object(v, field, [
    'title',
    'readOnlyHint',
    'destructiveHint',
    'idempotentHint',
    'openWorldHint',
  ])
  const out: ToolAnnotations = {}
  const title = f.text(a.title, `${field}.title`, { optional: true, max: 256 })
  if (title !== undefined) out.title = title
  for (const hint of [
    'readOnlyHint',
    'destructiveHint',
    'idempotentHint',
    'openWorldHint',
  ] as const) {
    if (a[hint] === undefined) continue
    if (typeof a[hint] !== 'boolean') f.fail(`${field}.${hint}`, 'must be true or false')
    out[hint] = a[hint]
  }
  return out
}

function parseTool(f: Fields, v: unknown, field: string): ManifestTool {
  const t = f.object(v, field, [
    'name',
    'title',
    'description',
    'template',
    'inputSchema',
    'fallback',
    'annotations',
    'scope',
  ])
  const name = f.required(t.name, `${field}.name`, {
    max: 64,
    re: TOOL_NAME_RE,
    rule: '1–64 letters, digits, "_", "-" or "."',
  })
  const inputSchema = parseInputSchema(
    t.inputSchema ?? { type: 'object' },
    `tool manifest ${f.source}: ${field}.inputSchema`,
    `tool ${name}`,
  )
  const fallback = f.required(t.fallback, `${field}.fallback`)
  const placeholders = placeholdersOf(fallback)
  // Placeholder names are identifiers (PLACEHOLDER_RE) in the author's own manifest: named.
  const undeclared = placeholders.find((p) => !inputSchema.properties.has(p))
  if (undeclared !== undefined) {
    const properties = [...inputSchema.properties.keys()]
    const close = suggest(undeclared, properties)
    f.fail(
      `${field}.fallback`,
      `placeholder {{${undeclared}}} names no property of inputSchema (${properties.length ? `properties: ${properties.join(', ')}` : 'it has none'}${close ? `; did you mean {{${close}}}?` : ''})`,
    )
  }
  const tool: ManifestTool = {
    name,
    description: f.required(t.description, `${field}.description`),
    inputSchema,
    template: f.required(t.template, `${field}.template`, {
      max: 64,
      re: TEMPLATE_NAME_RE,
      rule: '1–64 letters, digits, "_" or "-"',
    }),
    fallback,
  }
  const title = f.text(t.title, `${field}.title`, { optional: true, max: 256 })
  if (title !== undefined) tool.title = title
  const annotations = parseAnnotations(f, t.annotations, `${field}.annotations`)
  if (annotations) tool.annotations = annotations
  const scope = f.text(t.scope, `${field}.scope`, {
    optional: true,
    max: 512,
    re: SCOPE_RE,
    rule: 'OAuth scope tokens separated by single spaces',
  })
  if (scope !== undefined) tool.scope = scope
  return tool
}

function parseBriefing(f: Fields, v: unknown): ManifestBriefing {
  if (v === undefined) return DEFAULT_BRIEFING
  const b = f.object(v, 'briefing', ['tool', 'prompt', 'description', 'fallback'])
  const name = (x: unknown, field: string): string | null =>
    x === null
      ? null
      : x === undefined
        ? DEFAULT_BRIEFING[field as 'tool' | 'prompt']
        : f.required(x, `briefing.${field}`, {
            max: 64,
            re: TOOL_NAME_RE,
            rule: '1–64 letters, digits, "_", "-" or "."',
          })
  return {
    tool: name(b.tool, 'tool'),
    prompt: name(b.prompt, 'prompt'),
    description:
      f.text(b.description, 'briefing.description', { optional: true }) ??
      DEFAULT_BRIEFING.description,
    fallback:
      f.text(b.fallback, 'briefing.fallback', { optional: true }) ?? DEFAULT_BRIEFING.fallback,
  }
}

/** Validates parsed manifest JSON. Throws ERR_MANIFEST_INVALID naming `source` and the field. */
export function parseManifest(raw: unknown, source: string): Manifest {
  const f: Fields = new Fields(source)
  const m = f.object(raw, '(top level)', ['$schema', 'server', 'instructions', 'briefing', 'tools'])
  const s = f.object(m.server, 'server', ['name', 'version', 'title'])
  const server: Manifest['server'] = {
    name: f.required(s.name, 'server.name', { max: 128 }),
    version: f.required(s.version, 'server.version', { max: 64 }),
  }
  const serverTitle = f.text(s.title, 'server.title', { optional: true, max: 256 })
  if (serverTitle !== undefined) server.title = serverTitle
  const i = f.object(m.instructions, 'instructions', ['fallback'])
  const instructions = { fallback: f.required(i.fallback, 'instructions.fallback') }
  const briefing = parseBriefing(f, m.briefing)
  if (!Array.isArray(m.tools)) f.fail('tools', 'must be a list')
  if (m.tools.length > MAX_TOOLS)
    f.fail('tools', `has ${m.tools.length} tools; at most ${MAX_TOOLS} are allowed`)
  const tools = m.tools.map((t, n) => parseTool(f, t, `tools[${n}]`))
  const names = new Map<string, string>(briefing.tool ? [[briefing.tool, 'briefing.tool']] : [])
  tools.forEach((t, n) => {
    const first = names.get(t.name)
    if (first === 'briefing.tool')
      f.fail(`tools[${n}].name`, "is the briefing tool's name (briefing.tool): rename one of them")
    if (first !== undefined) f.fail(`tools[${n}].name`, `is used twice (the same as ${first})`)
    names.set(t.name, `tools[${n}].name`)
  })
  return { source, server, instructions, briefing, tools }
}

/** Reads a file as UTF-8 without following it into a FIFO or device, within `maxBytes`. */
function readBoundedText(path: string, maxBytes: number): string {
  let fd: number
  try {
    // O_NONBLOCK: a FIFO planted at the path must not block the open.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (err) {
    const code = errnoCode(err)
    throw new BriefdError(
      'ERR_MANIFEST_INVALID',
      `tool manifest ${path} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`}`,
      { cause: err },
    )
  }
  try {
    const st = fstatSync(fd)
    if (!st.isFile())
      throw new BriefdError('ERR_MANIFEST_INVALID', `tool manifest ${path} is not a regular file`)
    if (st.size > maxBytes)
      throw new BriefdError(
        'ERR_MANIFEST_INVALID',
        `tool manifest ${path} is ${st.size} bytes; at most ${maxBytes} are allowed`,
      )
    const buf = readFully(fd, st.size)
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf)
    } catch {
      throw new BriefdError('ERR_MANIFEST_INVALID', `tool manifest ${path} is not UTF-8 text`)
    }
  } finally {
    closeSync(fd)
  }
}

/** Loads and validates a manifest file. */
export function loadManifest(path: string): Manifest {
  const text = readBoundedText(path, MAX_MANIFEST_BYTES)
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    // Never JSON.parse's own message: it quotes the text, and the path may name a secret file.
    const why = err instanceof RangeError ? 'is nested too deeply' : describeJsonSyntaxError(text)
    throw new BriefdError('ERR_MANIFEST_INVALID', `tool manifest ${path} ${why}`)
  }
  return parseManifest(raw, path)
}

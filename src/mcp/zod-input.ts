/**
 * @module mcp/zod-input
 * The zod schema `createMcpServer` gives the SDK's `McpServer` for a manifest tool. zod's
 * `fromJSONSchema` turns a `pattern` into a native RegExp, which backtracks for exponential
 * time on patterns like `^(\w|\d)+$`, and the SDK runs it on the model's arguments before
 * any briefd code sees them. So zod gets the schema without its patterns, and the patterns
 * are carried as metadata only, for `tools/list` to publish them as written. They are still
 * enforced: the tool's handler runs `checkArguments`, which matches them with re2js.
 */
import type * as zod from 'zod'
import type { InputSchema } from '../briefing/input-schema.js'

type Json = Record<string, unknown>
type Zod = typeof zod.z

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A property schema (the subset: flat, with `items` one level down) without `pattern`. */
function withoutPattern(property: unknown): unknown {
  if (!isObject(property)) return property
  const { pattern: _pattern, ...rest } = property
  return isObject(rest.items) ? { ...rest, items: withoutPattern(rest.items) } : rest
}

/** The schema under `.optional()` and `.default()`, which `fromJSONSchema` adds outside. */
function unwrap(schema: zod.ZodType): zod.ZodType {
  let s = schema
  while ('unwrap' in s && typeof s.unwrap === 'function' && !('element' in s)) {
    s = (s as { unwrap(): zod.ZodType }).unwrap()
  }
  return s
}

function publishPattern(z: Zod, schema: zod.ZodType, pattern: string): void {
  z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), pattern })
}

/** The zod schema for a checked `inputSchema`: every keyword but `pattern`, which is metadata. */
export function zodInputSchema(z: Zod, input: InputSchema): zod.ZodType {
  const json = input.json
  const properties = isObject(json.properties) ? json.properties : {}
  const stripped: Json = {
    ...json,
    ...(json.properties === undefined
      ? {}
      : {
          properties: Object.fromEntries(
            Object.entries(properties).map(([name, p]) => [name, withoutPattern(p)]),
          ),
        }),
  }
  const schema = z.fromJSONSchema(stripped as Parameters<Zod['fromJSONSchema']>[0])
  const shape = (schema as zod.ZodObject).shape
  for (const [name, p] of input.properties) {
    const field = shape[name]
    if (field === undefined) continue
    const inner = unwrap(field)
    if (p.pattern) publishPattern(z, inner, p.pattern.source)
    if (p.items?.pattern && 'element' in inner)
      publishPattern(z, unwrap(inner.element as zod.ZodType), p.items.pattern.source)
  }
  return schema
}

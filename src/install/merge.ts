/**
 * @module install/merge
 * Pure edits of a parsed config: add briefd's entries next to whatever is there, or remove
 * exactly the entries briefd added. Nothing else in the file is touched; another server or
 * hook with the same shape stays, one with our name but other content is a conflict.
 */
import { isDeepStrictEqual } from 'node:util'
import { BriefdError } from '../shared/errors.js'
import { isObject, type JsonObject, type JsonValue } from './json-file.js'

/** What briefd added to one file, enough to take it out again. */
export interface Additions {
  mcpServer?: { name: string; entry: JsonObject }
  hooks?: { event: string; group: JsonObject }[]
  lists?: { path: string[]; values: string[] }[]
}

/** The object at `path`, created (and reported in `created`) where missing. */
function objectAt(root: JsonObject, path: string[], file: string, created: string[][]): JsonObject {
  let cur = root
  for (let i = 0; i < path.length; i++) {
    const key = path[i] as string
    const next = cur[key]
    if (next === undefined) {
      const fresh: JsonObject = {}
      cur[key] = fresh
      created.push(path.slice(0, i + 1))
      cur = fresh
    } else if (isObject(next)) {
      cur = next
    } else {
      throw new BriefdError(
        'ERR_INSTALL_FAILED',
        `${file}: "${path.slice(0, i + 1).join('.')}" is not an object; nothing was changed`,
      )
    }
  }
  return cur
}

function arrayAt(root: JsonObject, path: string[], file: string, created: string[][]): JsonValue[] {
  const parent = objectAt(root, path.slice(0, -1), file, created)
  const key = path[path.length - 1] as string
  const v = parent[key]
  if (v === undefined) {
    const fresh: JsonValue[] = []
    parent[key] = fresh
    created.push(path)
    return fresh
  }
  if (!Array.isArray(v))
    throw new BriefdError(
      'ERR_INSTALL_FAILED',
      `${file}: "${path.join('.')}" is not a list; nothing was changed`,
    )
  return v
}

/** Adds what is missing; returns whether anything changed. Throws on a name conflict. */
export function applyAdditions(
  config: JsonObject,
  add: Additions,
  file: string,
  created: string[][] = [],
): boolean {
  let changed = false
  if (add.mcpServer) {
    const servers = objectAt(config, ['mcpServers'], file, created)
    const existing = servers[add.mcpServer.name]
    if (existing === undefined) {
      servers[add.mcpServer.name] = add.mcpServer.entry
      changed = true
    } else if (!isDeepStrictEqual(existing, add.mcpServer.entry)) {
      throw new BriefdError(
        'ERR_INSTALL_FAILED',
        `${file} already has an MCP server named "${add.mcpServer.name}" that briefd did not write; choose another name with --name (nothing was changed)`,
      )
    }
  }
  for (const h of add.hooks ?? []) {
    const groups = arrayAt(config, ['hooks', h.event], file, created)
    if (!groups.some((g) => isDeepStrictEqual(g, h.group))) {
      groups.push(h.group)
      changed = true
    }
  }
  for (const l of add.lists ?? []) {
    const list = arrayAt(config, l.path, file, created)
    for (const v of l.values) {
      if (!list.includes(v)) {
        list.push(v)
        changed = true
      }
    }
  }
  return changed
}

function getAt(root: JsonObject, path: string[]): JsonValue | undefined {
  let cur: JsonValue | undefined = root
  for (const key of path) {
    if (!isObject(cur)) return undefined
    cur = cur[key]
  }
  return cur
}

function deleteAt(root: JsonObject, path: string[]): void {
  const parent = getAt(root, path.slice(0, -1))
  if (isObject(parent)) delete parent[path[path.length - 1] as string]
}

/** Removes exactly what `add` describes, then the containers install created if now empty. */
export function removeAdditions(config: JsonObject, add: Additions, created: string[][]): boolean {
  let changed = false
  if (add.mcpServer) {
    const servers = getAt(config, ['mcpServers'])
    if (isObject(servers) && isDeepStrictEqual(servers[add.mcpServer.name], add.mcpServer.entry)) {
      delete servers[add.mcpServer.name]
      changed = true
    }
  }
  for (const h of add.hooks ?? []) {
    const groups = getAt(config, ['hooks', h.event])
    if (Array.isArray(groups)) {
      const i = groups.findIndex((g) => isDeepStrictEqual(g, h.group))
      if (i >= 0) {
        groups.splice(i, 1)
        changed = true
      }
    }
  }
  for (const l of add.lists ?? []) {
    const list = getAt(config, l.path)
    if (Array.isArray(list)) {
      for (const v of l.values) {
        const i = list.indexOf(v)
        if (i >= 0) {
          list.splice(i, 1)
          changed = true
        }
      }
    }
  }
  // Deepest first, so a parent empties after its children are gone.
  for (const path of [...created].sort((a, b) => b.length - a.length)) {
    const v = getAt(config, path)
    if ((Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0))
      deleteAt(config, path)
  }
  return changed
}

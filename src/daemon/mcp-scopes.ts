/**
 * @module daemon/mcp-scopes
 * Which scopes a tool of the manifest needs on `/mcp`: those the manifest gives it (`scope`)
 * plus those the access policy asks for the document it reads (its template, or the briefing
 * for the briefing tool). `tools/list` shows a principal only the tools it holds all of these
 * for, and a `tools/call` of any other tool is an HTTP 403 naming them.
 */
import type { Manifest } from '../briefing/manifest.js'
import { BriefdError } from '../shared/errors.js'
import { missingScopes, type Principal } from '../shared/principal.js'
import type { DocumentPolicy } from './auth/authorize.js'

/** Tool name → the scopes it needs; tools not in the manifest are absent. */
export function toolScopes(manifest: Manifest, policy: DocumentPolicy): Map<string, string[]> {
  const scopes = new Map<string, string[]>()
  for (const t of manifest.tools) {
    const own = t.scope ? t.scope.split(' ') : []
    scopes.set(t.name, [...new Set([...own, ...policy.requiredScopes(`templates/${t.template}`)])])
  }
  if (manifest.briefing.tool)
    scopes.set(manifest.briefing.tool, [...policy.requiredScopes('briefing')])
  return scopes
}

/** May the principal call this tool? (A tool the manifest does not have: the SDK answers it.) */
export function mayCall(scopes: Map<string, string[]>, p: Principal, tool: string): boolean {
  const needed = scopes.get(tool)
  return needed === undefined || missingScopes(p, needed).length === 0
}

/** Throws the 403 `insufficient_scope` (with every scope the tool needs) unless the principal may call it. */
export function assertMayCall(scopes: Map<string, string[]>, p: Principal, tool: string): void {
  const needed = scopes.get(tool)
  if (needed === undefined) return
  const missing = missingScopes(p, needed)
  if (missing.length > 0)
    throw new BriefdError('ERR_SCOPE_INSUFFICIENT', `tool call needs scope ${missing.join(' ')}`, {
      details: { scope: needed.join(' ') },
    })
}

/**
 * @module access/parse
 * Validates the JSON of access.json into a plain, frozen description of the policy. Strict, so
 * a typo cannot silently loosen access: an unknown key, a scope that is not an RFC 6749
 * scope-token, or a glob that could never name a document is refused. Every refusal is one
 * BriefdError (ERR_ACCESS_POLICY_INVALID) naming the file and the field path, and never the
 * values found there: a misplaced secret in the file must not end up in a log. A key is named
 * only when it is short printable ASCII; otherwise it is named by its position.
 */
import { BriefdError } from '../shared/errors.js'
import { TEMPLATE_NAME_RE } from '../shared/template-name.js'

/** A claim: one name for a top-level claim, or a path into nested objects (Keycloak roles). */
export type ClaimPath = readonly string[]

export interface AccessPolicyConfig {
  readonly defaultScope: string
  /** Document name or glob → the scope it needs, in file order. */
  readonly documents: ReadonlyMap<string, string>
  readonly roles: {
    readonly claim: ClaimPath
    readonly map: ReadonlyMap<string, readonly string[]>
  }
  readonly tenants: { readonly claim: ClaimPath }
}

export const DEFAULT_SCOPE = 'briefd:read'
export const DEFAULT_ROLES_CLAIM = 'roles'
export const DEFAULT_TENANT_CLAIM = 'tenant'
/** Documents that are not templates; `preamble` may be served on its own some day. */
export const FIXED_DOCUMENTS = ['instructions', 'voice', 'briefing', 'preamble'] as const
export const TEMPLATES_PREFIX = 'templates/'

/** Bounds that keep a runaway file from costing memory or per-request time. */
const MAX_ENTRIES = 1024
const MAX_SCOPES_PER_ROLE = 64
const MAX_CLAIM_DEPTH = 8
const MAX_TOKEN_LENGTH = 256
const MAX_ROLE_LENGTH = 256

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). Also the rule for claim names. */
const SCOPE_TOKEN_RE = /^[\x21\x23-\x5b\x5d-\x7e]+$/
/** `templates/` + 1–64 template-name characters or `*`. */
const TEMPLATE_GLOB_RE = /^[A-Za-z0-9_*-]{1,64}$/
/** Keys safe to show in a message: short printable ASCII without quotes or backslashes. */
const QUOTABLE_RE = /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,64}$/
const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/
const CONTROL_RE = /[\x00-\x1f\x7f]/

/** The one error a bad policy file produces. `details.reason` is the message without the file. */
export function policyError(file: string, reason: string): BriefdError {
  return new BriefdError('ERR_ACCESS_POLICY_INVALID', `${file}: ${reason}`, {
    details: { reason },
  })
}

/** `scopes.documents["templates/x"]`, or `[entry 3]` for a key not safe to show. */
function child(path: string, key: string, index: number): string {
  if (IDENTIFIER_RE.test(key)) return path === '' ? key : `${path}.${key}`
  return `${path}[${QUOTABLE_RE.test(key) ? `"${key}"` : `entry ${index + 1}`}]`
}

type Obj = Readonly<Record<string, unknown>>

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Whether `s` is an RFC 6749 scope-token the daemon accepts (never `offline_access`). */
export function isScopeToken(s: string): boolean {
  return s.length <= MAX_TOKEN_LENGTH && SCOPE_TOKEN_RE.test(s) && s !== 'offline_access'
}

/** Whether `key` is a document name, or `templates/` + a glob of template-name characters. */
export function isDocumentKey(key: string): boolean {
  if ((FIXED_DOCUMENTS as readonly string[]).includes(key)) return true
  if (!key.startsWith(TEMPLATES_PREFIX)) return false
  const rest = key.slice(TEMPLATES_PREFIX.length)
  if (!TEMPLATE_GLOB_RE.test(rest) || rest.includes('**')) return false
  // Without a wildcard it must be a real template name (no leading `-` or `_`).
  return rest.includes('*') || TEMPLATE_NAME_RE.test(rest)
}

class Parser {
  readonly file: string

  constructor(file: string) {
    this.file = file
  }

  fail(path: string, problem: string): never {
    throw policyError(this.file, `${path} ${problem}`)
  }

  /** The entries of an object at `path`, refusing keys outside `allowed` (when given). */
  entries(v: unknown, path: string, allowed?: readonly string[]): [string, unknown, number][] {
    if (!isObject(v)) this.fail(path, 'must be an object')
    const out = Object.keys(v).map((k, i): [string, unknown, number] => [k, v[k], i])
    if (out.length > MAX_ENTRIES) this.fail(path, `has more than ${MAX_ENTRIES} entries`)
    if (allowed) {
      for (const [k, , i] of out) {
        if (!allowed.includes(k))
          this.fail(child(path, k, i), `is not a setting (expected ${allowed.join(', ')})`)
      }
    }
    return out
  }

  scope(v: unknown, path: string): string {
    if (v === 'offline_access')
      this.fail(path, 'must not be offline_access (the daemon serves documents, not refreshes)')
    if (typeof v !== 'string' || !isScopeToken(v))
      this.fail(
        path,
        `must be a scope string (1-${MAX_TOKEN_LENGTH} printable ASCII characters, no spaces, quotes or backslashes)`,
      )
    return v
  }

  claim(v: unknown, path: string, fallback: string): ClaimPath {
    if (v === undefined) return [fallback]
    const list: unknown[] = typeof v === 'string' ? [v] : Array.isArray(v) ? v : []
    const names: string[] = []
    // An index loop, not every(): a sparse array's holes must count as bad names.
    for (let i = 0; i < list.length; i++) {
      const n = list[i]
      if (typeof n === 'string' && n.length <= MAX_TOKEN_LENGTH && SCOPE_TOKEN_RE.test(n))
        names.push(n)
    }
    if (names.length === 0 || names.length !== list.length || names.length > MAX_CLAIM_DEPTH)
      this.fail(
        path,
        `must be a claim name, or a list of up to ${MAX_CLAIM_DEPTH} names for a nested claim (printable ASCII, no spaces, quotes or backslashes)`,
      )
    return Object.freeze(names)
  }

  scopes(v: unknown): { defaultScope: string; documents: Map<string, string> } {
    const documents = new Map<string, string>()
    if (v === undefined) return { defaultScope: DEFAULT_SCOPE, documents }
    const fields = new Map(
      this.entries(v, 'scopes', ['default', 'documents']).map(([k, x]) => [k, x]),
    )
    const d = fields.get('default')
    const defaultScope = d === undefined ? DEFAULT_SCOPE : this.scope(d, 'scopes.default')
    const docs = fields.get('documents')
    if (docs !== undefined) {
      for (const [key, value, i] of this.entries(docs, 'scopes.documents')) {
        const path = child('scopes.documents', key, i)
        if (!isDocumentKey(key))
          this.fail(
            path,
            'is not a document name or glob (instructions, voice, briefing, preamble, or templates/<name> where * matches any characters; ** is not allowed)',
          )
        documents.set(key, this.scope(value, path))
      }
    }
    return { defaultScope, documents }
  }

  roles(v: unknown): AccessPolicyConfig['roles'] {
    const map = new Map<string, readonly string[]>()
    if (v === undefined) return { claim: [DEFAULT_ROLES_CLAIM], map }
    const fields = new Map(this.entries(v, 'roles', ['claim', 'map']).map(([k, x]) => [k, x]))
    const claim = this.claim(fields.get('claim'), 'roles.claim', DEFAULT_ROLES_CLAIM)
    const m = fields.get('map')
    if (m !== undefined) {
      for (const [role, value, i] of this.entries(m, 'roles.map')) {
        const path = child('roles.map', role, i)
        if (role.length === 0 || role.length > MAX_ROLE_LENGTH || CONTROL_RE.test(role))
          this.fail(
            path,
            `is not a role name (1-${MAX_ROLE_LENGTH} characters, no control characters)`,
          )
        if (!Array.isArray(value) || value.length > MAX_SCOPES_PER_ROLE)
          this.fail(path, `must be a list of at most ${MAX_SCOPES_PER_ROLE} scope strings`)
        const scopes: string[] = []
        for (let j = 0; j < value.length; j++) scopes.push(this.scope(value[j], `${path}[${j}]`))
        map.set(role, Object.freeze([...new Set(scopes)]))
      }
    }
    return { claim, map }
  }

  tenants(v: unknown): AccessPolicyConfig['tenants'] {
    if (v === undefined) return { claim: [DEFAULT_TENANT_CLAIM] }
    const fields = new Map(this.entries(v, 'tenants', ['claim']).map(([k, x]) => [k, x]))
    return { claim: this.claim(fields.get('claim'), 'tenants.claim', DEFAULT_TENANT_CLAIM) }
  }
}

/**
 * Validates parsed JSON as an access policy; throws ERR_ACCESS_POLICY_INVALID naming `file`
 * and the field. Every key is optional: `{}` is the default policy.
 */
export function parseAccessPolicy(raw: unknown, file: string): AccessPolicyConfig {
  const p = new Parser(file)
  if (!isObject(raw)) throw policyError(file, 'must hold a JSON object')
  const top = new Map(p.entries(raw, '', ['scopes', 'roles', 'tenants']).map(([k, v]) => [k, v]))
  const { defaultScope, documents } = p.scopes(top.get('scopes'))
  return Object.freeze({
    defaultScope,
    documents,
    roles: Object.freeze(p.roles(top.get('roles'))),
    tenants: Object.freeze(p.tenants(top.get('tenants'))),
  })
}

/** The policy when there is no access.json: every document needs `briefd:read`. */
export const DEFAULT_POLICY_CONFIG: AccessPolicyConfig = parseAccessPolicy({}, 'access.json')

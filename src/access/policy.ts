/**
 * @module access/policy
 * Who may read which document, from `access.json` in the content dir: the scope each document
 * needs, roles mapped to scopes (for authorization servers that issue roles, not scopes), and
 * the claim that names a principal's tenant. `canRead` is the one place that decides; routes
 * ask it, never the scopes directly, so local and remote credentials follow one rule.
 *
 * Which rule applies to a document: an exact key (`templates/verdict`) beats any glob; among
 * globs, the one with the longest literal prefix (the characters before its first `*`) wins,
 * then the one with more literal characters, then the first in code-unit order (so the
 * result never depends on the order of keys in the file); with no match, `scopes.default`.
 *
 * The file is read once, at start (`briefd content check` reads it too): a changed policy
 * takes effect on restart, and a bad one stops the daemon from starting rather than serving
 * with a looser policy than the author wrote.
 */
import { missingScopes, type Principal } from '../shared/principal.js'
import { BriefdError } from '../shared/errors.js'
import { TEMPLATE_NAME_RE } from '../shared/template-name.js'
import { bySpecificity, compileGlob, type Glob } from './glob.js'
import {
  DEFAULT_POLICY_CONFIG,
  FIXED_DOCUMENTS,
  TEMPLATES_PREFIX,
  type AccessPolicyConfig,
  type ClaimPath,
} from './parse.js'
import { readAccessPolicyConfig } from './read.js'

export { ACCESS_FILE, readAccessPolicyConfig } from './read.js'

/** A document name: `instructions`, `voice`, `briefing`, `preamble` or `templates/<name>`. */
export type DocumentName = (typeof FIXED_DOCUMENTS)[number] | `templates/${string}`

/** The claims of a verified credential (a JWT payload, or what an API key records). */
export type Claims = Readonly<Record<string, unknown>>

/** Document names whose scope is remembered; template names come from URLs, so it is bounded. */
const MEMO_LIMIT = 4096

const MALFORMED = Symbol('malformed')

/** The claim at `path`; undefined when absent, MALFORMED when a step on the way is no object. */
function claimAt(claims: Claims, path: ClaimPath): unknown {
  let node: unknown = claims
  for (const name of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return MALFORMED
    // Own properties only: a claim named `__proto__` or `constructor` must not reach Object's.
    if (!Object.hasOwn(node, name)) return undefined
    node = (node as Record<string, unknown>)[name]
  }
  return node
}

export class AccessPolicy {
  readonly config: AccessPolicyConfig
  readonly #exact = new Map<string, readonly string[]>()
  readonly #globs: { glob: Glob; scopes: readonly string[] }[] = []
  readonly #memo = new Map<string, readonly string[]>()
  readonly #default: readonly string[]
  readonly #supported: readonly string[]

  constructor(config: AccessPolicyConfig = DEFAULT_POLICY_CONFIG) {
    this.config = config
    // One frozen list per rule, so answering a request allocates nothing.
    this.#default = Object.freeze([config.defaultScope])
    for (const [key, scope] of config.documents) {
      const scopes = Object.freeze([scope])
      if (key.includes('*')) this.#globs.push({ glob: compileGlob(key), scopes })
      else this.#exact.set(key, scopes)
    }
    this.#globs.sort((a, b) => bySpecificity(a.glob, b.glob))
    this.#supported = this.#computeSupported()
  }

  /** The scope a principal needs to read `document` (see the module comment for precedence). */
  requiredScope(document: string): string {
    return this.requiredScopes(document)[0] ?? this.config.defaultScope
  }

  /**
   * The scopes `document` needs, as daemon/auth/authorize asks for them (one today; a list so
   * a 403 can name every scope a request needs).
   */
  requiredScopes(document: string): readonly string[] {
    const exact = this.#exact.get(document)
    if (exact !== undefined) return exact
    const memo = this.#memo.get(document)
    if (memo !== undefined) return memo
    let scopes = this.#default
    for (const g of this.#globs) {
      if (g.glob.matches(document)) {
        scopes = g.scopes
        break
      }
    }
    if (this.#memo.size < MEMO_LIMIT) this.#memo.set(document, scopes)
    return scopes
  }

  /**
   * Whether `principal` may read `document`, by the rule daemon/auth/authorize enforces on
   * the routes: the bootstrap credential reads no document; a principal without a scope set
   * (a local session token) reads everything, as before remote mode; any other needs every
   * scope the document needs. Ask before looking the document up, so a principal without the
   * scope gets the same refusal whether or not the document exists (no enumeration).
   */
  canRead(principal: Principal, document: string): boolean {
    if (principal.kind === 'bootstrap') return false
    return (
      principal.scopes === undefined ||
      missingScopes(principal, this.requiredScopes(document)).length === 0
    )
  }

  /**
   * The scopes the roles claim grants: a role name or a list of them, each mapped through
   * `roles.map`. Unknown roles, and anything in the claim that is not a string, grant nothing.
   * A string is one role, never split on spaces (Keycloak role names may contain them).
   */
  scopesFromRoles(claims: Claims): readonly string[] {
    const out = new Set<string>()
    const value = claimAt(claims, this.config.roles.claim)
    const roles = typeof value === 'string' ? [value] : Array.isArray(value) ? value : []
    for (const role of roles) {
      if (typeof role !== 'string') continue
      for (const s of this.config.roles.map.get(role) ?? []) out.add(s)
    }
    // A list, each scope once: what the access-token verifier's `rolesToScopes` takes.
    return [...out]
  }

  /**
   * The principal's tenant from the verified claims, or undefined when the claim is absent.
   * A present claim that is not a valid tenant name (checked like a template name, so it can
   * never traverse out of `tenants/`) refuses the credential: ignoring it would hand a
   * tenant's user the shared documents, and quietly so.
   */
  tenantOf(claims: Claims): string | undefined {
    const value = claimAt(claims, this.config.tenants.claim)
    if (value === undefined) return undefined
    if (typeof value === 'string' && TEMPLATE_NAME_RE.test(value)) return value
    throw new BriefdError(
      'ERR_CREDENTIAL_TENANT_INVALID',
      `the credential's ${this.config.tenants.claim.join('.')} claim is not a valid tenant name (1-64 letters, digits, "_" or "-")`,
    )
  }

  /** The minimal, sorted set of scopes some document needs (RFC 9728 `scopes_supported`). */
  scopesSupported(): readonly string[] {
    return this.#supported
  }

  #computeSupported(): readonly string[] {
    const used = new Set(this.config.documents.values())
    // The default is needed unless every document has a rule of its own: each fixed name
    // exactly, and every template through `templates/*`.
    const allFixed = FIXED_DOCUMENTS.every((d) => this.#exact.has(d))
    const allTemplates = this.config.documents.has(`${TEMPLATES_PREFIX}*`)
    if (!allFixed || !allTemplates) used.add(this.config.defaultScope)
    return Object.freeze([...used].sort())
  }
}

/** Loads the access policy of the content dir `dir` (see readAccessPolicyConfig). */
export function loadAccessPolicy(dir: string): AccessPolicy {
  return new AccessPolicy(readAccessPolicyConfig(dir))
}

/**
 * @module content/store
 * The confidential documents, read from the content dir and kept in memory. Edits take
 * effect without a restart: a directory watcher drops cached documents at once, and every
 * cached document is re-checked against the files' stat at least once a second in case the
 * watcher missed something (network file systems, a replaced directory).
 *
 * Tenants: `tenants/<t>/instructions.md`, `voice.md`, `briefing.md` and `templates/<name>.md`
 * overlay the shared documents for principals of tenant `<t>` (the preamble stays shared). A
 * template in one tenant's folder is not found for anyone else, exactly as a template that
 * does not exist. A tenant without a folder sees the shared documents. The tenant comes from
 * the verified credential; the list of folders is re-read when the directory changes, so a
 * lookup with a tenant costs one map lookup more than one without.
 */
import { createHash } from 'node:crypto'
import { type FSWatcher, statSync, watch } from 'node:fs'
import { join } from 'node:path'
import { BriefdError } from '../shared/errors.js'
import type { Logger } from '../shared/log.js'
import { readContentFile, statContentFile } from './files.js'
import type { ManifestInputs } from './check.js'
import { assertTemplateName } from './names.js'
import { TenantFolders, TENANTS_DIR } from './tenants.js'
import { unfilledPlaceholderFindings } from './placeholders.js'

/** A document as served: its text, a strong ETag, and the JSON body ready to send. */
export interface ContentDocument {
  name: string
  content: string
  etag: string
  /** `{"name","content","etag"}`, serialised once per version rather than per request. */
  json: string
}

/** The files a document is made of, relative to the content dir. */
export const CONTENT_FILES = {
  preamble: 'preamble.md',
  instructions: 'instructions.md',
  voice: 'voice.md',
  briefing: 'briefing.md',
  templatesDir: 'templates',
  tenantsDir: TENANTS_DIR,
} as const

interface Cached {
  doc: ContentDocument | undefined
  deps: { rel: string; stamp: string }[]
  generation: number
  checkedAt: number
}

export interface ContentStoreOptions {
  dir: string
  logger: Logger
  /** How often a cached document is re-checked against disk without a watcher event. */
  revalidateMs?: number
  /** Watch the directory for changes (default true). */
  watch?: boolean
  now?: () => number
  /** Warn when a reload makes preamble + instructions longer than this (the host's limit). */
  instructionsLimit?: number
  /** Warn when a reloaded template uses a placeholder its tools do not fill. */
  manifest?: ManifestInputs
}

/** Combines the confidentiality preamble with an instruction document. */
export function withPreamble(preamble: string | undefined, body: string): string {
  return preamble === undefined || preamble.trim() === ''
    ? body
    : `${preamble.trimEnd()}\n\n${body}`
}

export function etagOf(content: string): string {
  return `"${createHash('sha256').update(content).digest('base64url').slice(0, 27)}"`
}

/** How long after its last modification a content file counts as still being written. */
export const QUIET_MS = 100

export class ContentStore {
  readonly dir: string
  readonly #logger: Logger
  readonly #revalidateMs: number
  readonly #now: () => number
  readonly #instructionsLimit: number | undefined
  readonly #manifest: ManifestInputs | undefined
  readonly #cache = new Map<string, Cached>()
  readonly #watchers: FSWatcher[] = []
  readonly #tenants: TenantFolders<Cached>
  #generation = 0

  constructor(options: ContentStoreOptions) {
    this.dir = options.dir
    this.#logger = options.logger
    this.#revalidateMs = options.revalidateMs ?? 1000
    this.#now = options.now ?? (() => Date.now())
    this.#instructionsLimit = options.instructionsLimit
    this.#manifest = options.manifest
    assertContentDir(this.dir)
    const watching = options.watch ?? true
    if (watching) {
      this.#watch(this.dir)
      this.#watch(join(this.dir, CONTENT_FILES.templatesDir))
      this.#watch(join(this.dir, CONTENT_FILES.tenantsDir))
    }
    this.#tenants = new TenantFolders<Cached>({
      dir: this.dir,
      logger: this.#logger,
      revalidateMs: this.#revalidateMs,
      generation: () => this.#generation,
      ...(watching ? { watch: (path: string) => this.#watch(path, []) } : {}),
    })
  }

  /** Watches `path`, bumping the generation on any event; returns `into`. */
  #watch(path: string, into: FSWatcher[] = this.#watchers): FSWatcher[] {
    try {
      const w = watch(path, { persistent: false }, () => {
        this.#generation++
      })
      w.on('error', () => {
        // The directory went away; the periodic stat check keeps us correct without it.
        this.#generation++
        w.close()
      })
      into.push(w)
    } catch (err) {
      // No watcher (missing templates dir, inotify limit): the stat re-check still applies.
      this.#logger.debug(
        `content: not watching ${path} (${err instanceof Error ? err.message : String(err)})`,
      )
    }
    return into
  }

  /**
   * Preamble + instructions: the text meant for `InitializeResult.instructions`. With a
   * `tenant` (from a verified credential), that tenant's own instructions when it has them.
   */
  instructions(tenant?: string): ContentDocument | undefined {
    return this.#prose('instructions', CONTENT_FILES.instructions, tenant)
  }

  voice(tenant?: string): ContentDocument | undefined {
    return this.#prose('voice', CONTENT_FILES.voice, tenant)
  }

  briefing(tenant?: string): ContentDocument | undefined {
    return this.#prose('briefing', CONTENT_FILES.briefing, tenant)
  }

  /**
   * A tool response template (the tenant's own first, when it has a folder); throws
   * ERR_CONTENT_NAME_INVALID for an illegal name.
   */
  template(name: string, tenant?: string): ContentDocument | undefined {
    assertTemplateName(name)
    const rel = `${CONTENT_FILES.templatesDir}/${name}.md`
    const view = tenant === undefined ? undefined : this.#tenants.get(tenant, this.#now())
    if (view === undefined) return this.#get(name, [rel], ([body]) => body, `t:${name}`)
    return this.#get(name, [view.dir + rel, rel], overlay, `t:${name}`, view.cache)
  }

  /** The tenants that have a folder (sorted), as of the last look at `tenants/`. */
  tenants(): string[] {
    return this.#tenants.names(this.#now())
  }

  #prose(name: string, rel: string, tenant: string | undefined): ContentDocument | undefined {
    const view = tenant === undefined ? undefined : this.#tenants.get(tenant, this.#now())
    if (view === undefined) {
      return this.#get(name, [CONTENT_FILES.preamble, rel], ([preamble, body]) =>
        body === undefined ? undefined : withPreamble(preamble, body),
      )
    }
    return this.#get(
      name,
      [CONTENT_FILES.preamble, view.dir + rel, rel],
      ([preamble, own, shared]) => {
        const body = own ?? shared
        return body === undefined ? undefined : withPreamble(preamble, body)
      },
      name,
      view.cache,
    )
  }

  /** `cache`: the shared documents' cache, or a tenant's own (so its keys need no prefix). */
  #get(
    name: string,
    rels: string[],
    compose: (files: (string | undefined)[]) => string | undefined,
    key: string = name,
    cache: Map<string, Cached> = this.#cache,
  ): ContentDocument | undefined {
    const now = this.#now()
    const cached = cache.get(key)
    if (cached && cached.generation === this.#generation) {
      if (now - cached.checkedAt < this.#revalidateMs) return cached.doc
      if (cached.deps.every((d) => statContentFile(this.dir, d.rel) === d.stamp)) {
        cached.checkedAt = now
        return cached.doc
      }
    }
    const generation = this.#generation
    const files = rels.map((rel) => readContentFile(this.dir, rel))
    // An editor that rewrites a file in place (truncate, then write) leaves moments where the
    // file looks complete but is partial. A file modified in the last QUIET_MS counts as still
    // being written: keep serving the complete version we have (re-checked on the next
    // request). With no earlier version, the stat-checked read is the best there is.
    const wall = Date.now()
    if (cached?.doc && files.some((f) => f !== undefined && wall - f.mtimeMs < QUIET_MS)) {
      cached.checkedAt = -Infinity
      return cached.doc
    }
    const content = compose(files.map((f) => f?.text))
    const doc = content === undefined ? undefined : makeDocument(name, content)
    // Bound the cache: unknown template names must not grow it without limit.
    // The daemon checked the content at start; an edit since (a reload) is checked here.
    if (cached && doc && doc.etag !== cached.doc?.etag) this.#checkReload(key, name, doc)
    if (doc === undefined && cache.size > 1000) return undefined
    cache.set(key, {
      doc,
      deps: rels.map((rel, i) => ({ rel, stamp: files[i]?.stamp ?? 'missing' })),
      generation,
      checkedAt: now,
    })
    if (cache.size > 2000) cache.delete(cache.keys().next().value as string)
    return doc
  }

  #checkReload(key: string, name: string, doc: ContentDocument): void {
    const limit = this.#instructionsLimit
    if (key === 'instructions' && limit !== undefined && doc.content.length > limit)
      this.#logger.warn(
        `content: ${join(this.dir, CONTENT_FILES.instructions)}: reloaded; preamble + instructions are now ${doc.content.length} characters; the host cuts them at ${limit} (move the rest to ${CONTENT_FILES.briefing})`,
      )
    if (key.startsWith('t:') && this.#manifest)
      for (const f of unfilledPlaceholderFindings(
        this.dir,
        name,
        doc.content,
        this.#manifest.inputs,
        this.#manifest.source,
      ))
        this.#logger.warn(`content: ${f.file}: reloaded; ${f.message}`)
  }

  close(): void {
    for (const w of this.#watchers) w.close()
    this.#watchers.length = 0
    this.#tenants.close()
  }
}

/** A tenant's own file when it has one, else the shared one. */
const overlay = ([own, shared]: (string | undefined)[]): string | undefined => own ?? shared

function makeDocument(name: string, content: string): ContentDocument {
  const etag = etagOf(content)
  return { name, content, etag, json: JSON.stringify({ name, content, etag }) }
}

/** Throws ERR_CONTENT_DIR_MISSING unless `dir` is a readable directory. */
export function assertContentDir(dir: string): void {
  let ok = false
  try {
    ok = statSync(dir).isDirectory()
  } catch {
    ok = false
  }
  if (!ok)
    throw new BriefdError(
      'ERR_CONTENT_DIR_MISSING',
      `content dir ${dir} does not exist or is not a directory (set --content or BRIEFD_CONTENT_DIR)`,
    )
}

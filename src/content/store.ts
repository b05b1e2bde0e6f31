/**
 * @module content/store
 * The confidential documents, read from the content dir and kept in memory. Edits take
 * effect without a restart: a directory watcher drops cached documents at once, and every
 * cached document is re-checked against the files' stat at least once a second in case the
 * watcher missed something (network file systems, a replaced directory).
 */
import { createHash } from 'node:crypto'
import { type FSWatcher, statSync, watch } from 'node:fs'
import { join } from 'node:path'
import { BriefdError } from '../shared/errors.js'
import type { Logger } from '../shared/log.js'
import { readContentFile, statContentFile } from './files.js'
import type { ManifestInputs } from './check.js'
import { assertTemplateName } from './names.js'
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
  return preamble === undefined || preamble.trim() === '' ? body : `${preamble.trimEnd()}\n\n${body}`
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
  #generation = 0

  constructor(options: ContentStoreOptions) {
    this.dir = options.dir
    this.#logger = options.logger
    this.#revalidateMs = options.revalidateMs ?? 1000
    this.#now = options.now ?? (() => Date.now())
    this.#instructionsLimit = options.instructionsLimit
    this.#manifest = options.manifest
    assertContentDir(this.dir)
    if (options.watch ?? true) {
      this.#watch(this.dir)
      this.#watch(join(this.dir, CONTENT_FILES.templatesDir))
    }
  }

  #watch(path: string): void {
    try {
      const w = watch(path, { persistent: false }, () => {
        this.#generation++
      })
      w.on('error', () => {
        // The directory went away; the periodic stat check keeps us correct without it.
        this.#generation++
        w.close()
      })
      this.#watchers.push(w)
    } catch (err) {
      // No watcher (missing templates dir, inotify limit): the stat re-check still applies.
      this.#logger.debug(`content: not watching ${path} (${err instanceof Error ? err.message : String(err)})`)
    }
  }

  /** Preamble + instructions: the text meant for `InitializeResult.instructions`. */
  instructions(): ContentDocument | undefined {
    return this.#get('instructions', [CONTENT_FILES.preamble, CONTENT_FILES.instructions], (files) => {
      const [preamble, body] = files
      return body === undefined ? undefined : withPreamble(preamble, body)
    })
  }

  voice(): ContentDocument | undefined {
    return this.#get('voice', [CONTENT_FILES.preamble, CONTENT_FILES.voice], ([preamble, body]) =>
      body === undefined ? undefined : withPreamble(preamble, body),
    )
  }

  briefing(): ContentDocument | undefined {
    return this.#get('briefing', [CONTENT_FILES.preamble, CONTENT_FILES.briefing], ([preamble, body]) =>
      body === undefined ? undefined : withPreamble(preamble, body),
    )
  }

  /** A tool response template; throws ERR_CONTENT_NAME_INVALID for an illegal name. */
  template(name: string): ContentDocument | undefined {
    assertTemplateName(name)
    return this.#get(name, [`${CONTENT_FILES.templatesDir}/${name}.md`], ([body]) => body, `t:${name}`)
  }

  #get(name: string, rels: string[], compose: (files: (string | undefined)[]) => string | undefined, key: string = name): ContentDocument | undefined {
    const now = this.#now()
    const cached = this.#cache.get(key)
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
    if (doc === undefined && this.#cache.size > 1000) return undefined
    this.#cache.set(key, {
      doc,
      deps: rels.map((rel, i) => ({ rel, stamp: files[i]?.stamp ?? 'missing' })),
      generation,
      checkedAt: now,
    })
    if (this.#cache.size > 2000) this.#cache.delete(this.#cache.keys().next().value as string)
    return doc
  }

  #checkReload(key: string, name: string, doc: ContentDocument): void {
    const limit = this.#instructionsLimit
    if (key === 'instructions' && limit !== undefined && doc.content.length > limit)
      this.#logger.warn(
        `content: ${join(this.dir, CONTENT_FILES.instructions)}: reloaded; preamble + instructions are now ${doc.content.length} characters; the host cuts them at ${limit} (move the rest to ${CONTENT_FILES.briefing})`,
      )
    if (key.startsWith('t:') && this.#manifest)
      for (const f of unfilledPlaceholderFindings(this.dir, name, doc.content, this.#manifest.inputs, this.#manifest.source))
        this.#logger.warn(`content: ${f.file}: reloaded; ${f.message}`)
  }

  close(): void {
    for (const w of this.#watchers) w.close()
    this.#watchers.length = 0
  }
}

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
  if (!ok) throw new BriefdError('ERR_CONTENT_DIR_MISSING', `content dir ${dir} does not exist or is not a directory (set --content or BRIEFD_CONTENT_DIR)`)
}

/**
 * @module content/check
 * `briefd content check` and the daemon's start-up warnings: is the content dir complete,
 * and does preamble + instructions fit the host's instruction limit? Claude Code cuts server
 * instructions at 2,048 characters and replaces the rest with "… [truncated]"; anything
 * longer belongs in briefing.md, which is delivered through a tool instead. It also warns when
 * other local users can read or change the content (see content/permissions). Each tenant
 * folder `tenants/<t>/` is checked with the same rules as the shared documents. (`access.json`
 * is checked by access/check, which may read content/ but not the other way round.)
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { BriefdError, errnoCode } from '../shared/errors.js'
import { currentUid } from '../shared/secure-fs.js'
import { readContentFile } from './files.js'
import { isValidTemplateName } from './names.js'
import { contentExposure } from './permissions.js'
import { unfilledPlaceholderFindings, type TemplateInputs } from './placeholders.js'
import { CONTENT_FILES, assertContentDir, withPreamble } from './store.js'
import { scanTenants } from './tenants.js'

export const DEFAULT_INSTRUCTIONS_LIMIT = 2048

export interface ContentFinding {
  level: 'error' | 'warning'
  file: string
  message: string
  /** A one-line command that fixes it, when there is one. */
  fix?: string
}

/** One line for logs and `briefd content check`: the file, the problem, and the fix. */
export function describeFinding(f: ContentFinding): string {
  return `${f.file}: ${f.message}${f.fix ? ` (fix: ${f.fix})` : ''}`
}

export interface ContentReport {
  dir: string
  instructionsLength: number
  instructionsLimit: number
  templates: string[]
  /** Tenant folders served, each with the templates of its own. */
  tenants: { name: string; templates: string[] }[]
  findings: ContentFinding[]
}

/** Files a tenant folder may hold besides `templates/`; anything else is not served. */
const TENANT_FILES: readonly string[] = [
  CONTENT_FILES.instructions,
  CONTENT_FILES.voice,
  CONTENT_FILES.briefing,
]
/** The tools manifest a content dir is served with, to check templates against. */
export interface ManifestInputs {
  /** The manifest's path, for messages. */
  source: string
  inputs: TemplateInputs
}

/** Checks a content dir; never returns any of its text. */
export function checkContent(
  dir: string,
  instructionsLimit = DEFAULT_INSTRUCTIONS_LIMIT,
  manifest?: ManifestInputs,
): ContentReport {
  assertContentDir(dir)
  const findings: ContentFinding[] = []
  const exposed = exposureFinding(dir)
  if (exposed) findings.push(exposed)
  const read = (rel: string): string | undefined => {
    try {
      return readContentFile(dir, rel)?.text
    } catch (err) {
      findings.push({
        level: 'error',
        file: join(dir, rel),
        message: err instanceof BriefdError ? err.message : String(err),
      })
      return undefined
    }
  }
  const preamble = read(CONTENT_FILES.preamble)
  const instructions = read(CONTENT_FILES.instructions)
  if (preamble === undefined) {
    findings.push({
      level: 'warning',
      file: join(dir, CONTENT_FILES.preamble),
      message: 'no confidentiality preamble; instruction documents are served without one',
    })
  }
  let instructionsLength = 0
  if (instructions === undefined) {
    findings.push({
      level: 'error',
      file: join(dir, CONTENT_FILES.instructions),
      message: 'missing: sessions would get no instructions',
    })
  } else {
    instructionsLength = withPreamble(preamble, instructions).length
    if (instructionsLength > instructionsLimit) {
      findings.push({
        level: 'error',
        file: join(dir, CONTENT_FILES.instructions),
        message: `preamble + instructions are ${instructionsLength} characters; the host cuts them at ${instructionsLimit} (move the rest to ${CONTENT_FILES.briefing})`,
      })
    }
  }
  for (const optional of [CONTENT_FILES.voice, CONTENT_FILES.briefing]) {
    if (read(optional) === undefined && !findings.some((f) => f.file === join(dir, optional))) {
      findings.push({ level: 'warning', file: join(dir, optional), message: 'missing (optional)' })
    }
  }
  const templates = listTemplates(dir, CONTENT_FILES.templatesDir, read, findings, true, manifest)
  const tenants = checkTenants(dir, preamble, instructionsLimit, read, findings, manifest)
  return { dir, instructionsLength, instructionsLimit, templates, tenants, findings }
}

type Read = (rel: string) => string | undefined

/** The servable templates in `rel` (a templates dir), with a warning for each unusable name. */
function listTemplates(
  dir: string,
  rel: string,
  read: Read,
  findings: ContentFinding[],
  required: boolean,
  manifest?: ManifestInputs,
): string[] {
  const templates: string[] = []
  const tdir = join(dir, rel)
  let entries: string[] = []
  try {
    entries = readdirSync(tdir)
  } catch (err) {
    const code = errnoCode(err)
    if (code !== 'ENOENT' || required)
      findings.push({
        level: 'warning',
        file: tdir,
        message: code === 'ENOENT' ? 'no templates dir' : `unreadable (${code ?? String(err)})`,
      })
  }
  for (const entry of entries.sort()) {
    if (!entry.endsWith('.md')) continue
    const name = entry.slice(0, -3)
    if (!isValidTemplateName(name)) {
      findings.push({
        level: 'warning',
        file: join(tdir, entry),
        message: 'not served: template names are letters, digits, "_" and "-"',
      })
      continue
    }
    const text = read(`${rel}/${entry}`)
    if (text === undefined) continue
    templates.push(name)
    if (manifest)
      findings.push(
        ...unfilledPlaceholderFindings(dir, name, text, manifest.inputs, manifest.source),
      )
  }
  return templates
}

/** Each tenant folder: readable, instructions within the limit, nothing that is not served. */
function checkTenants(
  dir: string,
  preamble: string | undefined,
  instructionsLimit: number,
  read: Read,
  findings: ContentFinding[],
  manifest?: ManifestInputs,
): ContentReport['tenants'] {
  const scan = scanTenants(dir)
  for (const { entry, reason } of scan.ignored) {
    findings.push({ level: 'warning', file: join(dir, entry), message: `ignored: ${reason}` })
  }
  return scan.tenants.map((name) => {
    const base = `${CONTENT_FILES.tenantsDir}/${name}`
    const instructions = read(`${base}/${CONTENT_FILES.instructions}`)
    const length = instructions === undefined ? 0 : withPreamble(preamble, instructions).length
    if (length > instructionsLimit) {
      findings.push({
        level: 'error',
        file: join(dir, base, CONTENT_FILES.instructions),
        message: `preamble + instructions are ${length} characters; the host cuts them at ${instructionsLimit} (move the rest to ${CONTENT_FILES.briefing})`,
      })
    }
    for (const f of [CONTENT_FILES.voice, CONTENT_FILES.briefing]) read(`${base}/${f}`)
    let entries: string[] = []
    try {
      entries = readdirSync(join(dir, base))
    } catch {
      // Listed a moment ago; if it went away, there is nothing of it to serve or to check.
    }
    for (const entry of entries.sort()) {
      if (entry === CONTENT_FILES.templatesDir || TENANT_FILES.includes(entry)) continue
      findings.push({
        level: 'warning',
        file: join(dir, base, entry),
        message: `not served: a tenant folder holds only ${TENANT_FILES.join(', ')} and templates/ (the preamble is shared)`,
      })
    }
    const templates = listTemplates(
      dir,
      `${base}/${CONTENT_FILES.templatesDir}`,
      read,
      findings,
      false,
      manifest,
    )
    return { name, templates }
  })
}

const octal = (mode: number): string => mode.toString(8).padStart(4, '0')
const entries = (n: number, truncated: boolean): string =>
  `${truncated ? 'at least ' : ''}${n} ${n === 1 ? 'entry' : 'entries'}`

/**
 * One warning for the whole dir, however many entries are affected (a per-file line would
 * bury everything else at start-up): how many, the first one, and the command that fixes it.
 */
function exposureFinding(dir: string): ContentFinding | undefined {
  const uid = currentUid()
  const e = contentExposure(dir, uid)
  const problems: string[] = []
  const fixes: string[] = []
  if (e.firstOpen) {
    problems.push(
      `${entries(e.open, e.truncated)} open to group or others, so other local users can read the confidential content (first: ${e.firstOpen.path}, mode ${octal(e.firstOpen.mode)})`,
    )
    fixes.push(`chmod -R go-rwx ${dir}`)
  }
  if (e.firstForeign) {
    problems.push(
      `${entries(e.foreign, e.truncated)} owned by another user, who can change them (first: ${e.firstForeign.path}, uid ${e.firstForeign.uid}; you are uid ${uid})`,
    )
    fixes.push(`chown -R ${uid} ${dir}`)
  }
  if (!problems.length) return undefined
  return { level: 'warning', file: dir, message: problems.join('; '), fix: fixes.join(' && ') }
}

/**
 * @module plugin/content-guard
 * Keeps the content dir out of a plugin that `briefd plugin build` writes. Two kinds of
 * check: where things are (the output inside the content dir, the content dir inside the
 * output, the manifest being one of the content's files) and what the files say (no line
 * of any content file appears in any file about to be written, so content pasted into a
 * manifest's description is caught too). Messages name the files, never a line of content.
 */
import { lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs'
import { join, relative, isAbsolute, sep } from 'node:path'
import { BriefdError, errnoCode } from '../shared/errors.js'

/** Lines shorter than this are headings and list markers that any text may share. */
const MIN_LINE = 24
/** Bounds a walk of a mistaken content dir (the home dir, say). */
const MAX_FILES = 2000
const MAX_FILE_BYTES = 1024 * 1024

/** True when `inner` is `outer` or below it (both real paths). */
export function isInside(inner: string, outer: string): boolean {
  const rel = relative(outer, inner)
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))
}

/** The real path of `path`, or of its nearest existing ancestor joined with the rest. */
export function realPathOrAncestor(path: string): string {
  try {
    return realpathSync(path)
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err
    const parent = join(path, '..')
    if (parent === path) return path
    return join(realPathOrAncestor(parent), path.slice(parent.length + 1))
  }
}

/** Refuses an output dir and a content dir that contain one another, or a manifest inside the content. */
export function checkPlacement(o: { out: string; contentDir: string; manifest: string }): void {
  const out = realPathOrAncestor(o.out)
  const content = realpathSync(o.contentDir)
  if (isInside(out, content))
    throw new BriefdError(
      'ERR_PLUGIN_UNSAFE',
      `--out ${o.out} is inside the content dir ${o.contentDir}: the plugin would ship the content; build it elsewhere`,
    )
  if (isInside(content, out))
    throw new BriefdError(
      'ERR_PLUGIN_UNSAFE',
      `the content dir ${o.contentDir} is inside --out ${o.out}: the plugin would ship the content; move the content dir out of it`,
    )
  if (isInside(realpathSync(o.manifest), content))
    throw new BriefdError(
      'ERR_PLUGIN_UNSAFE',
      `--manifest ${o.manifest} is inside the content dir ${o.contentDir}: keep the manifest (which ships) apart from the content (which must not)`,
    )
}

/** Whitespace and markdown markers dropped, JSON escapes undone: how a line may reappear. */
export function normalise(text: string): string {
  return text
    .replace(/\\[nrt]/g, ' ')
    .replace(/\\"/g, '"')
    .replace(/\s+/g, ' ')
}

function contentFiles(dir: string, found: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    const st = lstatSync(path)
    if (st.isDirectory()) contentFiles(path, found)
    else if (st.isFile() && st.size <= MAX_FILE_BYTES) found.push(path)
    if (found.length > MAX_FILES)
      throw new BriefdError(
        'ERR_PLUGIN_UNSAFE',
        `the content dir ${dir} holds more than ${MAX_FILES} files; is --content the right dir?`,
      )
  }
  return found
}

/** Each content file with its distinctive lines, normalised. */
export function contentLines(contentDir: string): { file: string; lines: string[] }[] {
  return contentFiles(contentDir).map((file) => ({
    file,
    lines: readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => normalise(l.replace(/^\s*(?:[#>*-]+|\d+\.)\s*/, '')).trim())
      .filter((l) => l.length >= MIN_LINE),
  }))
}

/** Refuses when any file to be written holds a line of the content. */
export function checkNoContentInside(
  contentDir: string,
  files: readonly { path: string; data: string | Uint8Array }[],
): void {
  const content = contentLines(contentDir)
  for (const f of files) {
    const text = normalise(
      typeof f.data === 'string' ? f.data : Buffer.from(f.data).toString('utf8'),
    )
    for (const c of content) {
      if (c.lines.some((line) => text.includes(line)))
        throw new BriefdError(
          'ERR_PLUGIN_UNSAFE',
          `${f.path} would hold a line of the content file ${c.file}: a plugin must ship no content; remove it from the manifest`,
        )
    }
  }
}

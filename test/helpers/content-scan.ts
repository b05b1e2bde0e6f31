/**
 * The content leak scan: overlapping 32-character pieces of every line of a content dir
 * (markdown markers dropped, whitespace and JSON escapes flattened) searched for in every
 * file under a directory. Used on the built code, the npm package and a built plugin.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

const WINDOW = 32
const STEP = 8

/** Every file under `dir` (following no special cases: the dirs scanned are ours). */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })
}

export const normalise = (text: string): string =>
  text.replace(/\\[nrt]/g, ' ').replace(/\s+/g, ' ')

/** Overlapping pieces of every line of the content in `contentDir`. */
export function contentPieces(contentDir: string): string[] {
  const pieces = new Set<string>()
  for (const path of filesUnder(contentDir)) {
    for (const raw of readFileSync(path, 'utf8').split('\n')) {
      const line = normalise(raw.replace(/^\s*(#+|-|\d+\.)\s*/, '')).trim()
      if (line.length < WINDOW) continue
      for (let i = 0; i + WINDOW <= line.length; i += STEP) pieces.add(line.slice(i, i + WINDOW))
      pieces.add(line.slice(line.length - WINDOW))
    }
  }
  return [...pieces]
}

/** `file: "piece"` for every piece found in a file under `root` ([] when none). */
export function leaks(pieces: string[], root: string): string[] {
  const found: string[] = []
  for (const path of filesUnder(root)) {
    const text = normalise(readFileSync(path, 'utf8'))
    for (const p of pieces)
      if (text.includes(p)) found.push(`${path.slice(root.length + 1)}: ${JSON.stringify(p)}`)
  }
  return found
}

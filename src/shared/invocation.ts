/**
 * @module shared/invocation
 * How to tell the user to run briefd again: `briefd` when that name on PATH is this very
 * briefd, else the way this process was started (`node bin/briefd.js`). A hint or a fix that
 * says `briefd …` when no `briefd` is on PATH (a checkout, before `npm link`) fails when pasted.
 */
import { accessSync, constants, realpathSync } from 'node:fs'
import { delimiter, isAbsolute, join, relative } from 'node:path'
import type { Env } from './paths.js'

/** POSIX shell single-quoting, for a path pasted into a shell. */
function quote(s: string): string {
  return /^[A-Za-z0-9_/.:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}

function real(path: string): string | undefined {
  try {
    return realpathSync(path)
  } catch {
    return undefined
  }
}

/** The first executable `name` on PATH, or undefined. */
export function onPath(name: string, env: Env = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

/**
 * The command line that runs this briefd: `briefd`, or `node <script>` (relative to `cwd`
 * when the script is below it). `argv` is process.argv's shape: [node, script, …].
 */
export function briefdInvocation(
  argv: readonly string[] = process.argv,
  env: Env = process.env,
  cwd: string = process.cwd(),
): string {
  const script = argv[1]
  if (!script) return 'briefd'
  const found = onPath('briefd', env)
  const self = real(script)
  if (found && self && real(found) === self) return 'briefd'
  const rel = relative(cwd, script)
  const shown = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : script
  const node = onPath('node', env)
  const nodeCmd = node && real(node) === real(process.execPath) ? 'node' : quote(process.execPath)
  return `${nodeCmd} ${quote(shown)}`
}

/**
 * @module host/host-process
 * Which host process (e.g. `claude`) does this process belong to? Token files are keyed by
 * it, so the SessionStart hook and the stdio MCP server of one host find the same file and
 * never another host's. Observed with Claude Code 2.1.197: hooks run as
 * `claude → /bin/sh -c → hook`; the MCP server is a direct child (`claude → node briefd mcp`),
 * or sits behind launchers (`claude → npm exec → sh -c → node briefd mcp`). The host is the
 * nearest ancestor that is not a launcher. Its pid survives `/clear` (the session id does
 * not), and pid + start time never names a later process that reuses the pid.
 */
import { basename } from 'node:path'
import type { HostIdentity } from './token-file.js'
import { defaultProcessReader, type ProcessInfo, type ProcessReader } from './process-table.js'

/**
 * Programs that only start another program on behalf of their parent. They are skipped on
 * the way up because a host reaches its hook and its MCP server through different ones
 * (a hook through `sh -c`, an MCP server through `npx`, or none at all).
 * Matched against argv[0]'s base name, the first word of a rewritten process title
 * (`npm exec briefd`), and the kernel name; a leading `-` (login shell) is ignored.
 */
export const LAUNCHERS: ReadonlySet<string> = new Set([
  // POSIX shells: hooks run through `/bin/sh -c`; wrapper scripts run under their shebang shell.
  'sh',
  'bash',
  'dash',
  'zsh',
  'fish',
  'ksh',
  'mksh',
  'pdksh',
  'ash',
  'busybox',
  'csh',
  'tcsh',
  'yash',
  // Package runners that put a bin on PATH and exec it (npm sets its title to `npm exec …`).
  'npm',
  'npx',
  'pnpm',
  'pnpx',
  'yarn',
  'bunx',
  'corepack',
  // Exec wrappers that adjust the environment, limits or scheduling, then run their argument.
  'env',
  'timeout',
  'nice',
  'nohup',
  'setsid',
  'stdbuf',
  'ionice',
  'chrt',
  'taskset',
  'time',
  'flock',
  // macOS exec wrappers.
  'arch',
  'caffeinate',
])

/**
 * Interpreters whose *script* decides what the process is: `node …/npx-cli.js` is npx,
 * `node …/cli.js` titled `claude` is a host. Only these scripts make an interpreter a launcher.
 */
export const INTERPRETERS: ReadonlySet<string> = new Set(['node', 'nodejs', 'bun'])
export const LAUNCHER_SCRIPTS: ReadonlySet<string> = new Set([
  'npx-cli.js',
  'npm-cli.js',
  'npx',
  'npm',
  'pnpm.cjs',
  'pnpm.mjs',
  'pnpm.js',
  'pnpm',
  'pnpx.cjs',
  'pnpx',
  'yarn.js',
  'yarn.cjs',
  'yarn',
  'corepack.cjs',
  'corepack',
])

/**
 * Process supervisors at pid 1. Reaching one means there is no host above us (a command run
 * from a plain shell under systemd or launchd). Anything else at pid 1 is a real host: a
 * container whose entrypoint is the host itself (`docker run … claude`).
 */
export const INIT_PROCESSES: ReadonlySet<string> = new Set([
  'init',
  'systemd',
  'launchd',
  'tini',
  'docker-init',
  'dumb-init',
  'catatonit',
  's6-svscan',
  'runit',
  'openrc-init',
])

/** The names a process goes by (argv[0] base name, first word of its title, kernel name). */
export function processNames(p: ProcessInfo): string[] {
  const names = new Set<string>()
  const add = (raw: string | undefined): void => {
    if (!raw) return
    const bare = raw.startsWith('-') ? raw.slice(1) : raw // `-bash`: a login shell
    if (bare === '') return
    names.add(basename(bare))
    const first = bare.split(' ')[0]
    if (first !== undefined && first !== bare) names.add(basename(first))
  }
  add(p.argv[0])
  add(p.name)
  return [...names]
}

/** True when `p` is a launcher (see LAUNCHERS) rather than a possible host. */
export function isLauncher(p: ProcessInfo): boolean {
  const names = processNames(p)
  if (names.some((n) => LAUNCHERS.has(n))) return true
  if (!names.some((n) => INTERPRETERS.has(n))) return false
  // `bun x pkg` is bunx.
  if (p.argv[1] === 'x' && names.includes('bun')) return true
  // The first non-option argument is the script: `node --enable-source-maps …/npx-cli.js`.
  const script = p.argv.slice(1).find((a) => !a.startsWith('-'))
  return script !== undefined && LAUNCHER_SCRIPTS.has(basename(script))
}

export interface FindHostOptions {
  /** The process whose host we want; default: this process. */
  pid?: number
  reader?: ProcessReader
}

/** Deeper chains than this are not a host tree we know; give up rather than loop. */
const MAX_ANCESTORS = 64

/**
 * The host of `pid` (default: this process): its nearest ancestor that is not a launcher.
 * Undefined when the chain is unreadable or ends at an init process (no host).
 */
export function findHostProcess(options: FindHostOptions = {}): HostIdentity | undefined {
  const reader = options.reader ?? defaultProcessReader()
  const self = reader.read(options.pid ?? process.pid)
  if (!self) return undefined
  let ppid = self.ppid
  for (let depth = 0; depth < MAX_ANCESTORS && ppid > 0; depth++) {
    const p = reader.read(ppid)
    if (!p) return undefined
    if (p.pid === 1 && processNames(p).some((n) => INIT_PROCESSES.has(n))) return undefined
    if (!isLauncher(p)) return { pid: p.pid, startTime: p.startTime }
    ppid = p.ppid
  }
  return undefined
}

/** True while the process `host` names is still running (same pid *and* start time). */
export function isHostAlive(
  host: HostIdentity,
  reader: ProcessReader = defaultProcessReader(),
): boolean {
  return reader.read(host.pid)?.startTime === host.startTime
}

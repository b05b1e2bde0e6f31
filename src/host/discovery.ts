/**
 * @module host/discovery
 * Finding the token file of this process's host session. `BRIEFD_TOKEN_FILE` wins (other
 * hosts, CI); otherwise the file is `<runtime dir>/host-<pid>-<starttime>.json` for the host
 * process found by `findHostProcess`. Keying by pid *and* start time means two hosts side by
 * side (same terminal, same tmux) get different files, and a file left by a dead host is
 * never matched by a new process that happens to reuse its pid.
 */
import { join, resolve } from 'node:path'
import type { Env } from '../shared/paths.js'
import { findHostProcess } from './host-process.js'
import type { ProcessReader } from './process-table.js'
import { checkRuntimeDir, resolveRuntimeDir } from './runtime-dir.js'
import type { HostIdentity } from './token-file.js'

export interface TokenLocation {
  path: string
  source: 'env' | 'host'
}

/** Token file names in the runtime dir; anything else there is not ours to touch. */
export const HOST_TOKEN_FILE_RE = /^host-([1-9][0-9]{0,9})-([0-9]{1,20})\.json$/

/** `host-<pid>-<starttime>.json`. */
export function tokenFileName(host: HostIdentity): string {
  if (!Number.isSafeInteger(host.pid) || host.pid <= 0 || !/^[0-9]{1,20}$/.test(host.startTime)) {
    throw new TypeError(`not a host identity: ${JSON.stringify(host)}`)
  }
  return `host-${host.pid}-${host.startTime}.json`
}

/** The host a token file name belongs to; undefined for any other name. */
export function parseTokenFileName(name: string): HostIdentity | undefined {
  const m = HOST_TOKEN_FILE_RE.exec(name)
  return m ? { pid: Number(m[1]), startTime: m[2] ?? '' } : undefined
}

/**
 * The explicit token file (`BRIEFD_TOKEN_FILE`), absolute; undefined when not set. Give an
 * absolute path: a hook and an MCP server need not share a working directory.
 */
export function explicitTokenFile(env: Env): string | undefined {
  const v = env.BRIEFD_TOKEN_FILE
  return v !== undefined && v !== '' ? resolve(v) : undefined
}

/** Path of `host`'s token file in `runtimeDir`. */
export function hostTokenPath(runtimeDir: string, host: HostIdentity): string {
  return join(runtimeDir, tokenFileName(host))
}

/**
 * BRIEFD_TOKEN_FILE if set; else the token file of this process's host in the runtime dir;
 * undefined when no host can be determined. Throws BriefdError (ERR_DIR_UNSAFE) for an unsafe
 * runtime dir. Never creates anything.
 */
export function locateTokenFile(
  env: Readonly<Record<string, string | undefined>> = process.env,
): TokenLocation | undefined {
  return locateTokenFileWith(env, {})
}

export interface LocateOptions {
  /** The host to look up instead of discovering it (tests, callers that already know it). */
  host?: HostIdentity
  reader?: ProcessReader
}

/** `locateTokenFile` with the host or the process reader supplied by the caller. */
export function locateTokenFileWith(env: Env, options: LocateOptions): TokenLocation | undefined {
  const explicit = explicitTokenFile(env)
  if (explicit !== undefined) return { path: explicit, source: 'env' }
  const host = options.host ?? findHostProcess(options.reader ? { reader: options.reader } : {})
  if (!host) return undefined
  const dir = resolveRuntimeDir(env)
  // A missing dir is fine (the hook may not have run yet); a foreign or open one is not.
  checkRuntimeDir(dir)
  return { path: hostTokenPath(dir, host), source: 'host' }
}

let processHost: HostIdentity | null | undefined

/**
 * `locateTokenFile` with this process's host looked up once: a process's host never changes,
 * and walking the process table on every daemon request would cost a millisecond or two.
 * The runtime dir is still checked on every call.
 */
export function locateTokenFileForThisProcess(env: Env = process.env): TokenLocation | undefined {
  const explicit = explicitTokenFile(env)
  if (explicit !== undefined) return { path: explicit, source: 'env' }
  if (processHost === undefined) processHost = findHostProcess() ?? null
  if (processHost === null) return undefined
  return locateTokenFileWith(env, { host: processHost })
}

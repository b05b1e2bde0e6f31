/**
 * The real Claude Code CLI for plugin tests, pinned to one version and installed on first
 * use into a cache outside the repository (the package is ~235 MB with its native binary).
 * npm 11 runs no install scripts by default, so the package's postinstall (which copies the
 * platform's native binary over its bin stub) may not have run: the CLI is started through
 * the package's own cli-wrapper.cjs, which finds the platform package's binary itself.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

export const CLAUDE_CODE_VERSION = '2.1.332'

export type ClaudeCode =
  | { ok: true; wrapper: string }
  /** `offline`: the registry could not be reached (the only case a test may skip for). */
  | { ok: false; offline: boolean; reason: string }

const NETWORK_ERROR =
  /\b(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|ECONNRESET|ENETUNREACH|EHOSTUNREACH)\b/

function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache')
  return join(base, 'briefd-test', `claude-code-${CLAUDE_CODE_VERSION}`)
}

/** Installs the pinned CLI if the cache lacks it; says why not when the registry cannot be reached. */
export function ensureClaudeCode(): ClaudeCode {
  const prefix = cacheDir()
  const pkg = join(prefix, 'node_modules', '@anthropic-ai', 'claude-code')
  const wrapper = join(pkg, 'cli-wrapper.cjs')
  if (!existsSync(wrapper)) {
    mkdirSync(prefix, { recursive: true })
    const r = spawnSync(
      'npm',
      [
        'install',
        '--prefix',
        prefix,
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--no-package-lock',
        `@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}`,
      ],
      { encoding: 'utf8', timeout: 280_000 },
    )
    if (r.status !== 0 || !existsSync(wrapper)) {
      const out = `${r.stderr ?? ''}\n${r.error?.message ?? ''}`
      const why =
        out.split('\n').find((l) => /npm error (code|errno|network|request)/.test(l)) ??
        out.trim().split('\n')[0]
      return {
        ok: false,
        offline: NETWORK_ERROR.test(out),
        reason: `cannot install @anthropic-ai/claude-code@${CLAUDE_CODE_VERSION} into ${prefix} (npm exit ${r.status}: ${why})`,
      }
    }
  }
  return { ok: true, wrapper }
}

/** Runs the pinned `claude` with `args` in `cwd`, with `env` only (plus PATH). */
export function runClaude(
  cc: Extract<ClaudeCode, { ok: true }>,
  args: string[],
  o: { cwd: string; env: Record<string, string> },
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [cc.wrapper, ...args], {
    cwd: o.cwd,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      // No update check, telemetry or other calls home: the test machine may be offline.
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      ...o.env,
    },
    encoding: 'utf8',
    timeout: 90_000,
  })
}

/**
 * @module cli/commands/doctor
 * `briefd doctor`: a table of checks, each pass/fail/warn with the fix in one line; exit 1
 * when anything fails (a warning does not). Prints no secret and no content.
 */
import { resolve } from 'node:path'
import { DEFAULT_INSTRUCTIONS_LIMIT } from '../../content/check.js'
import { runDoctor, type CheckStatus } from '../../doctor/run.js'
import { briefdInvocation } from '../../shared/invocation.js'
import { defaultRuntimeDir, defaultStateDir } from '../../shared/paths.js'
import { str } from '../options.js'
import { remoteSetting } from '../../signin/remote-setting.js'

const MARK: Record<CheckStatus, string> = { pass: 'ok  ', fail: 'FAIL', warn: 'warn', skip: 'skip' }

export async function doctorCommand(opts: Record<string, unknown>): Promise<void> {
  const limit = Number(process.env.BRIEFD_INSTRUCTIONS_LIMIT) || DEFAULT_INSTRUCTIONS_LIMIT
  const remote = remoteSetting(str(opts, 'remote'))
  const results = remote
    ? await (
        await import('../../doctor/remote.js')
      ).runRemoteDoctor(remote, {
        skipMcp: opts.mcp === false,
      })
    : await runDoctor({
        stateDir: resolve(str(opts, 'stateDir') ?? defaultStateDir()),
        runtimeDir: resolve(defaultRuntimeDir()),
        projectDir: resolve(str(opts, 'projectDir') ?? process.cwd()),
        instructionsLimit: limit,
        skipMcp: opts.mcp === false,
        cli: briefdInvocation(),
      })
  const width = Math.max(...results.map((r) => r.name.length))
  const lines: string[] = []
  for (const r of results) {
    lines.push(`${MARK[r.status]}  ${r.name.padEnd(width)}  ${r.detail}`)
    if (r.fix && (r.status === 'fail' || r.status === 'warn'))
      lines.push(`${' '.repeat(width + 8)}fix: ${r.fix}`)
  }
  const failed = results.filter((r) => r.status === 'fail').length
  lines.push(failed ? `${failed} check(s) failed` : 'all checks passed')
  process.stdout.write(`${lines.join('\n')}\n`)
  if (failed) process.exitCode = 1
}

/**
 * @module cli/commands/install
 * `briefd install [--project | --user]` and `briefd uninstall`: write (or remove exactly)
 * the MCP server entry, the SessionStart/SessionEnd hooks and the read-deny rules into
 * Claude Code's config files. Never clobbers another server or hook; idempotent.
 */
import { resolve } from 'node:path'
import { installAll, uninstallFile } from '../../install/apply.js'
import { planInstall, type InstallScope } from '../../install/plan.js'
import { BriefdError } from '../../shared/errors.js'
import { defaultRuntimeDir, defaultStateDir } from '../../shared/paths.js'
import { ensurePrivateDir } from '../../shared/secure-fs.js'
import { str } from '../options.js'
import { remoteSetting } from '../../signin/remote-setting.js'
import { credentialsDir, remoteKey } from '../../signin/store.js'

function scopeOf(opts: Record<string, unknown>): InstallScope {
  if (opts.project && opts.user)
    throw new BriefdError('ERR_CONFIG_INVALID', 'choose one of --project and --user')
  return opts.user ? 'user' : 'project'
}

function plans(opts: Record<string, unknown>) {
  const stateDir = resolve(str(opts, 'stateDir') ?? defaultStateDir())
  const content = str(opts, 'content')
  const tools = str(opts, 'tools')
  const remote = remoteSetting(str(opts, 'remote'), {})
  const transport = str(opts, 'transport')
  if (transport !== undefined && transport !== 'stdio' && transport !== 'http')
    throw new BriefdError('ERR_CONFIG_INVALID', '--transport must be stdio or http')
  if (transport !== undefined && !remote)
    throw new BriefdError('ERR_CONFIG_INVALID', '--transport needs --remote URL')
  return {
    stateDir,
    plans: planInstall({
      scope: scopeOf(opts),
      projectDir: resolve(str(opts, 'projectDir') ?? process.cwd()),
      name: str(opts, 'name') ?? 'briefd',
      stateDir,
      runtimeDir: resolve(defaultRuntimeDir()),
      ...(content ? { contentDir: content } : {}),
      ...(tools ? { toolsFile: tools } : {}),
      ...(remote
        ? {
            remote: remoteKey(remote),
            transport: transport === 'http' ? ('http' as const) : ('stdio' as const),
            credentialsDir: resolve(credentialsDir()),
          }
        : {}),
      env: process.env,
    }),
  }
}

export function installCommand(opts: Record<string, unknown>): void {
  const { stateDir, plans: files } = plans(opts)
  ensurePrivateDir(stateDir, { label: 'state dir' })
  for (const r of installAll(stateDir, files))
    process.stdout.write(`${r.outcome === 'added' ? 'updated  ' : 'unchanged'} ${r.path}\n`)
  process.stdout.write(
    'briefd: installed; start a new Claude Code session, then check with: briefd doctor\n',
  )
}

export function uninstallCommand(opts: Record<string, unknown>): void {
  const { stateDir, plans: files } = plans(opts)
  for (const p of files)
    process.stdout.write(`${uninstallFile(stateDir, p.path).padEnd(13)} ${p.path}\n`)
}

/**
 * @module cli/commands/install
 * `briefd install [--project | --user]` and `briefd uninstall`: write (or remove exactly)
 * the MCP server entry, the SessionStart/SessionEnd hooks and the read-deny rules into
 * Claude Code's config files. Never clobbers another server or hook; idempotent. Install
 * refuses a tools manifest that does not load (the server would fail to connect); uninstall
 * finds the install records in whatever state dir install used (install/locate).
 */
import { relative, resolve } from 'node:path'
import { hasRecord, installAll, uninstallFile, type FileOutcome } from '../../install/apply.js'
import { APPROVAL_NOTE, removeApproval } from '../../install/approval.js'
import { mentionsBriefd, stateDirsNamedIn } from '../../install/locate.js'
import { planInstall, type InstallScope } from '../../install/plan.js'
import { loadManifest } from '../../briefing/manifest.js'
import { BriefdError } from '../../shared/errors.js'
import { briefdInvocation } from '../../shared/invocation.js'
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
  const scope = scopeOf(opts)
  const projectDir = resolve(str(opts, 'projectDir') ?? process.cwd())
  const name = str(opts, 'name') ?? 'briefd'
  return {
    scope,
    projectDir,
    name,
    stateDir,
    plans: planInstall({
      scope,
      projectDir,
      name,
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

const LABEL: Partial<Record<FileOutcome, string>> = { created: 'created', added: 'updated' }

export function installCommand(opts: Record<string, unknown>): void {
  const tools = str(opts, 'tools')
  // A manifest that does not load makes `briefd mcp` exit at once: Claude Code would show
  // "✘ Failed to connect". Refuse it here, with the manifest's own one-line error.
  if (tools) loadManifest(resolve(tools))
  const { scope, projectDir, stateDir, plans: files } = plans(opts)
  ensurePrivateDir(stateDir, { label: 'state dir' })
  for (const r of installAll(stateDir, files))
    process.stdout.write(`${(LABEL[r.outcome] ?? 'unchanged').padEnd(9)} ${r.path}\n`)
  if (scope === 'project') {
    const shown = files.map((f) => relative(projectDir, f.path)).join(' and ')
    process.stdout.write(
      `briefd: do not commit ${shown}: they now name paths of this machine (node, this briefd, the state and runtime dirs); each teammate runs briefd install --project\n`,
    )
    process.stdout.write(`${APPROVAL_NOTE}\n`)
  }
  process.stdout.write(
    `briefd: installed; start a new Claude Code session, then check with: ${briefdInvocation()} doctor\n`,
  )
}

export function uninstallCommand(opts: Record<string, unknown>): void {
  const { scope, projectDir, name, stateDir, plans: files } = plans(opts)
  const explicit = str(opts, 'stateDir') !== undefined
  // Where each file's record is, all found before anything changes: the given (or default)
  // state dir first, then the ones the file itself names.
  const where = files.map((p) => {
    const candidates = [stateDir, ...stateDirsNamedIn(p.path).filter((d) => d !== stateDir)]
    const found = explicit ? stateDir : candidates.find((d) => hasRecord(d, p.path))
    if (found === undefined && mentionsBriefd(p.path))
      throw new BriefdError(
        'ERR_INSTALL_FAILED',
        `${p.path} has briefd entries but no install record in ${candidates.join(', ')}; run ${briefdInvocation()} uninstall with the --state-dir you installed with (nothing was changed)`,
      )
    return { path: p.path, stateDir: found ?? stateDir }
  })
  // The approval first: it may be the last thing in .claude/ besides briefd's own file.
  if (scope === 'project')
    for (const path of removeApproval(projectDir, name))
      process.stdout.write(`${'removed'.padEnd(13)} ${path} (approval of ${name})\n`)
  for (const w of where)
    process.stdout.write(`${uninstallFile(w.stateDir, w.path).padEnd(13)} ${w.path}\n`)
}

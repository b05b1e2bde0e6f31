/**
 * @module doctor/run
 * `briefd doctor`: every check that decides whether confidential instructions reach a
 * Claude Code session, each with a one-line fix. Checks that depend on an earlier one
 * (a token needs a daemon) are reported as skipped, not as failures of their own.
 */
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkContent, type ManifestInputs } from '../content/check.js'
import { templateInputsOf } from '../content/placeholders.js'
import { loadManifest } from '../briefing/manifest.js'
import { readLaunchSettings } from '../control/launch-settings.js'
import { daemonRequest, jsonBody } from '../client/daemon-request.js'
import { requestSession, revokeSession, type IssuedSession } from '../client/session-api.js'
import { probeDaemon } from '../control/probe.js'
import { BriefdError } from '../shared/errors.js'
import { STATE_FILES } from '../shared/paths.js'
import { ensurePrivateDir, readSecretFile } from '../shared/secure-fs.js'
import { readBootstrapCredential } from '../shared/state-files.js'
import { findBriefdInClaudeConfig, toolsFileOf } from './claude-config.js'
import { contentPlacement } from './content-placement.js'
import { probeMcpInstructions } from './mcp-probe.js'
import { ROUTES } from '../shared/contract/routes.js'

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip'

export interface CheckResult {
  name: string
  status: CheckStatus
  detail: string
  fix?: string
}

export interface DoctorOptions {
  stateDir: string
  runtimeDir: string
  projectDir: string
  instructionsLimit: number
  /** Skip the `briefd mcp` end-to-end check (it spawns a process). */
  skipMcp?: boolean
  /** How the fixes should run briefd (`briefd`, or `node bin/briefd.js` when not on PATH). */
  cli?: string
}

/** The example manifest `briefd mcp` uses when its entry names none. */
const EXAMPLE_TOOLS = fileURLToPath(new URL('../../examples/tools.json', import.meta.url))

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err))

export async function runDoctor(o: DoctorOptions): Promise<CheckResult[]> {
  const cli = o.cli ?? 'briefd'
  const results: CheckResult[] = []
  const add = (r: CheckResult): CheckResult => {
    results.push(r)
    return r
  }

  const probe = await probeDaemon(o.stateDir, 1000)
  const daemonOk =
    add(
      probe.healthy
        ? {
            name: 'daemon',
            status: 'pass',
            detail: `healthy at ${probe.info?.url} (pid ${probe.info?.pid})`,
          }
        : {
            name: 'daemon',
            status: 'fail',
            detail: probe.alive ? `pid ${probe.info?.pid} does not answer /health` : 'not running',
            fix: `${cli} start --content <dir>  (or ${cli} restart)`,
          },
    ).status === 'pass'

  for (const [label, dir, fixHint] of [
    ['state dir', o.stateDir, `chmod 700 ${o.stateDir}`],
    ['runtime dir', o.runtimeDir, `chmod 700 ${o.runtimeDir}`],
  ] as const) {
    try {
      ensurePrivateDir(dir, { label, create: false })
      add({ name: label, status: 'pass', detail: `${dir}: yours, mode 0700` })
    } catch (err) {
      const missing = message(err).endsWith('does not exist')
      add(
        missing && label === 'runtime dir'
          ? {
              name: label,
              status: 'warn',
              detail: `${dir} does not exist yet (the first session creates it)`,
            }
          : {
              name: label,
              status: 'fail',
              detail: message(err),
              fix: missing ? `${cli} start` : fixHint,
            },
      )
    }
  }

  let bootstrap: string | undefined
  try {
    bootstrap = readBootstrapCredential(o.stateDir)
    readSecretFile(join(o.stateDir, STATE_FILES.keyring), {
      label: 'signing key file',
      maxBytes: 64 * 1024,
    })
    add({
      name: 'credentials',
      status: 'pass',
      detail: 'bootstrap credential and signing keys present, 0600',
    })
  } catch (err) {
    add({
      name: 'credentials',
      status: 'fail',
      detail: message(err),
      fix: `${cli} start (creates them), or fix the mode the message names`,
    })
  }

  // The content dir the running daemon uses, else the one a hook would start it with.
  let contentDir: string | undefined = probe.info?.content_dir || undefined
  if (daemonOk && bootstrap && probe.info) {
    try {
      const s = jsonBody(
        await daemonRequest({
          method: 'GET',
          url: probe.info.url,
          ...(probe.info.socket !== undefined ? { socketPath: probe.info.socket } : {}),
          path: ROUTES.status.path,
          bearer: bootstrap,
          timeoutMs: 1000,
        }),
      )
      if (typeof s.content_dir === 'string') contentDir = s.content_dir
    } catch {
      // daemon.json already named it
    }
  }
  if (!contentDir) {
    try {
      contentDir = readLaunchSettings(o.stateDir).content
    } catch {
      contentDir = undefined
    }
  }
  // The MCP entry as installed, and the manifest it runs with: a template placeholder that
  // manifest's tools do not fill renders empty, and a manifest that does not load fails.
  const cfg = findBriefdInClaudeConfig(o.projectDir)
  const entry = cfg.mcpEntries[0]
  const toolsFile = entry ? toolsFileOf(entry) : undefined
  const manifestSource = toolsFile ? resolve(o.projectDir, toolsFile) : EXAMPLE_TOOLS
  let manifest: ManifestInputs | undefined
  let manifestError: string | undefined
  try {
    manifest = {
      source: manifestSource,
      inputs: templateInputsOf(loadManifest(manifestSource).tools),
    }
  } catch (err) {
    manifestError = message(err)
  }
  try {
    if (!contentDir)
      throw new BriefdError(
        'ERR_CONTENT_DIR_MISSING',
        'no content dir known (no daemon running and none remembered)',
      )
    const report = checkContent(contentDir, o.instructionsLimit, manifest)
    const errors = report.findings.filter((f) => f.level === 'error')
    // Warnings that come with a fix (content other users can read) are worth a warn line;
    // the rest ("optional file missing") are a matter of choice.
    const fixable = report.findings.filter((f) => f.level === 'warning' && f.fix)
    add(
      errors.length
        ? {
            name: 'content',
            status: 'fail',
            detail: errors.map((e) => `${e.file}: ${e.message}`).join('; '),
            fix: `${cli} content check --content ${contentDir}`,
          }
        : fixable.length
          ? {
              name: 'content',
              status: 'warn',
              detail: fixable.map((w) => `${w.file}: ${w.message}`).join('; '),
              fix: fixable.map((w) => w.fix).join('; '),
            }
          : {
              name: 'content',
              status: 'pass',
              detail: `${contentDir}: instructions ${report.instructionsLength}/${report.instructionsLimit} characters, ${report.templates.length} template(s)`,
            },
    )
  } catch (err) {
    add({
      name: 'content',
      status: 'fail',
      detail: message(err),
      fix: `${cli} start --content <dir>`,
    })
  }

  const placement = contentDir === undefined ? undefined : contentPlacement(contentDir)
  if (placement) add({ name: 'content placement', status: 'warn', ...placement })

  const viaPlugin = cfg.plugin.length > 0
  add(
    (cfg.sessionStart.length && cfg.sessionEnd.length) || viaPlugin
      ? {
          name: 'hooks',
          status: 'pass',
          detail: viaPlugin
            ? `briefd plugin enabled in ${cfg.plugin.join(', ')}`
            : `SessionStart in ${cfg.sessionStart.join(', ')}; SessionEnd in ${cfg.sessionEnd.join(', ')}`,
        }
      : {
          name: 'hooks',
          status: 'fail',
          detail: `missing: ${[!cfg.sessionStart.length && 'SessionStart', !cfg.sessionEnd.length && 'SessionEnd'].filter(Boolean).join(' and ')}`,
          fix: `${cli} install --project (or --user)`,
        },
  )
  add(
    entry && manifestError
      ? {
          name: 'mcp entry',
          status: 'fail',
          detail: `${entry.file} ("${entry.name}") runs briefd mcp with a manifest that does not load: ${manifestError}`,
          fix: `fix ${manifestSource}, or ${cli} uninstall, then ${cli} install --tools <a manifest that loads>`,
        }
      : cfg.mcpServer.length || viaPlugin
        ? {
            name: 'mcp entry',
            status: 'pass',
            detail: viaPlugin ? 'from the briefd plugin' : cfg.mcpServer.join(', '),
          }
        : {
            name: 'mcp entry',
            status: 'fail',
            detail: 'no briefd mcp server in .mcp.json or ~/.claude.json',
            fix: `${cli} install --project (or --user)`,
          },
  )
  if (cfg.unreadable.length)
    add({
      name: 'claude config',
      status: 'warn',
      detail: `not valid JSON: ${cfg.unreadable.join(', ')}`,
    })

  let session: IssuedSession | undefined
  if (daemonOk && bootstrap && probe.info) {
    try {
      session = await requestSession({
        url: probe.info.url,
        ...(probe.info.socket !== undefined ? { socketPath: probe.info.socket } : {}),
        bootstrap,
        ttlSeconds: 300,
        timeoutMs: 2000,
      })
      add({ name: 'token', status: 'pass', detail: 'a session token was issued' })
    } catch (err) {
      add({
        name: 'token',
        status: 'fail',
        detail: message(err),
        fix: `${cli} restart; then check the daemon log in the state dir`,
      })
    }
  } else {
    add({
      name: 'token',
      status: 'skip',
      detail: 'needs a running daemon and the bootstrap credential',
    })
  }

  if (o.skipMcp) {
    add({ name: 'briefd mcp', status: 'skip', detail: 'skipped (--no-mcp)' })
  } else if (session && probe.info) {
    try {
      const res = await daemonRequest({
        method: 'GET',
        url: probe.info.url,
        ...(probe.info.socket !== undefined ? { socketPath: probe.info.socket } : {}),
        path: ROUTES.instructions.path,
        bearer: session.token,
        timeoutMs: 2000,
      })
      const expected = res.status === 200 ? jsonBody(res).content : undefined
      if (typeof expected !== 'string')
        throw new BriefdError(
          'ERR_DAEMON_REJECTED',
          `daemon answered ${res.status} for the instructions`,
        )
      // Exactly as installed, when there is an entry: its command, args and env.
      const r = await probeMcpInstructions(
        session,
        probe.info.url,
        expected,
        probe.info.socket,
        10_000,
        entry ? { command: entry.command, args: entry.args, env: entry.env } : undefined,
      )
      add(
        r.ok
          ? { name: 'briefd mcp', status: 'pass', detail: r.detail }
          : {
              name: 'briefd mcp',
              status: 'fail',
              detail: r.detail,
              fix: entry
                ? `run ${[entry.command, ...entry.args].join(' ')} by hand and read its stderr`
                : `run ${cli} mcp by hand and read its stderr warning`,
            },
      )
    } catch (err) {
      add({ name: 'briefd mcp', status: 'fail', detail: message(err) })
    }
  } else {
    add({ name: 'briefd mcp', status: 'skip', detail: 'needs a session token' })
  }
  if (session && probe.info)
    await revokeSession({
      url: probe.info.url,
      ...(probe.info.socket !== undefined ? { socketPath: probe.info.socket } : {}),
      token: session.token,
      timeoutMs: 1000,
    }).catch(() => false)
  return results
}

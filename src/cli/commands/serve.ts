/**
 * @module cli/commands/serve
 * `briefd serve`: the daemon in the foreground. Stops gracefully on SIGINT/SIGTERM
 * (in-flight requests finish); a second signal exits at once.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ManifestInputs } from '../../content/check.js'
import { templateInputsOf } from '../../content/placeholders.js'
import { loadManifest } from '../../briefing/manifest.js'
import { isValidTemplateName } from '../../content/names.js'
import { CONTENT_FILES } from '../../content/store.js'
import { resolveDaemonConfig } from '../../daemon/config.js'
import { startDaemon } from '../../daemon/server.js'
import { createLogFileWriter } from '../../shared/log-file.js'
import { briefdInvocation } from '../../shared/invocation.js'
import { createLogger, logLevelSetting, type Logger } from '../../shared/log.js'
import { bootstrapPath } from '../../shared/state-files.js'
import { str, strs } from '../options.js'

/** The names of the templates the content dir serves, sorted (none if it cannot be read). */
function servedTemplates(contentDir: string): string[] {
  try {
    return readdirSync(join(contentDir, CONTENT_FILES.templatesDir))
      .filter((f) => f.endsWith('.md') && isValidTemplateName(f.slice(0, -3)))
      .map((f) => f.slice(0, -3))
      .sort()
  } catch {
    return []
  }
}

/** The example manifest in the package: what `briefd mcp` renders with when given none. */
const EXAMPLE_TOOLS = fileURLToPath(new URL('../../../examples/tools.json', import.meta.url))

/**
 * The manifest the templates are checked against (placeholders no tool fills): the one
 * configured, else the example `briefd mcp` uses by default. One that does not load is a
 * warning, not a refusal to start: the daemon serves content, the manifest is `briefd mcp`'s.
 */
function manifestInputs(toolsFile: string | undefined, logger: Logger): ManifestInputs | undefined {
  const source = toolsFile ?? EXAMPLE_TOOLS
  try {
    return { source, inputs: templateInputsOf(loadManifest(source).tools) }
  } catch (err) {
    logger.warn(
      `templates are not checked against a tools manifest: ${err instanceof Error ? err.message : String(err)}`,
    )
    return undefined
  }
}

export async function serveCommand(opts: Record<string, unknown>): Promise<void> {
  // Before anything starts: a bad setting is exit 1 with one line (cli/main.ts).
  const level = logLevelSetting(process.env)
  const allowOrigin = strs(opts, 'allowOrigin')
  const config = resolveDaemonConfig({
    host: str(opts, 'host'),
    port: str(opts, 'port'),
    content: str(opts, 'content'),
    tools: str(opts, 'tools'),
    stateDir: str(opts, 'stateDir'),
    sessionTtl: str(opts, 'sessionTtl'),
    ...(allowOrigin ? { allowOrigin } : {}),
    resource: str(opts, 'resource'),
    issuer: strs(opts, 'issuer') ?? [],
    tlsCert: str(opts, 'tlsCert'),
    tlsKey: str(opts, 'tlsKey'),
    behindTlsProxy: opts.behindTlsProxy === true,
  })
  const logFile = str(opts, 'logFile')
  const logger = createLogger({
    name: 'briefd',
    level,
    ...(logFile ? { write: createLogFileWriter(logFile) } : {}),
  })
  const manifest = manifestInputs(config.toolsFile, logger)
  const daemon = await startDaemon(config, { logger, ...(manifest ? { manifest } : {}) })
  const stateFlag =
    process.env.BRIEFD_STATE_DIR || str(opts, 'stateDir') ? ` --state-dir ${config.stateDir}` : ''
  logger.info(`daemon listening on ${daemon.url}`)
  logger.info(`content: ${config.contentDir}`)
  if (config.toolsFile) logger.info(`MCP:     ${daemon.url}/mcp (tools: ${config.toolsFile})`)
  if (config.public) {
    logger.info(`public mode: resource ${config.public.resource}; state: ${config.stateDir}`)
  } else {
    logger.info(
      `state:   ${config.stateDir} (bootstrap credential: ${bootstrapPath(config.stateDir)})`,
    )
  }
  if (!logFile && config.public) {
    // Public mode: an API key is the quickest credential to try (no authorization server).
    const template = servedTemplates(config.contentDir)[0] ?? 'NAME'
    const base = config.public.resource
    process.stderr.write(
      [
        '',
        'Try it (in another terminal):',
        `  KEY=$(${briefdInvocation()} apikey create --name try --scope briefd:read${stateFlag})`,
        `  curl -s -H "Authorization: Bearer $KEY" ${base}/v1/templates/${template}`,
        `  curl -si ${base}/v1/instructions        # no token: 401 with the OAuth challenge`,
        '',
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    )
  } else if (!logFile) {
    // From what is actually served and how briefd was run, so each line works when pasted.
    const template = servedTemplates(config.contentDir)[0]
    process.stderr.write(
      [
        '',
        'Try it (in another terminal):',
        `  TOKEN=$(${briefdInvocation()} token${stateFlag})`,
        `  curl -s -H "Authorization: Bearer $TOKEN" ${daemon.url}/v1/instructions`,
        ...(template
          ? [`  curl -s -H "Authorization: Bearer $TOKEN" ${daemon.url}/v1/templates/${template}`]
          : []),
        `  curl -s ${daemon.url}/v1/instructions        # no token: 401, no content`,
        ...(config.toolsFile
          ? [
              `  claude mcp add --transport http briefd ${daemon.url}/mcp --header "Authorization: Bearer $TOKEN"`,
            ]
          : []),
        '',
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    )
  }
  await new Promise<void>((resolve) => {
    let stopping = false
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn(`second ${signal}: exiting now`)
        process.exit(1)
      }
      stopping = true
      logger.info(`${signal}: stopping (finishing in-flight requests)`)
      void daemon.close().then(resolve)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

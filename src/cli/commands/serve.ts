/**
 * @module cli/commands/serve
 * `briefd serve`: the daemon in the foreground. Stops gracefully on SIGINT/SIGTERM
 * (in-flight requests finish); a second signal exits at once.
 */
import { resolveDaemonConfig } from '../../daemon/config.js'
import { startDaemon } from '../../daemon/server.js'
import { createLogFileWriter } from '../../shared/log-file.js'
import { createLogger, logLevelSetting } from '../../shared/log.js'
import { bootstrapPath } from '../../shared/state-files.js'
import { str, strs } from '../options.js'

export async function serveCommand(opts: Record<string, unknown>): Promise<void> {
  // Before anything starts: a bad setting is exit 1 with one line (cli/main.ts).
  const level = logLevelSetting(process.env)
  const allowOrigin = strs(opts, 'allowOrigin')
  const config = resolveDaemonConfig({
    host: str(opts, 'host'),
    port: str(opts, 'port'),
    content: str(opts, 'content'),
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
  const daemon = await startDaemon(config, { logger })
  const stateFlag =
    process.env.BRIEFD_STATE_DIR || str(opts, 'stateDir') ? ` --state-dir ${config.stateDir}` : ''
  logger.info(`daemon listening on ${daemon.url}`)
  logger.info(`content: ${config.contentDir}`)
  logger.info(
    `state:   ${config.stateDir} (bootstrap credential: ${bootstrapPath(config.stateDir)})`,
  )
  if (!logFile)
    process.stderr.write(
      [
        '',
        'Try it (in another terminal):',
        `  TOKEN=$(node bin/briefd.js token${stateFlag})`,
        `  curl -s -H "Authorization: Bearer $TOKEN" ${daemon.url}/v1/instructions`,
        `  curl -s -H "Authorization: Bearer $TOKEN" ${daemon.url}/v1/templates/review-verdict`,
        `  curl -s ${daemon.url}/v1/instructions        # no token: 401, no content`,
        '',
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    )
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

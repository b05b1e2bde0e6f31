/**
 * Vitest global setup: make the run's test CA once, before any worker is forked, and trust it
 * in every worker and child process through NODE_EXTRA_CA_CERTS (read by Node only at start).
 */
import { rmSync } from 'node:fs'
import { makeTestTls, TLS_DIR_ENV } from './tls.js'

export default function setup(): () => void {
  const tls = makeTestTls()
  process.env[TLS_DIR_ENV] = tls.dir
  process.env.NODE_EXTRA_CA_CERTS = tls.caPath
  return () => rmSync(tls.dir, { recursive: true, force: true })
}

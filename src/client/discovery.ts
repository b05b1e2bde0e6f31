/**
 * @module client/discovery
 * Where this process finds its session token file.
 */
// replaced by the host-discovery implementation on merge
import type { Env } from '../shared/paths.js'

export interface TokenLocation {
  path: string
  source: 'env' | 'host'
}

/**
 * `BRIEFD_TOKEN_FILE` if set, else the runtime-dir token file of this process's host.
 * This placeholder implements only the `BRIEFD_TOKEN_FILE` branch. Never creates anything.
 */
export function locateTokenFile(env: Env = process.env): TokenLocation | undefined {
  const explicit = env.BRIEFD_TOKEN_FILE
  if (explicit !== undefined && explicit !== '') return { path: explicit, source: 'env' }
  return undefined
}

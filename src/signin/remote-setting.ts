/**
 * @module signin/remote-setting
 * Which hosted daemon a command talks to: `--remote URL`, else `BRIEFD_REMOTE`; undefined
 * means local mode. The URL is checked at once (https, or http on loopback only).
 */
import type { Env } from '../shared/paths.js'
import { parseRemoteUrl } from './urls.js'

export function remoteSetting(flag: string | undefined, env: Env = process.env): URL | undefined {
  if (flag !== undefined) return parseRemoteUrl(flag, '--remote')
  const v = env.BRIEFD_REMOTE
  if (v !== undefined && v !== '') return parseRemoteUrl(v, 'BRIEFD_REMOTE')
  return undefined
}

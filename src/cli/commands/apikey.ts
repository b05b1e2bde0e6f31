/**
 * @module cli/commands/apikey
 * `briefd apikey create|list|revoke`. Works on the state dir's key file directly, whether or
 * not the daemon runs; a running daemon notices the change within a second or so.
 *
 * `create` prints the key and nothing else on stdout, so `KEY=$(briefd apikey create …)`
 * captures exactly the key; what was created is said on stderr. No command ever prints a
 * stored hash.
 */
import { existsSync } from 'node:fs'
import {
  apiKeysPath,
  createApiKey,
  readApiKeyFile,
  revokeApiKey,
  type ApiKeyRecord,
} from '../../apikeys/index.js'
import { parseKeyTtl } from '../../apikeys/ttl.js'
import { BriefdError } from '../../shared/errors.js'
import { defaultStateDir } from '../../shared/paths.js'
import { str, strs } from '../options.js'

const stateDirOf = (opts: Record<string, unknown>): string =>
  str(opts, 'stateDir') ?? defaultStateDir()

export async function apikeyCreateCommand(opts: Record<string, unknown>): Promise<void> {
  const stateDir = stateDirOf(opts)
  const name = str(opts, 'name')
  if (name === undefined) throw new BriefdError('ERR_CONFIG_INVALID', '--name is required')
  const ttl = str(opts, 'ttl')
  const tenant = str(opts, 'tenant')
  const { key, record } = await createApiKey(stateDir, {
    name,
    scopes: strs(opts, 'scope') ?? [],
    ...(tenant === undefined ? {} : { tenant }),
    ...(ttl === undefined ? {} : { ttlSeconds: parseKeyTtl(ttl) }),
  })
  process.stdout.write(`${key}\n`)
  process.stderr.write(
    `briefd: created API key ${record.id} (${record.scopes.join(' ')}${record.tenant === null ? '' : `, tenant ${record.tenant}`}, expires ${record.expires_at ?? 'never'}); it is shown only this once\n`,
  )
}

const statusOf = (r: ApiKeyRecord, now: number): string =>
  r.revoked_at !== null
    ? 'revoked'
    : r.expires_at !== null && Date.parse(r.expires_at) <= now
      ? 'expired'
      : 'active'

/** What `list` shows of a key: everything but its hash. */
function publicView(r: ApiKeyRecord, now: number): Record<string, unknown> {
  return {
    id: r.id,
    status: statusOf(r, now),
    name: r.name,
    scopes: r.scopes,
    tenant: r.tenant,
    created_at: r.created_at,
    expires_at: r.expires_at,
    last_used_at: r.last_used_at,
    revoked_at: r.revoked_at,
  }
}

/** One line per key, id first, then labelled fields; tabs between, since names may hold spaces. */
function line(r: ApiKeyRecord, now: number): string {
  return [
    r.id,
    statusOf(r, now),
    `name=${r.name}`,
    `scopes=${r.scopes.join(',')}`,
    `tenant=${r.tenant ?? '-'}`,
    `created=${r.created_at}`,
    `expires=${r.expires_at ?? 'never'}`,
    `last_used=${r.last_used_at ?? 'never'}`,
  ].join('\t')
}

export function apikeyListCommand(opts: Record<string, unknown>): void {
  const stateDir = stateDirOf(opts)
  // A state dir that does not exist yet holds no keys; one that exists is checked as usual.
  const keys = existsSync(stateDir) ? readApiKeyFile(stateDir).keys : []
  const now = Date.now()
  if (opts.json === true) {
    process.stdout.write(
      `${JSON.stringify(
        keys.map((k) => publicView(k, now)),
        null,
        2,
      )}\n`,
    )
    return
  }
  if (keys.length === 0) process.stderr.write(`briefd: no API keys in ${apiKeysPath(stateDir)}\n`)
  for (const k of keys) process.stdout.write(`${line(k, now)}\n`)
}

export async function apikeyRevokeCommand(
  id: string,
  opts: Record<string, unknown>,
): Promise<void> {
  const { record, alreadyRevoked } = await revokeApiKey(stateDirOf(opts), id)
  process.stdout.write(
    alreadyRevoked
      ? `API key ${record.id} was already revoked at ${record.revoked_at ?? '?'}\n`
      : `revoked API key ${record.id}; a running daemon refuses it within seconds\n`,
  )
}

/**
 * @module doctor/remote
 * `briefd doctor --remote URL`: the checks for a hosted daemon, in the order a failure
 * explains the next one: a sign-in (or an API key) exists, the daemon is reachable over
 * verified TLS, its metadata names a usable authorization server, the stored sign-in is
 * exchanged for a session token, and the real `briefd mcp` initializes with the confidential
 * instructions. Each failure has its one-line fix; nothing secret or confidential is printed.
 */
import { daemonRequest, jsonBody } from '../client/daemon-request.js'
import { revokeSession } from '../client/session-api.js'
import type { SessionIssued } from '../shared/contract/bodies.js'
import { ROUTES } from '../shared/contract/routes.js'
import { BriefdError, isBriefdError } from '../shared/errors.js'
import type { Env } from '../shared/paths.js'
import { discoverResource } from '../signin/discovery.js'
import { daemonBase, mintRemoteSession } from '../signin/session.js'
import { readSignin, remoteKey } from '../signin/store.js'
import { probeMcpInstructions } from './mcp-probe.js'
import type { CheckResult } from './run.js'

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err))

/** A TLS failure reads as one: the fix is the CA, not the network. */
function tlsCause(err: unknown): string | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code))
      return code
  }
  return undefined
}

export async function runRemoteDoctor(
  remote: URL,
  o: { env?: Env; skipMcp?: boolean } = {},
): Promise<CheckResult[]> {
  const env = o.env ?? process.env
  const key = remoteKey(remote)
  const login = `briefd login ${key}`
  const results: CheckResult[] = []
  const add = (r: CheckResult): boolean => {
    results.push(r)
    return r.status === 'pass' || r.status === 'warn'
  }

  let signedIn = false
  try {
    const s = readSignin(remote, env)
    signedIn = add(
      env.BRIEFD_API_KEY
        ? { name: 'sign-in', status: 'pass', detail: 'API key from BRIEFD_API_KEY' }
        : s
          ? {
              name: 'sign-in',
              status: 'pass',
              detail: `${s.kind}${s.subject ? ` as ${s.subject}` : ''}${s.scopes.length ? ` (scopes: ${s.scopes.join(' ')})` : ''}`,
            }
          : { name: 'sign-in', status: 'fail', detail: `not signed in to ${key}`, fix: login },
    )
  } catch (err) {
    add({ name: 'sign-in', status: 'fail', detail: message(err), fix: login })
  }

  let reachable = false
  try {
    const res = await daemonRequest({
      method: 'GET',
      url: daemonBase(remote),
      path: ROUTES.health.path,
      timeoutMs: 5000,
    })
    reachable = add(
      res.status === 200
        ? {
            name: 'reachable (TLS)',
            status: 'pass',
            detail: `${remote.origin}: certificate verified, /health 200`,
          }
        : {
            name: 'reachable (TLS)',
            status: 'fail',
            detail: `${remote.origin}/health answered ${res.status}`,
            fix: 'check the URL: it must be the hosted daemon (briefd serve --resource)',
          },
    )
  } catch (err) {
    const tls = tlsCause(err)
    add({
      name: 'reachable (TLS)',
      status: 'fail',
      detail: tls ? `TLS certificate of ${remote.origin} not trusted (${tls})` : message(err),
      fix: tls
        ? 'trust the CA that signed it: NODE_EXTRA_CA_CERTS=/path/to/ca.pem'
        : 'check the URL and the network (a proxy or firewall in between?)',
    })
  }

  let metadataOk = false
  if (reachable) {
    try {
      const prm = await discoverResource(remote, { timeoutMs: 5000 })
      metadataOk = add({
        name: 'metadata',
        status: 'pass',
        detail: `resource ${prm.resource}, authorization server ${prm.authorizationServers[0]?.origin ?? '?'}`,
      })
    } catch (err) {
      add({
        name: 'metadata',
        status: 'fail',
        detail: message(err),
        fix: `the daemon's --resource must be ${key}, and its --issuer an https URL`,
      })
    }
  } else add({ name: 'metadata', status: 'skip', detail: 'needs the daemon reachable' })

  let session: SessionIssued | undefined
  if (signedIn && metadataOk) {
    try {
      session = await mintRemoteSession(remote, { env, timeoutMs: 8000 })
      add({
        name: 'token exchange',
        status: 'pass',
        detail: `session token until ${session.expires_at}${session.scopes ? ` (scopes: ${session.scopes.join(' ')})` : ''}`,
      })
    } catch (err) {
      add({
        name: 'token exchange',
        status: 'fail',
        detail: message(err),
        fix: isBriefdError(err, 'ERR_SCOPE_INSUFFICIENT')
          ? `briefd login ${key} --scope "${String(err.details.scope ?? '')}"`
          : login,
      })
    }
  } else add({ name: 'token exchange', status: 'skip', detail: 'needs a sign-in and the metadata' })

  if (o.skipMcp) add({ name: 'briefd mcp', status: 'skip', detail: 'skipped (--no-mcp)' })
  else if (session) {
    try {
      const res = await daemonRequest({
        method: 'GET',
        url: daemonBase(remote),
        path: ROUTES.instructions.path,
        bearer: session.token,
        timeoutMs: 5000,
      })
      const expected = res.status === 200 ? jsonBody(res).content : undefined
      if (typeof expected !== 'string')
        throw new BriefdError(
          'ERR_DAEMON_REJECTED',
          `daemon answered ${res.status} for the instructions`,
        )
      const r = await probeMcpInstructions(session, daemonBase(remote), expected)
      add(
        r.ok
          ? { name: 'briefd mcp', status: 'pass', detail: r.detail }
          : {
              name: 'briefd mcp',
              status: 'fail',
              detail: r.detail,
              fix: `BRIEFD_LOG_LEVEL=debug briefd mcp --remote ${key}`,
            },
      )
    } catch (err) {
      add({ name: 'briefd mcp', status: 'fail', detail: message(err), fix: login })
    } finally {
      await revokeSession({ url: daemonBase(remote), token: session.token, timeoutMs: 2000 }).catch(
        () => false,
      )
    }
  } else add({ name: 'briefd mcp', status: 'skip', detail: 'needs a session token' })
  return results
}

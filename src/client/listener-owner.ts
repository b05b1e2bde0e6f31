/**
 * @module client/listener-owner
 * Before a credential goes to a loopback port, make sure the process that accepted our
 * connection is ours. If our daemon died, any local user can bind its port and collect the
 * bearer tokens that clients keep sending (port squatting), or answer with instructions of
 * their own.
 *
 * On Linux the kernel names the owner of every TCP socket in /proc/net/tcp{,6}. We look up
 * the socket on the other end of *this* connection (local port = the daemon's port, remote
 * port = our ephemeral port) rather than the listeners on the daemon's address: a listener
 * can receive our connection through many addresses (127.0.0.1, 0.0.0.0, ::, the IPv4-mapped
 * ::ffff:127.0.0.1, ...), while the accepted socket is exactly one, whatever form it was bound
 * in. It carries the listener's uid even before the server calls accept(). The check is made
 * once per connection, right after it is established (client/daemon-request): its peer cannot change.
 *
 * Other platforms have no cheap equivalent: there the check is skipped (see the README's
 * threat model).
 */
import { readFileSync } from 'node:fs'
import type { Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { BriefdError } from '../shared/errors.js'

const TABLES = ['/proc/net/tcp', '/proc/net/tcp6'] as const
/** The accepted socket is in the table by the time connect() completes; a few short retries cover a slow kernel. */
const LOOKUP_ATTEMPTS = 3
const LOOKUP_RETRY_MS = 5

const hexPort = (port: number): string => port.toString(16).toUpperCase().padStart(4, '0')

/**
 * In the text of one /proc/net/tcp{,6} table: uid of the live socket at `serverPort` whose
 * remote port is `clientPort` (the server side of our connection), or null.
 */
export function findAcceptingUid(
  table: string,
  serverPort: number,
  clientPort: number,
): number | null {
  const server = `:${hexPort(serverPort)}`
  const client = `:${hexPort(clientPort)}`
  // The table can hold thousands of sockets (TIME_WAIT after a busy minute): look only at the
  // lines that mention the server port instead of splitting them all.
  const needle = `${server} `
  for (let at = table.indexOf(needle); at >= 0; at = table.indexOf(needle, at + 1)) {
    const start = table.lastIndexOf('\n', at) + 1
    const end = table.indexOf('\n', at)
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid …
    const f = table
      .slice(start, end < 0 ? undefined : end)
      .trim()
      .split(/\s+/)
    // Only a live server side: ESTABLISHED (01) or SYN_RECV (03, not yet accepted). A
    // TIME_WAIT row left by an earlier connection on the same ports shows uid 0, not the owner's.
    if ((f[3] === '01' || f[3] === '03') && f[1]?.endsWith(server) && f[2]?.endsWith(client))
      return Number(f[7])
  }
  return null
}

/**
 * uid of the server side of our loopback connection from `clientPort` to `serverPort`; null
 * if the tables hold no such socket; undefined where /proc cannot be read at all.
 */
export function acceptingUid(serverPort: number, clientPort: number): number | null | undefined {
  let readable = false
  for (const file of TABLES) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue // tcp6 is missing where IPv6 is disabled
    }
    readable = true
    const uid = findAcceptingUid(text, serverPort, clientPort)
    if (uid !== null) return uid
  }
  return readable ? null : undefined
}

/**
 * Resolves when the process that accepted `socket` (connected to `host:port`) runs as us;
 * rejects with ERR_DAEMON_UNTRUSTED otherwise, or when it cannot be told.
 */
export async function assertPeerIsOurs(socket: Socket, host: string, port: number): Promise<void> {
  if (process.platform !== 'linux' || typeof process.geteuid !== 'function') return
  const me = process.geteuid()
  const clientPort = socket.localPort
  if (clientPort === undefined)
    throw new BriefdError(
      'ERR_DAEMON_UNTRUSTED',
      `connection to ${host}:${port} has no local port; not sending a credential`,
    )
  for (let attempt = 1; ; attempt++) {
    const uid = acceptingUid(port, clientPort)
    if (uid === undefined) return // no /proc: treated like the platforms without the check
    if (uid === me) return
    if (uid !== null) {
      throw new BriefdError(
        'ERR_DAEMON_UNTRUSTED',
        `port ${port} on ${host} is held by uid ${uid}, not by you; not sending a credential there (is the daemon down?)`,
      )
    }
    if (attempt >= LOOKUP_ATTEMPTS) {
      throw new BriefdError(
        'ERR_DAEMON_UNTRUSTED',
        `cannot tell who accepted the connection to port ${port} on ${host}; not sending a credential there`,
      )
    }
    await sleep(LOOKUP_RETRY_MS)
  }
}

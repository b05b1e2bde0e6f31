/**
 * @module client/listener-owner
 * Before a credential goes to a loopback port, make sure the process listening there is
 * ours. If our daemon died, any local user can bind its port and collect the bearer tokens
 * that clients keep sending (port squatting). On Linux the kernel names the owner of every
 * listening socket in /proc/net/tcp{,6}; a listener owned by another uid is refused. Other
 * platforms have no cheap equivalent: there the check is skipped (see the README's threat
 * model). The check is made once per connection, right after it is established (client/http):
 * its peer cannot change, while a check remembered for a while would let a squatter that binds
 * the port after a daemon dies collect the next credential.
 */
import { readFileSync } from 'node:fs'
import { BriefdError } from '../shared/errors.js'

/** IPv4/IPv6 local addresses (in /proc's hex form) that accept connections for `host`. */
function addressesFor(host: string): { file: string; addrs: string[] }[] {
  const v4 = { file: '/proc/net/tcp', addrs: ['0100007F', '00000000'] }
  const v6 = { file: '/proc/net/tcp6', addrs: ['00000000000000000000000001000000', '00000000000000000000000000000000', '0000000000000000FFFF00000100007F'] }
  if (host === '::1') return [v6]
  if (host === 'localhost') return [v4, v6]
  // 127.x.y.z: the exact address in little-endian hex, or a wildcard listener (v4 or dual-stack v6).
  const octets = host.split('.').map((o) => Number(o).toString(16).padStart(2, '0').toUpperCase())
  return [{ file: v4.file, addrs: [octets.reverse().join(''), '00000000'] }, { file: v6.file, addrs: ['00000000000000000000000000000000'] }]
}

/** uids of the listeners on `host:port` (Linux); undefined where /proc cannot be read. */
export function listenerUids(host: string, port: number): number[] | undefined {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0')
  const uids: number[] = []
  for (const { file, addrs } of addressesFor(host)) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      if (file.endsWith('6')) continue // IPv6 disabled
      return undefined
    }
    // The table can hold many thousands of sockets (TIME_WAIT after a busy minute): look only
    // at the lines whose local address ends in our port instead of splitting them all.
    const needle = `:${portHex} `
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
      const start = text.lastIndexOf('\n', at) + 1
      const end = text.indexOf('\n', at)
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid …
      const f = text.slice(start, end < 0 ? undefined : end).trim().split(/\s+/)
      if (f[3] !== '0A') continue // LISTEN
      const [addr, p] = (f[1] ?? '').split(':')
      if (p === portHex && addr !== undefined && addrs.includes(addr)) uids.push(Number(f[7]))
    }
  }
  return uids
}

/** Throws ERR_DAEMON_UNTRUSTED when another user's process listens where we would send a credential. */
export function assertListenerIsOurs(host: string, port: number): void {
  if (process.platform !== 'linux' || typeof process.geteuid !== 'function') return
  const uids = listenerUids(host, port)
  if (uids === undefined) return
  const me = process.geteuid()
  const foreign = uids.find((u) => u !== me)
  if (foreign !== undefined) {
    throw new BriefdError('ERR_DAEMON_UNTRUSTED', `port ${port} on ${host} is held by uid ${foreign}, not by you; not sending a credential there (is the daemon down?)`)
  }
}

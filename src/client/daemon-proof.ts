/**
 * @module client/daemon-proof
 * The client's half of the daemon's proof of identity (shared/daemon-proof): on a freshly
 * connected socket, before the request that carries a credential, one `POST /v1/proof` with a
 * nonce; the answer must be the HMAC only the real daemon can compute. It is spoken directly
 * on the socket (the request that follows reuses it), and bounded in time and size.
 */
import type { Socket } from 'node:net'
import { BriefdError } from '../shared/errors.js'
import { PROOF_PATH, proofChallenge, proofMatches } from '../shared/daemon-proof.js'

const MAX_RESPONSE_BYTES = 16 * 1024

const untrusted = (host: string, why: string): BriefdError =>
  new BriefdError(
    'ERR_DAEMON_UNTRUSTED',
    `the daemon at ${host} did not prove it is ours (${why}); not sending a credential there`,
  )

/**
 * Resolves once the peer proved it holds the secret behind `bearer`; rejects with
 * ERR_DAEMON_UNTRUSTED otherwise, or ERR_DAEMON_REJECTED (401) when it says the token is void.
 */
export function proveDaemon(
  socket: Socket,
  hostHeader: string,
  bearer: string,
  timeoutMs: number,
): Promise<void> {
  const { request, expected } = proofChallenge(bearer)
  const body = JSON.stringify(request)
  return new Promise<void>((resolve, reject) => {
    let buf = Buffer.alloc(0)
    const done = (err?: BriefdError): void => {
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('error', onError)
      socket.off('close', onClose)
      if (err) reject(err)
      else resolve()
    }
    const onError = (err: Error): void =>
      done(
        untrusted(
          hostHeader,
          `connection failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`,
        ),
      )
    const onClose = (): void => done(untrusted(hostHeader, 'it closed the connection'))
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk])
      if (buf.length > MAX_RESPONSE_BYTES) return done(untrusted(hostHeader, 'oversized answer'))
      const end = buf.indexOf('\r\n\r\n')
      if (end < 0) return
      const head = buf.subarray(0, end).toString('latin1')
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1]
      const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1]
      if (length === undefined || /\r\ntransfer-encoding:/i.test(head))
        return done(untrusted(hostHeader, 'malformed answer'))
      if (buf.length < end + 4 + Number(length)) return
      if (buf.length > end + 4 + Number(length))
        return done(untrusted(hostHeader, 'unexpected bytes after the answer'))
      if (status === '404')
        return done(
          untrusted(
            hostHeader,
            'it does not know /v1/proof: an older daemon? restart it with `briefd restart`',
          ),
        )
      // The token names a key the daemon does not have: refused like any invalid token (the
      // client stops offering it). From an impostor this is only a denial of service, which it
      // has anyway; the credential itself was not sent.
      if (status === '401') {
        return done(
          new BriefdError(
            'ERR_DAEMON_REJECTED',
            `daemon at ${hostHeader} does not know the key of this session token (401)`,
            { details: { status: 401 } },
          ),
        )
      }
      if (status !== '200') return done(untrusted(hostHeader, `it answered ${status ?? 'garbage'}`))
      let proof: unknown
      try {
        proof = (JSON.parse(buf.subarray(end + 4).toString('utf8')) as { proof?: unknown }).proof
      } catch {
        return done(untrusted(hostHeader, 'malformed answer'))
      }
      done(proofMatches(proof, expected) ? undefined : untrusted(hostHeader, 'wrong proof'))
    }
    const timer = setTimeout(
      () => done(untrusted(hostHeader, `no answer within ${timeoutMs} ms`)),
      timeoutMs,
    )
    socket.on('data', onData)
    socket.on('error', onError)
    socket.on('close', onClose)
    socket.write(
      `POST ${PROOF_PATH} HTTP/1.1\r\nhost: ${hostHeader}\r\naccept: application/json\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
  })
}

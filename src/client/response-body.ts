/**
 * @module client/response-body
 * Collects a daemon response under a size cap, for both transports (loopback HTTP and hosted
 * HTTPS): a daemon, or an impostor, that streams without end costs at most `maxBytes`.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { BriefdError } from '../shared/errors.js'

export interface CollectedResponse {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/** Reads `res` into `finish`; `where` names the daemon in the error, never a credential. */
export function collectResponse(
  res: IncomingMessage,
  maxBytes: number,
  where: string,
  finish: (err: BriefdError | undefined, res?: CollectedResponse) => void,
): void {
  const chunks: Buffer[] = []
  let size = 0
  res.on('data', (chunk: Buffer) => {
    size += chunk.length
    if (size > maxBytes)
      finish(
        new BriefdError(
          'ERR_DAEMON_RESPONSE_INVALID',
          `daemon response larger than ${maxBytes} bytes`,
        ),
      )
    else chunks.push(chunk)
  })
  res.on('end', () =>
    finish(undefined, {
      status: res.statusCode ?? 0,
      headers: res.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    }),
  )
  res.on('error', (err) =>
    finish(
      new BriefdError('ERR_DAEMON_UNREACHABLE', `daemon at ${where} broke the connection`, {
        cause: err,
      }),
    ),
  )
}

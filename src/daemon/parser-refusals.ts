/**
 * @module daemon/parser-refusals
 * Requests Node's HTTP parser rejects before any handler runs (a missing or broken request
 * line, conflicting Content-Length / Transfer-Encoding, obs-fold, oversized headers, a client
 * too slow to finish its headers). Node's own answer is a bare status line with no body and
 * none of the daemon's headers; this one is the same JSON `{error, error_description}` with
 * the same security headers as every other refusal, and the connection is closed.
 */
import type { Duplex } from 'node:stream'
import { STATUS_CODES } from 'node:http'
import { SECURITY_HEADERS } from './responses.js'

interface ClientErrorAnswer {
  status: number
  error: string
  description: string
}

/** What to answer for a parser or timeout error (Node's own mapping, with JSON bodies). */
export function clientErrorAnswer(code: string | undefined): ClientErrorAnswer {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        error: 'request_header_fields_too_large',
        description: 'request headers too large',
      }
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, error: 'payload_too_large', description: 'request body too large' }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, error: 'request_timeout', description: 'the request took too long' }
    default:
      return { status: 400, error: 'invalid_request', description: 'the request is malformed' }
  }
}

/** The raw HTTP/1.1 response for `answer`, closing the connection. */
export function clientErrorResponse(answer: ClientErrorAnswer): string {
  const body = JSON.stringify({ error: answer.error, error_description: answer.description })
  const headers = {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  }
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`)
  return `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}\r\n${lines.join('\r\n')}\r\n\r\n${body}`
}

/**
 * The server's `clientError` listener. `onRefused` audits and rate-limits like any other
 * refusal. As in Node's default, nothing is written once a response has started on the socket.
 */
export function createClientErrorListener(
  onRefused: (status: number) => void,
): (err: NodeJS.ErrnoException, socket: Duplex) => void {
  return function onClientError(err, socket) {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy()
      return
    }
    const answer = clientErrorAnswer(err.code)
    onRefused(answer.status)
    if ((socket as Duplex & { bytesWritten?: number }).bytesWritten === 0)
      socket.end(clientErrorResponse(answer))
    else socket.destroy()
  }
}

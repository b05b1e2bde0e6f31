/**
 * @module daemon/body
 * Reads a request body with a hard size cap, whether or not Content-Length was sent
 * (a chunked upload cannot exceed the limit either).
 */
import type { Context } from 'hono'
import { BriefdError } from '../shared/errors.js'
import type { DaemonEnv } from './context.js'

export async function readBodyText(c: Context<DaemonEnv>, limitBytes: number): Promise<string> {
  const stream = c.req.raw.body
  if (!stream) return ''
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limitBytes) {
      await reader.cancel().catch(() => {})
      throw new BriefdError('ERR_BODY_TOO_LARGE', `body exceeds ${limitBytes} bytes`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Parses a body that must be a JSON object; `what` names the request in the log message. */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (err) {
    throw new BriefdError('ERR_REQUEST_INVALID', `${what}: body is not JSON`, { cause: err })
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BriefdError('ERR_REQUEST_INVALID', `${what}: body must be a JSON object`)
  return body as Record<string, unknown>
}

/**
 * Raw HTTP/1.1 over a TCP socket, so tests control every byte: odd Host headers, repeated
 * Authorization headers, oversized headers, slow clients. Requests close the connection.
 */
import { connect, createServer } from 'node:net'

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
  raw: string
}

export interface RawRequestOptions {
  method?: string
  path: string
  /** Header lines in order; duplicates allowed. Host defaults to 127.0.0.1:<port>. */
  headers?: [string, string][]
  body?: string
  /** Omit the Host header entirely. */
  noHost?: boolean
  timeoutMs?: number
}

export function parseResponse(raw: string): RawResponse {
  const split = raw.indexOf('\r\n\r\n')
  const head = split >= 0 ? raw.slice(0, split) : raw
  const body = split >= 0 ? raw.slice(split + 4) : ''
  const [statusLine = '', ...lines] = head.split('\r\n')
  const status = Number(statusLine.split(' ')[1] ?? 0)
  const headers: Record<string, string> = {}
  for (const l of lines) {
    const i = l.indexOf(':')
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim()
  }
  return { status, headers, body, raw }
}

/** Sends raw bytes and reads until the server closes (or the timeout). */
export function rawExchange(
  port: number,
  bytes: string | Buffer,
  timeoutMs = 5000,
  host = '127.0.0.1',
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host })
    const chunks: Buffer[] = []
    const timer = setTimeout(() => {
      socket.destroy()
      resolve(Buffer.concat(chunks).toString('utf8'))
    }, timeoutMs)
    socket.on('data', (d: Buffer) => chunks.push(d))
    socket.on('end', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks).toString('utf8'))
    })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks).toString('utf8'))
    })
    socket.on('error', (err) => {
      clearTimeout(timer)
      if (chunks.length) resolve(Buffer.concat(chunks).toString('utf8'))
      else reject(err)
    })
    socket.write(bytes)
  })
}

export async function rawRequest(port: number, o: RawRequestOptions): Promise<RawResponse> {
  const lines = [`${o.method ?? 'GET'} ${o.path} HTTP/1.1`]
  const headers = o.headers ?? []
  if (!o.noHost && !headers.some(([k]) => k.toLowerCase() === 'host'))
    lines.push(`Host: 127.0.0.1:${port}`)
  for (const [k, v] of headers) lines.push(`${k}: ${v}`)
  if (
    o.body !== undefined &&
    !headers.some(
      ([k]) => k.toLowerCase() === 'content-length' || k.toLowerCase() === 'transfer-encoding',
    )
  ) {
    lines.push(`Content-Length: ${Buffer.byteLength(o.body)}`)
  }
  lines.push('Connection: close')
  const text = `${lines.join('\r\n')}\r\n\r\n${o.body ?? ''}`
  return parseResponse(await rawExchange(port, text, o.timeoutMs))
}

export interface SlowExchange {
  /** What the server sent before it closed. */
  raw: string
  /** Whether the server closed the connection (false: we gave up at the timeout). */
  closed: boolean
  /** ms from connect until the server closed it, or until we gave up. */
  ms: number
  /** How many of the pieces were written before the close. */
  sent: number
}

/**
 * A slow client: writes `pieces` one at a time, `intervalMs` apart (an empty piece is a pause),
 * and keeps the connection open after the last one, until the server closes it or `timeoutMs`.
 */
export function slowExchange(
  port: number,
  pieces: readonly string[],
  intervalMs: number,
  timeoutMs: number,
): Promise<SlowExchange> {
  return new Promise((resolve) => {
    const started = Date.now()
    const socket = connect({ port, host: '127.0.0.1' })
    const chunks: Buffer[] = []
    let sent = 0
    let timer: NodeJS.Timeout | undefined
    let finished = false
    const done = (closed: boolean): void => {
      if (finished) return
      finished = true
      clearTimeout(giveUp)
      clearTimeout(timer)
      socket.destroy()
      resolve({
        raw: Buffer.concat(chunks).toString('utf8'),
        closed,
        ms: Date.now() - started,
        sent,
      })
    }
    const giveUp = setTimeout(() => done(false), timeoutMs)
    const next = (): void => {
      if (sent >= pieces.length || socket.destroyed) return
      const piece = pieces[sent++] ?? ''
      if (piece !== '') socket.write(piece)
      timer = setTimeout(next, intervalMs)
    }
    socket.on('data', (d: Buffer) => chunks.push(d))
    socket.on('close', () => done(true))
    socket.on('error', () => done(true))
    socket.on('connect', next)
  })
}

/** A loopback port that was free a moment ago (for a daemon that must come back on the same port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

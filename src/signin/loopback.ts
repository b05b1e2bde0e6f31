/**
 * @module signin/loopback
 * The redirect target of the authorization code flow (RFC 8252 §7.3): an HTTP listener on
 * 127.0.0.1 at an ephemeral port, path `/callback`, for one callback only. The callback must
 * carry the `state` we sent (compared in constant time); a wrong or missing state, or an
 * error from the authorization server, ends the login with a clear refusal, and the code in
 * a refused callback is never used. The listener closes after the first callback, so a
 * replayed one finds nobody listening.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { constantTimeEqual } from '../shared/constant-time.js'
import { BriefdError } from '../shared/errors.js'

export interface CallbackListener {
  redirectUri: string
  /** The authorization code, once a callback with our state arrived. */
  code: Promise<string>
  close(): void
}

const page = (title: string): string =>
  `<!doctype html><meta charset="utf-8"><title>briefd</title><p>${title}</p>\n`

export async function listenForCallback(
  state: string,
  timeoutMs: number,
): Promise<CallbackListener> {
  let settle: { resolve: (code: string) => void; reject: (err: Error) => void } | undefined
  const code = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject }
  })
  code.catch(() => undefined) // handled by whoever awaits it
  let done = false
  const finish = (err: BriefdError | undefined, value?: string): void => {
    if (done) return
    done = true
    clearTimeout(timer)
    server.close()
    server.closeAllConnections()
    if (err) settle?.reject(err)
    else settle?.resolve(value as string)
  }
  const answer = (res: ServerResponse, status: number, text: string): void => {
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'close',
    })
    res.end(page(text))
  }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (req.method !== 'GET' || url.pathname !== '/callback' || done) {
      answer(res, 404, 'Not found.')
      return
    }
    const got = url.searchParams.get('state') ?? ''
    if (!constantTimeEqual(got, state)) {
      answer(res, 400, 'Sign-in refused: this answer does not belong to the request briefd made.')
      finish(
        new BriefdError(
          'ERR_SIGNIN_FAILED',
          'the callback carried a wrong state (not the answer to our request); sign-in refused, run briefd login again',
        ),
      )
      return
    }
    const error = url.searchParams.get('error')
    if (error !== null) {
      const clean = error.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 60)
      answer(res, 400, 'Sign-in was not completed. You can close this window.')
      finish(new BriefdError('ERR_SIGNIN_FAILED', `the authorization server refused: ${clean}`))
      return
    }
    const value = url.searchParams.get('code')
    if (value === null || value === '') {
      answer(res, 400, 'Sign-in refused: no authorization code.')
      finish(new BriefdError('ERR_SIGNIN_FAILED', 'the callback carried no authorization code'))
      return
    }
    answer(res, 200, 'Signed in to briefd. You can close this window.')
    finish(undefined, value)
  })
  server.keepAliveTimeout = 1
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const timer = setTimeout(
    () =>
      finish(
        new BriefdError(
          'ERR_SIGNIN_FAILED',
          `no sign-in completed within ${Math.round(timeoutMs / 1000)} s; run briefd login again`,
        ),
      ),
    timeoutMs,
  )
  const { port } = server.address() as AddressInfo
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    code,
    close: () => finish(new BriefdError('ERR_SIGNIN_FAILED', 'sign-in cancelled')),
  }
}

/**
 * A sign-in test bed: a real oidc-provider (test/helpers/oidc.ts) and the protected resource
 * metadata of a hosted daemon at another HTTPS origin, naming that provider. Until the
 * daemon serves its own metadata, the document comes from a bare HTTPS server; everything
 * about tokens is the real authorization server's.
 */
import { TestAuthServer, type TestAuthServerOptions } from './oidc.js'
import { sendJson, startHttpsServer, type TestHttpsServer } from './https-server.js'

export interface SigninBed {
  as: TestAuthServer
  daemon: TestHttpsServer
  /** The daemon's URL, which is also its resource identifier. */
  remote: string
  close(): Promise<void>
}

export async function startSigninBed(
  options: Partial<TestAuthServerOptions> & { metadata?: Record<string, unknown> } = {},
): Promise<SigninBed> {
  const daemon = await startHttpsServer((req, res, origin) => {
    if (req.url === '/.well-known/oauth-protected-resource') {
      sendJson(res, 200, {
        resource: origin,
        authorization_servers: [as.issuer],
        scopes_supported: ['briefd:read'],
        ...options.metadata,
      })
      return
    }
    sendJson(res, 404, { error: 'not_found', error_description: 'not found' })
  })
  const as: TestAuthServer = await TestAuthServer.start({
    clients: [{ clientId: 'ci-machine', claims: { tenant: 'acme-ci' } }],
    publicClients: ['briefd-cli'],
    resources: [daemon.origin],
    scope: 'briefd:read briefd:scoring',
    ...options,
  })
  return {
    as,
    daemon,
    remote: daemon.origin,
    close: async () => {
      await as.close()
      await daemon.close()
    },
  }
}

/** Collects the lines a flow says (stderr), and waits for one. */
export class Lines {
  readonly lines: string[] = []
  readonly #waiters: { re: RegExp; resolve: (l: string) => void }[] = []
  readonly say = (line: string): void => {
    this.lines.push(line)
    for (const w of [...this.#waiters])
      if (w.re.test(line)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1)
        w.resolve(line)
      }
  }
  next(re: RegExp): Promise<string> {
    const found = this.lines.find((l) => re.test(l))
    if (found) return Promise.resolve(found)
    return new Promise((resolve) => this.#waiters.push({ re, resolve }))
  }
}

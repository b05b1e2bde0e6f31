/**
 * The run's test CA reaches where it must, through Node's own NODE_EXTRA_CA_CERTS and nothing
 * weaker: this forked worker and the processes it spawns trust the loopback authorization
 * server, a process without the variable does not, and TLS checking is never switched off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { TestAuthServer } from '../helpers/oidc.js'
import { testTls } from '../helpers/tls.js'

let as: TestAuthServer
beforeAll(async () => {
  as = await TestAuthServer.start({
    clients: [{ clientId: 'c1' }],
    resources: ['https://r.example'],
  })
})
afterAll(() => as.close())

const probe = (url: string): string[] => [
  '--input-type=module',
  '-e',
  `const r = await fetch(${JSON.stringify(url)}).catch((e) => ({ status: e.cause?.code ?? e.message })); console.log(r.status)`,
]

/** Run a probe in a child process (async: the server under test lives in this process). */
function run(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env, timeout: 10_000 }, (_err, stdout) =>
      resolve(String(stdout).trim()),
    )
  })
}

describe('test CA', () => {
  it('is trusted in the forked test worker through NODE_EXTRA_CA_CERTS', async () => {
    expect(process.env.NODE_EXTRA_CA_CERTS).toBe(testTls().caPath)
    expect(process.env.NODE_TLS_REJECT_UNAUTHORIZED).toBeUndefined()
    const res = await fetch(`${as.issuer}/.well-known/openid-configuration`)
    expect(res.status).toBe(200)
  })

  it('is trusted by a spawned child that inherits the environment, and only through it', async () => {
    const url = `${as.issuer}/jwks`
    expect(await run(probe(url), process.env)).toBe('200')
    const { NODE_EXTRA_CA_CERTS: _ca, ...without } = process.env
    expect(await run(probe(url), without)).toMatch(/CERT|SIGNATURE|ISSUER/)
  })
})

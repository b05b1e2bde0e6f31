/**
 * The README's "Hosting briefd for a team" walk-through, run as a newcomer would: its own
 * shell blocks (openssl, `briefd serve` in public mode, an API key, curl), with only the port,
 * the checkout's paths and the key id filled in. A real daemon process over real TLS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { freePort } from '../helpers/ports.js'
import { resolve } from 'node:path'
import { tempDir } from '../helpers/tmp.js'

const ROOT = resolve(import.meta.dirname, '../..')
const README = readFileSync(resolve(ROOT, 'README.md'), 'utf8')

function hostingBlocks(): string[] {
  const start = README.indexOf('## Hosting briefd for a team')
  const end = README.indexOf('\n## ', start + 5)
  const section = README.slice(start, end)
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '')
}

let dir: string
let port: number
let serve: ChildProcess | undefined
let serveErr = ''
const fill = (block: string): string =>
  block
    .replaceAll('8443', String(port))
    .replaceAll('node bin/briefd.js', `node ${ROOT}/bin/briefd.js`)
    .replaceAll('examples/content', `${ROOT}/examples/content`)
const bash = (script: string): string =>
  execFileSync('bash', ['-c', script], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })

beforeAll(async () => {
  dir = tempDir('briefd-hosting-')
  port = await freePort()
  const [certs, serveBlock] = hostingBlocks()
  bash(`set -e\n${certs}`)
  const command = fill(serveBlock ?? '')
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, ''))
    .join('\n')
  serve = spawn('bash', ['-c', `exec ${command}`], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  serve.stderr?.on('data', (d: Buffer) => (serveErr += d.toString()))
  const until = Date.now() + 20_000
  while (!serveErr.includes('daemon listening on https://')) {
    if (Date.now() > until || serve.exitCode !== null)
      throw new Error(`serve did not start: ${serveErr}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}, 60_000)

afterAll(async () => {
  const child = serve
  if (!child || child.exitCode !== null) return
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  child.kill('SIGTERM')
  await exited
})

describe('README: Hosting briefd for a team', () => {
  it('serves a template over TLS to an API key, and challenges a request without one', () => {
    const block = fill(hostingBlocks()[2] ?? '')
    const lines = block.split('\n').filter((l) => l.trim() !== '')
    const [create, get, anonymous, list] = lines
    const out = bash(
      `set -e\n${create}\necho "$KEY" > key.txt\n${get}\necho\necho ---\n${anonymous}\necho ---\n${list}`,
    )
    const key = readFileSync(resolve(dir, 'key.txt'), 'utf8').trim()
    expect(key).toMatch(/^briefd_ak_/)
    const [delivered, challenge, listed] = out.split('---\n')
    expect(JSON.parse(delivered ?? '').name).toBe('review-verdict')
    expect(challenge).toMatch(/^HTTP\/\S+ 401/)
    expect(challenge).toContain(
      `www-authenticate: Bearer scope="briefd:read", resource_metadata="https://127.0.0.1:${port}/.well-known/oauth-protected-resource"`,
    )
    expect(listed).not.toContain(key)
    expect(serveErr).not.toContain(key)
    const id = (listed ?? '').trim().split(/\s+/)[0] ?? ''
    const revoke = (lines[4] ?? '').replace(' ID ', ` ${id} `)
    bash(`set -e\n${revoke}`)
    const after = () =>
      bash(
        `curl -s -o /dev/null -w '%{http_code}' --cacert ca.pem -H "Authorization: Bearer ${key}" https://127.0.0.1:${port}/v1/templates/review-verdict`,
      )
    return expect.poll(after, { timeout: 5000, interval: 200 }).toBe('401')
  })
})

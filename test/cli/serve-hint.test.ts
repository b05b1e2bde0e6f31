/**
 * `briefd serve`'s start-up output names what is actually served and how to run this briefd,
 * and warns about a template placeholder the tools manifest does not fill.
 */
import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { appendFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { leakedCanaries, makeContent } from '../helpers/content.js'
import { childEnv, testManifest } from '../helpers/mcp.js'
import { tempDir } from '../helpers/tmp.js'

async function serveOutput(contentDir: string, env: Record<string, string>): Promise<string> {
  const stateDir = join(tempDir(), 'state')
  const child = spawn(
    process.execPath,
    ['bin/briefd.js', 'serve', '--port', '0', '--content', contentDir, '--state-dir', stateDir],
    { stdio: ['ignore', 'ignore', 'pipe'], env },
  )
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', () => stderr.includes('Press Ctrl-C') && resolve())
    void exited.then(() => reject(new Error(`serve exited: ${stderr}`)))
  })
  // Graceful stopping is serve.test.ts's subject; here the output is all that matters.
  child.kill('SIGKILL')
  await exited
  return stderr.replaceAll(stateDir, '<state>')
}

describe('briefd serve start-up', () => {
  it("names a template of the content served and this briefd's own invocation", async () => {
    const c = makeContent()
    const out = await serveOutput(c.dir, childEnv({ PATH: dirname(process.execPath) }))
    expect(out).toContain('  TOKEN=$(node bin/briefd.js token --state-dir <state>)\n')
    expect(out).toMatch(/\/v1\/templates\/hidden\n/)
    expect(out).not.toContain('review-verdict')
    expect(leakedCanaries(c, out)).toEqual([])
  })

  it('leaves the template line out when the content has no templates', async () => {
    const c = makeContent()
    const { rmSync } = await import('node:fs')
    rmSync(join(c.dir, 'templates'), { recursive: true })
    const out = await serveOutput(c.dir, childEnv({ PATH: dirname(process.execPath) }))
    expect(out).toContain('/v1/instructions\n')
    expect(out).not.toContain('/v1/templates/')
  })

  it('warns about a template placeholder no tool of BRIEFD_TOOLS fills', async () => {
    const c = makeContent()
    const tools = join(tempDir(), 'tools.json')
    writeFileSync(tools, JSON.stringify(testManifest()))
    appendFileSync(join(c.dir, 'templates', 'verdict.md'), 'Signed: {{reviewer}}\n')
    const out = await serveOutput(c.dir, childEnv({ BRIEFD_TOOLS: tools }))
    expect(out).toContain(
      `content: ${join(c.dir, 'templates', 'verdict.md')}: placeholder {{reviewer}} is no input of tool give_verdict in ${tools}: it renders as empty text`,
    )
    expect(leakedCanaries(c, out)).toEqual([])
  })
})

/**
 * content/files against hostile file types: FIFOs (present when read, or renamed over the
 * file while it is read), sockets, directories, and files over the size cap. Reads that could
 * block run in a child process with a deadline, so a regression fails the test instead of
 * hanging the runner (a blocking open cannot be interrupted in-process).
 */
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { MAX_CONTENT_FILE_BYTES, readContentFile } from '../../src/content/files.js'
import { makeContent } from '../helpers/content.js'
import { codeOf } from '../helpers/errors.js'
import { mkfifo, startFifoSwapper } from '../helpers/fifo.js'

/** The built module: the child runs plain node, without the test's TypeScript loader. */
const FILES_JS = pathToFileURL(resolve('dist/content/files.js')).href

/** Runs `body` (an ES module body with `readContentFile` in scope) in a child; its stdout as JSON. */
function inChild(
  body: string,
  deadlineMs: number,
): { timedOut: boolean; elapsedMs: number; out: unknown; stderr: string } {
  const script = `import { readContentFile } from ${JSON.stringify(FILES_JS)};\n${body}`
  const started = Date.now()
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: deadlineMs,
    killSignal: 'SIGKILL',
  })
  const elapsedMs = Date.now() - started
  const timedOut = r.signal === 'SIGKILL'
  return {
    timedOut,
    elapsedMs,
    out: timedOut || r.status !== 0 ? undefined : (JSON.parse(r.stdout) as unknown),
    stderr: r.stderr,
  }
}

describe('readContentFile', () => {
  it('reads a FIFO planted as a template as missing, at once', () => {
    const c = makeContent()
    mkfifo(join(c.dir, 'templates', 'pipe.md'))
    const r = inChild(
      `const t = Date.now(); const pipe = readContentFile(${JSON.stringify(c.dir)}, 'templates/pipe.md');` +
        `const absent = readContentFile(${JSON.stringify(c.dir)}, 'templates/absent.md');` +
        `process.stdout.write(JSON.stringify({ pipe: pipe === undefined ? 'missing' : 'read', absent: absent === undefined ? 'missing' : 'read', ms: Date.now() - t }))`,
      5000,
    )
    expect(r.timedOut, 'the read blocked on the FIFO').toBe(false)
    expect(r.out).toMatchObject({ pipe: 'missing', absent: 'missing' })
    expect((r.out as { ms: number }).ms).toBeLessThan(1000)
  })

  it('never blocks when a FIFO is renamed over the file while it is read (rename race)', async () => {
    const c = makeContent()
    const tdir = join(c.dir, 'templates')
    const text = 'the regular version of x\n'
    writeFileSync(join(tdir, 'file.keep'), text, { mode: 0o600 })
    mkfifo(join(tdir, 'fifo.keep'))
    writeFileSync(join(tdir, 'x.md'), text, { mode: 0o600 })
    // Another process swaps x.md between the regular file and the FIFO as fast as it can;
    // each swap is one rename(2), so x.md always exists and is one or the other.
    const swapper = startFifoSwapper(tdir)
    try {
      const r = inChild(
        `const seen = { text: 0, missing: 0, partial: 0, changing: 0, other: [] }; const end = Date.now() + 1500;
         while (Date.now() < end) {
           try {
             const f = readContentFile(${JSON.stringify(c.dir)}, 'templates/x.md');
             if (f === undefined) seen.missing++; else if (f.text === ${JSON.stringify(text)}) seen.text++; else seen.partial++;
           } catch (err) {
             if (err.code === 'ERR_CONTENT_UNSAFE' && /kept changing/.test(err.message)) seen.changing++; else seen.other.push(String(err.code ?? err));
           }
         }
         process.stdout.write(JSON.stringify(seen))`,
        15_000,
      )
      expect(r.timedOut, 'a read blocked on the FIFO swapped in').toBe(false)
      expect(r.stderr).toBe('')
      const seen = r.out as {
        text: number
        missing: number
        partial: number
        changing: number
        other: string[]
      }
      expect(seen.other).toEqual([])
      expect(seen.partial).toBe(0)
      // Both states were actually hit, so the race was exercised.
      expect(seen.text).toBeGreaterThan(0)
      expect(seen.missing).toBeGreaterThan(0)
    } finally {
      const exited = once(swapper, 'exit')
      swapper.kill('SIGKILL')
      await exited
    }
  })

  it('reads a socket or a directory where a file should be as missing', async () => {
    const c = makeContent()
    mkdirSync(join(c.dir, 'templates', 'dir.md'))
    const server = createServer()
    await new Promise<void>((done) => server.listen(join(c.dir, 'templates', 'sock.md'), done))
    try {
      expect(readContentFile(c.dir, 'templates/dir.md')).toBeUndefined()
      expect(readContentFile(c.dir, 'templates/sock.md')).toBeUndefined()
    } finally {
      await new Promise<void>((done) => server.close(() => done()))
    }
  })

  it('serves a file at the size cap and refuses one a byte over it', () => {
    const c = makeContent()
    writeFileSync(join(c.dir, 'templates', 'cap.md'), 'x'.repeat(MAX_CONTENT_FILE_BYTES), {
      mode: 0o600,
    })
    writeFileSync(join(c.dir, 'templates', 'over.md'), 'x'.repeat(MAX_CONTENT_FILE_BYTES + 1), {
      mode: 0o600,
    })
    expect(readContentFile(c.dir, 'templates/cap.md')?.text.length).toBe(MAX_CONTENT_FILE_BYTES)
    expect(codeOf(() => readContentFile(c.dir, 'templates/over.md'))).toBe('ERR_CONTENT_TOO_LARGE')
  })
})

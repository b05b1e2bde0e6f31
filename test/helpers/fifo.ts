/** FIFOs planted in a content dir, and a process that swaps one over a file as fast as it can. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'

export function mkfifo(path: string): void {
  const r = spawnSync('mkfifo', ['-m', '600', path], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`mkfifo ${path} failed: ${r.stderr}`)
}

/**
 * Swaps `dir/x.md` between `dir/fifo.keep` and `dir/file.keep` in a loop (the caller creates
 * both). Each swap is one rename(2), so x.md always exists and is one or the other.
 */
export function startFifoSwapper(dir: string): ChildProcess {
  return spawn(
    process.execPath,
    [
      '-e',
      `const fs = require('fs'); const d = ${JSON.stringify(dir)};
     for (;;) {
       fs.linkSync(d + '/fifo.keep', d + '/swap'); fs.renameSync(d + '/swap', d + '/x.md');
       fs.linkSync(d + '/file.keep', d + '/swap'); fs.renameSync(d + '/swap', d + '/x.md');
     }`,
    ],
    { stdio: 'ignore' },
  )
}

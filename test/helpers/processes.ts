/** Real processes to stand in for hosts that are alive or gone. */
import { spawn } from 'node:child_process'
import { defaultProcessReader } from '../../src/client/process-table.js'
import type { HostIdentity } from '../../src/client/token-file.js'

/** The identity of a process that existed and has exited (its pid is free again). */
export async function deadHost(): Promise<HostIdentity> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' })
  const pid = child.pid ?? 0
  const startTime = defaultProcessReader().read(pid)?.startTime ?? '1'
  await new Promise((resolve) => {
    child.once('exit', resolve)
    child.kill('SIGKILL')
  })
  return { pid, startTime }
}

/** The identity of this (test) process: a host that is alive. */
export function liveHost(): HostIdentity {
  const startTime = defaultProcessReader().read(process.pid)?.startTime
  if (startTime === undefined) throw new Error('cannot read this process')
  return { pid: process.pid, startTime }
}

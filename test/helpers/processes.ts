/** Real processes: stand-ins for hosts that are alive or gone, and what a process holds in memory. */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { defaultProcessReader } from '../../src/host/process-table.js'
import type { HostIdentity } from '../../src/host/token-file.js'

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

export interface Memory {
  /** Resident set size now, KiB. */
  rssKb: number
  /** Peak resident set size (VmHWM), KiB. */
  peakKb: number
}

/** A process's memory from /proc (Linux); undefined when it cannot be read (gone, or not Linux). */
export function memoryOf(pid: number): Memory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (field: string): number =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
    const m = { rssKb: kb('VmRSS'), peakKb: kb('VmHWM') }
    return Number.isFinite(m.rssKb) ? m : undefined
  } catch {
    return undefined
  }
}

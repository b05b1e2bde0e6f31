/**
 * @module host/process-table
 * The platform edge of host discovery: what we need to know about one process (parent,
 * start time, argv). Linux reads `/proc` (a few small synchronous reads, no child process);
 * other POSIX hosts (macOS) take one `ps` snapshot of the process table, lazily, and reuse it.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'

/** One process, as far as host discovery cares. */
export interface ProcessInfo {
  pid: number
  ppid: number
  /** Opaque and stable for the life of the process; digits only (safe in a file name). */
  startTime: string
  /** Best-effort argv; `process.title` rewrites it (npx shows up as `npm exec …`). */
  argv: readonly string[]
  /** Kernel name (Linux `comm`, ≤ 15 chars); empty when the platform has none. */
  name: string
}

/** Looks processes up by pid; undefined when the process does not exist (or is unreadable). */
export interface ProcessReader {
  read(pid: number): ProcessInfo | undefined
}

/**
 * Parses `/proc/<pid>/stat`. The name (field 2) is in parentheses and may itself contain
 * spaces and `)`, so fields are counted from the last `)`. Start time is field 22 (clock
 * ticks after boot): together with the pid it names one process for the life of the system.
 */
export function parseProcStat(
  text: string,
): { pid: number; ppid: number; startTime: string; name: string } | undefined {
  const open = text.indexOf('(')
  const close = text.lastIndexOf(')')
  if (open < 0 || close < open) return undefined
  const pid = Number(text.slice(0, open).trim())
  const rest = text.slice(close + 2).split(' ')
  // rest[0] is field 3 (state), so field n is rest[n - 3].
  const ppid = Number(rest[1])
  const startTime = rest[19] ?? ''
  if (!Number.isSafeInteger(pid) || !Number.isSafeInteger(ppid) || !/^[0-9]+$/.test(startTime))
    return undefined
  return { pid, ppid, startTime, name: text.slice(open + 1, close) }
}

/** Reads processes from procfs (Linux). */
export function procfsReader(root = '/proc'): ProcessReader {
  return {
    read(pid: number): ProcessInfo | undefined {
      if (!Number.isSafeInteger(pid) || pid <= 0) return undefined
      let stat: ReturnType<typeof parseProcStat>
      let cmdline = ''
      try {
        stat = parseProcStat(readFileSync(`${root}/${pid}/stat`, 'utf8'))
      } catch {
        return undefined // gone, or hidden from us (hidepid): either way not a usable host
      }
      if (!stat) return undefined
      try {
        cmdline = readFileSync(`${root}/${pid}/cmdline`, 'utf8')
      } catch {
        // a zombie or kernel thread has no cmdline; the kernel name still classifies it
      }
      const argv = cmdline.split('\0')
      while (argv.length > 0 && argv[argv.length - 1] === '') argv.pop()
      return { pid: stat.pid, ppid: stat.ppid, startTime: stat.startTime, argv, name: stat.name }
    },
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
// `pid ppid lstart args`, lstart as C-locale `Www Mmm dd hh:mm:ss yyyy`.
const PS_LINE_RE =
  /^\s*(\d+)\s+(\d+)\s+[A-Z][a-z]{2}\s+([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})(?:\s(.*))?$/

/**
 * Parses `ps -A -o pid=,ppid=,lstart=,args=` run with `LC_ALL=C TZ=UTC`. The start time
 * becomes UTC epoch seconds, so every process of the user gets the same string whatever
 * its own TZ. `args` is split on whitespace: good enough to classify launchers.
 */
export function parsePsTable(text: string): Map<number, ProcessInfo> {
  const table = new Map<number, ProcessInfo>()
  for (const line of text.split('\n')) {
    const m = PS_LINE_RE.exec(line)
    if (!m) continue
    const month = MONTHS.indexOf(m[3] ?? '')
    if (month < 0) continue
    const seconds =
      Date.UTC(Number(m[8]), month, Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7])) / 1000
    const pid = Number(m[1])
    const argv = (m[9] ?? '')
      .trim()
      .split(/\s+/)
      .filter((a) => a !== '')
    table.set(pid, { pid, ppid: Number(m[2]), startTime: String(seconds), argv, name: '' })
  }
  return table
}

const PS_CANDIDATES = ['/bin/ps', '/usr/bin/ps']
const PS_TIMEOUT_MS = 1500

/**
 * Reads processes from one `ps` snapshot, taken on the first lookup. A fixed path (not
 * $PATH) and a fixed locale/time zone keep the output parseable and the start time stable.
 */
export function psReader(psPath?: string): ProcessReader {
  let table: Map<number, ProcessInfo> | undefined
  return {
    read(pid: number): ProcessInfo | undefined {
      if (table === undefined) {
        const bin = psPath ?? PS_CANDIDATES.find((p) => existsSync(p)) ?? 'ps'
        try {
          const out = execFileSync(bin, ['-A', '-ww', '-o', 'pid=,ppid=,lstart=,args='], {
            encoding: 'utf8',
            env: { PATH: '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' },
            stdio: ['ignore', 'pipe', 'ignore'],
            timeout: PS_TIMEOUT_MS,
            maxBuffer: 16 * 1024 * 1024,
          })
          table = parsePsTable(out)
        } catch {
          table = new Map() // no ps, or it hung: no host can be determined
        }
      }
      return table.get(pid)
    },
  }
}

/** The reader for this platform: procfs on Linux, `ps` elsewhere. */
export function defaultProcessReader(platform: NodeJS.Platform = process.platform): ProcessReader {
  return platform === 'linux' ? procfsReader() : psReader()
}

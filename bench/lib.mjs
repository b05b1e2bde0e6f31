// Shared helpers for the benchmarks: child-process servers, stats, and table printing.
import { spawn } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync } from 'node:fs'
import { cpus } from 'node:os'

const TASKSET = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p))

/**
 * On Linux with two or more cores, run the load generator on CPU 0 and the servers on CPU 1,
 * so neither steals the other's core and the comparison is server against server. Call at
 * the top of a benchmark; it re-executes the script pinned and resolves to false in the parent.
 */
export async function pinSelf() {
  if (!TASKSET || process.env.BENCH_PINNED || cpus().length < 2) return true
  const child = spawn(
    TASKSET,
    ['-c', '0', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
      env: { ...process.env, BENCH_PINNED: '1' },
    },
  )
  const [code] = await once(child, 'exit')
  process.exitCode = code ?? 1
  return false
}

/**
 * Start a benchmark server child (pinned to CPU 1 when the bench is pinned) and resolve once it
 * prints `PORT <n>`. With `ipc`, the child gets an IPC channel and the result a `cpu()` that
 * asks it for its own process.cpuUsage() (µs, user + system): finer than /proc's 10 ms ticks.
 */
export function startServer(args, env = {}, { ipc = false } = {}) {
  const pinned = TASKSET && process.env.BENCH_PINNED
  const cmd = pinned ? TASKSET : process.execPath
  const argv = pinned ? ['-c', '1', process.execPath, ...args] : args
  const child = spawn(cmd, argv, {
    stdio: ['ignore', 'pipe', 'inherit', ...(ipc ? ['ipc'] : [])],
    env: { ...process.env, ...env },
  })
  const cpu = async () => {
    child.send('cpu')
    const [m] = await once(child, 'message')
    return m.cpu
  }
  return new Promise((resolve, reject) => {
    let buf = ''
    child.stdout.on('data', (d) => {
      buf += d
      const m = /PORT (\d+)/.exec(buf)
      if (m)
        resolve({ port: Number(m[1]), child, stop: () => stop(child), ...(ipc ? { cpu } : {}) })
    })
    child.once('exit', (code) =>
      reject(new Error(`server ${args.join(' ')} exited with ${code} before it listened`)),
    )
  })
}

async function stop(child) {
  if (child.exitCode !== null) return
  child.kill('SIGTERM')
  await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 3000))])
  if (child.exitCode === null) child.kill('SIGKILL')
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export function fmt(n, digits = 2) {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a'
}

export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)))
  return rows.map((r) => r.map((c, i) => String(c).padEnd(widths[i])).join('  ')).join('\n')
}

export function machine() {
  return import('node:os').then(
    (os) =>
      `${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`,
  )
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux) or ps. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
  } catch {
    const out = execFileSync('ps', ['-o', 'cputime=', '-p', String(pid)], {
      encoding: 'utf8',
    }).trim()
    const parts = out.split(/[:-]/).map(Number)
    return parts.reduce((acc, v) => acc * 60 + v, 0)
  }
}
const CLK_TCK = 100

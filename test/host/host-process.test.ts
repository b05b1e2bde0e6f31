import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import {
  findHostProcess,
  isHostAlive,
  isLauncher,
  processNames,
} from '../../src/host/host-process.js'
import {
  defaultProcessReader,
  type ProcessInfo,
  type ProcessReader,
} from '../../src/host/process-table.js'

const proc = (argv: string[], name = ''): ProcessInfo => ({
  pid: 10,
  ppid: 1,
  startTime: '1',
  argv,
  name,
})

/** A process table given as data (for shapes of trees we cannot spawn here, e.g. pid 1). */
function table(rows: [pid: number, ppid: number, argv: string[], name?: string][]): ProcessReader {
  const map = new Map(
    rows.map(([pid, ppid, argv, name]) => [
      pid,
      { pid, ppid, startTime: String(pid * 10), argv, name: name ?? '' },
    ]),
  )
  return { read: (pid) => map.get(pid) }
}

describe('isLauncher', () => {
  it.each([
    [['/bin/sh', '-c', 'node x'], 'sh'],
    [['-zsh'], '-zsh'],
    [['bash', '/dev/fd/3'], 'bash'],
    [['/usr/bin/env', 'node', 'x'], 'env'],
    [['npm exec briefd mcp'], 'npm exec briefd'],
    [['npx', 'briefd', 'mcp'], ''],
    [['/usr/local/bin/node', '/usr/local/lib/node_modules/npm/bin/npx-cli.js', 'briefd'], 'node'],
    [['node', '--enable-source-maps', '/x/pnpm/bin/pnpm.cjs', 'dlx', 'briefd'], 'node'],
    [['bun', 'x', 'briefd'], 'bun'],
    [['timeout', '30', 'node'], 'timeout'],
    [['/bin/sh', './wrapper.sh'], 'wrapper.sh'],
  ])('treats %j (kernel name %j) as a launcher', (argv, name) => {
    expect(isLauncher(proc(argv, name))).toBe(true)
  })

  it.each([
    [['claude'], 'claude'],
    [['claude', '--resume'], 'claude'],
    [['/Users/me/.local/bin/claude'], ''],
    [['node', '/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js'], 'node'],
    [['node', 'test/fixtures/sim-host.mjs'], 'node'],
    [['bun', 'run', 'host.ts'], 'bun'],
    [['code'], 'code'],
    [[], 'kworker/0:1'],
  ])('treats %j (kernel name %j) as a possible host', (argv, name) => {
    expect(isLauncher(proc(argv, name))).toBe(false)
  })

  it('collects argv[0], the first word of a rewritten title and the kernel name', () => {
    expect(processNames(proc(['npm exec briefd mcp'], 'npm exec briefd')).sort()).toEqual(
      ['npm', 'npm exec briefd', 'npm exec briefd mcp'].sort(),
    )
  })
})

describe('findHostProcess', () => {
  it('skips sh, npm exec and env up to the host', () => {
    const reader = table([
      [100, 1, ['systemd'], 'systemd'],
      [200, 100, ['claude'], 'claude'],
      [300, 200, ['npm exec briefd mcp'], 'npm exec briefd'],
      [400, 300, ['sh', '-c', 'briefd mcp'], 'sh'],
      [500, 400, ['env', 'node', 'briefd'], 'env'],
      [600, 500, ['node', '/x/bin/briefd.js', 'mcp'], 'node'],
      [700, 200, ['/bin/sh', '-c', 'briefd session start'], 'sh'],
      [800, 700, ['node', '/x/bin/briefd.js', 'session', 'start'], 'node'],
    ])
    expect(findHostProcess({ pid: 600, reader })).toEqual({ pid: 200, startTime: '2000' })
    expect(findHostProcess({ pid: 800, reader })).toEqual({ pid: 200, startTime: '2000' })
  })

  it('finds no host when only launchers stand between us and init', () => {
    const reader = table([
      [1, 0, ['/sbin/init'], 'systemd'],
      [50, 1, ['-bash'], 'bash'],
      [60, 50, ['node', 'briefd'], 'node'],
    ])
    expect(findHostProcess({ pid: 60, reader })).toBeUndefined()
  })

  it('accepts a host that is pid 1 itself (a container whose entrypoint is the host)', () => {
    const reader = table([
      [1, 0, ['claude'], 'claude'],
      [7, 1, ['/bin/sh', '-c', 'x'], 'sh'],
      [8, 7, ['node', 'briefd'], 'node'],
    ])
    expect(findHostProcess({ pid: 8, reader })).toEqual({ pid: 1, startTime: '10' })
  })

  it('finds no host when the chain cannot be read', () => {
    const reader = table([[8, 7, ['node', 'briefd'], 'node']])
    expect(findHostProcess({ pid: 8, reader })).toBeUndefined()
    expect(findHostProcess({ pid: 9, reader })).toBeUndefined()
  })

  it('gives up on a cycle instead of looping', () => {
    const reader = table([
      [5, 6, ['sh'], 'sh'],
      [6, 5, ['sh'], 'sh'],
      [8, 5, ['node', 'briefd'], 'node'],
    ])
    expect(findHostProcess({ pid: 8, reader })).toBeUndefined()
  })
})

describe('isHostAlive', () => {
  it('is true for a running process with the same start time, false once it exits', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], {
      stdio: 'ignore',
    })
    const pid = child.pid ?? 0
    const start = defaultProcessReader().read(pid)?.startTime ?? ''
    expect(isHostAlive({ pid, startTime: start })).toBe(true)
    expect(isHostAlive({ pid, startTime: `${start}1` })).toBe(false) // a reused pid
    await new Promise((resolve) => {
      child.once('exit', resolve)
      child.kill('SIGKILL')
    })
    expect(isHostAlive({ pid, startTime: start })).toBe(false)
  })
})

import { describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import {
  parseProcStat,
  parsePsTable,
  procfsReader,
  psReader,
} from '../../src/host/process-table.js'

const linux = process.platform === 'linux'
const hasPs = existsSync('/bin/ps') || existsSync('/usr/bin/ps')

describe('parseProcStat', () => {
  it('reads ppid and start time (field 22)', () => {
    const stat =
      '7368 (cat) R 7367 7348 4877 0 -1 4194304 75 0 0 0 0 0 0 0 20 0 1 0 277798 3133440 382 18446744073709551615'
    expect(parseProcStat(stat)).toEqual({ pid: 7368, ppid: 7367, startTime: '277798', name: 'cat' })
  })

  it('counts fields from the last ")" when the name holds spaces and parentheses', () => {
    const stat = '42 (npm exec) x) y) S 41 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 7 0 123456 1 1'
    expect(parseProcStat(stat)).toEqual({
      pid: 42,
      ppid: 41,
      startTime: '123456',
      name: 'npm exec) x) y',
    })
  })

  it.each(['', 'garbage', '1 (x) S'])('returns undefined for %j', (text) => {
    expect(parseProcStat(text)).toBeUndefined()
  })
})

describe('parsePsTable', () => {
  it('parses pid, ppid, lstart (as UTC epoch seconds) and args', () => {
    const out = [
      '    1     0 Sun Nov 22 04:10:53 2026 /sbin/launchd',
      '  501     1 Mon Aug  3 09:05:07 2026 /Applications/Claude Code.app/Contents/MacOS/claude --resume',
      '  777   501 Mon Aug  3 09:05:08 2026 /bin/sh -c node briefd.js session start',
      '  778   777 Mon Aug  3 09:05:08 2026',
      'not a process line',
    ].join('\n')
    const table = parsePsTable(out)
    expect(table.size).toBe(4)
    expect(table.get(501)).toEqual({
      pid: 501,
      ppid: 1,
      startTime: String(Date.UTC(2026, 7, 3, 9, 5, 7) / 1000),
      argv: ['/Applications/Claude', 'Code.app/Contents/MacOS/claude', '--resume'],
      name: '',
    })
    expect(table.get(777)?.argv.slice(0, 2)).toEqual(['/bin/sh', '-c'])
    expect(table.get(778)?.argv).toEqual([])
  })
})

describe('procfsReader', () => {
  it.runIf(linux)('reads this process: its parent and argv', () => {
    const me = procfsReader().read(process.pid)
    expect(me?.ppid).toBe(process.ppid)
    expect(me?.argv[0]).toMatch(/node/)
    expect(me?.startTime).toMatch(/^[0-9]+$/)
  })

  it.runIf(linux)('returns undefined for a pid that does not exist', () => {
    expect(procfsReader().read(2 ** 30)).toBeUndefined()
    expect(procfsReader().read(0)).toBeUndefined()
  })
})

describe('psReader (the macOS path, run against procps here)', () => {
  it.runIf(hasPs)('sees the same parent chain as /proc', () => {
    const ps = psReader()
    const me = ps.read(process.pid)
    expect(me?.ppid).toBe(process.ppid)
    expect(me?.startTime).toMatch(/^[0-9]+$/)
    if (linux) {
      const proc = procfsReader()
      let pid = process.pid
      for (let i = 0; i < 4 && pid > 1; i++) {
        const viaPs = ps.read(pid)
        expect(viaPs?.ppid).toBe(proc.read(pid)?.ppid)
        pid = viaPs?.ppid ?? 0
      }
    }
  })

  it.runIf(hasPs)(
    'puts the start time within seconds of now for a fresh snapshot of this process',
    () => {
      const started = Date.now() / 1000 - process.uptime()
      const me = psReader().read(process.pid)
      expect(Math.abs(Number(me?.startTime) - started)).toBeLessThan(3)
    },
  )

  it('finds nothing (and does not throw) when ps cannot run', () => {
    expect(psReader('/nonexistent/ps').read(process.pid)).toBeUndefined()
  })
})

// bin/briefd.js when the package is incomplete (a plugin copied without `npm run build` or
// without `npm install`): one stderr line saying what to run; the session hooks still exit 0
// and print nothing on stdout, so a broken install never blocks or pollutes a Claude Code session.
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../helpers/tmp.js'

function pkg(withDist: 'none' | 'broken'): string {
  const root = tempDir('briefd-shim-')
  mkdirSync(join(root, 'bin'))
  copyFileSync(join(import.meta.dirname, '../../bin/briefd.js'), join(root, 'bin/briefd.js'))
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'briefd', type: 'module' }))
  if (withDist === 'broken') {
    mkdirSync(join(root, 'dist/cli'), { recursive: true })
    writeFileSync(
      join(root, 'dist/cli/main.js'),
      "import 'briefd-no-such-dependency'\nexport function main() { return 0 }\n",
    )
  }
  return root
}

function run(
  root: string,
  ...args: string[]
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/briefd.js'), ...args], {
    input: '{}',
    encoding: 'utf8',
    timeout: 10_000,
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('bin/briefd.js with an incomplete package', () => {
  it('without dist/: hooks exit 0 silently on stdout, other commands exit 1; one line each', () => {
    const root = pkg('none')
    for (const args of [
      ['session', 'start'],
      ['session', 'end'],
    ]) {
      expect(run(root, ...args)).toEqual({
        status: 0,
        stdout: '',
        stderr: 'briefd: dist/ is missing; run `npm run build` first\n',
      })
    }
    expect(run(root, 'status')).toEqual({
      status: 1,
      stdout: '',
      stderr: 'briefd: dist/ is missing; run `npm run build` first\n',
    })
    expect(run(root, 'mcp')).toMatchObject({ status: 1, stdout: '' })
  })

  it('without its dependencies: says to run npm install', () => {
    const root = pkg('broken')
    expect(run(root, 'session', 'start')).toEqual({
      status: 0,
      stdout: '',
      stderr: 'briefd: a dependency is missing; run `npm install` in the briefd package first\n',
    })
    expect(run(root, 'doctor')).toMatchObject({ status: 1, stdout: '' })
  })
})

/** Temporary directories for tests, removed after each test file. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'

const made: string[] = []

/** A fresh directory (mode 0700) under the OS temp dir. */
export function tempDir(prefix = 'briefd-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

afterAll(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true })
})

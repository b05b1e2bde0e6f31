/**
 * Leak checks for hostile-input tests: whatever an attacker receives and whatever the daemon
 * writes about a request must hold no confidential canary (helpers/content.ts) and no secret
 * (a session token, the bootstrap credential).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { leakedCanaries, type TestContent } from './content.js'
import type { TestDaemon } from './daemon.js'

/** Secrets shorter than this are test garbage, not credentials (a check for them would be noise). */
const MIN_SECRET_LENGTH = 16

/** The canaries and secrets found in `text` ([] when nothing leaked); a secret is named by its first characters only. */
export function leaksIn(
  content: TestContent,
  text: string,
  secrets: readonly string[] = [],
): string[] {
  const found = leakedCanaries(content, text)
  for (const s of secrets)
    if (s.length >= MIN_SECRET_LENGTH && text.includes(s)) found.push(`secret ${s.slice(0, 10)}…`)
  return found
}

/** Everything the daemon wrote about itself so far: its log lines and its audit log. */
export function daemonTrail(d: Pick<TestDaemon, 'logs' | 'stateDir'>): string {
  const audit = join(d.stateDir, 'audit.log')
  return `${d.logs.join('')}\n${existsSync(audit) ? readFileSync(audit, 'utf8') : ''}`
}

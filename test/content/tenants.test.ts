/**
 * The tenant overlay on real files: `tenants/<t>/` documents replace the shared ones for
 * tenant `<t>` only, and a template in one tenant's folder is not found for anyone else,
 * exactly as one that does not exist.
 */
import { describe, expect, it } from 'vitest'
import { mkdirSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { accessPolicyFinding } from '../../src/access/check.js'
import { ContentStore } from '../../src/content/store.js'
import { checkContent } from '../../src/content/check.js'
import { scanTenants } from '../../src/content/tenants.js'
import type { Logger } from '../../src/shared/log.js'
import { silentLogger } from '../../src/shared/log.js'
import { makeContent, type TestContent } from '../helpers/content.js'
import { tempDir } from '../helpers/tmp.js'

/** Writes `rel` under `dir` (parents made), dated a minute ago so it is not "being edited". */
function put(dir: string, rel: string, text: string): void {
  const path = join(dir, rel)
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 })
  writeFileSync(path, text, { mode: 0o600 })
  const past = new Date(Date.now() - 60_000)
  utimesSync(path, past, past)
}

interface Tenanted extends TestContent {
  acme: { instructions: string; template: string; verdict: string }
}

/** Test content plus tenant `acme` (own instructions, a template of its own, an override). */
function tenantedContent(): Tenanted {
  const c = makeContent()
  const acme = {
    instructions: `ACME-INSTRUCTIONS-${c.canary.template}`,
    template: `ACME-ONLY-TEMPLATE-${c.canary.template}`,
    verdict: `ACME-VERDICT-${c.canary.template}`,
  }
  put(c.dir, 'tenants/acme/instructions.md', `Acme protocol. ${acme.instructions}\n`)
  put(c.dir, 'tenants/acme/templates/acme-report.md', `Acme report. ${acme.template}\n`)
  put(c.dir, 'tenants/acme/templates/verdict.md', `Acme verdict. ${acme.verdict}\n`)
  mkdirSync(join(c.dir, 'tenants', 'globex'), { mode: 0o700 })
  return { ...c, acme }
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    debug: () => {},
    info: () => {},
    warn: (m) => lines.push(m),
    error: (m) => lines.push(m),
  }
}

describe('ContentStore tenant overlay', () => {
  it("serves a tenant its own template and the shared ones it doesn't override", () => {
    const c = tenantedContent()
    const store = new ContentStore({ dir: c.dir, logger: silentLogger, watch: false })
    expect(store.template('acme-report', 'acme')?.content).toContain(c.acme.template)
    expect(store.template('verdict', 'acme')?.content).toContain(c.acme.verdict)
    expect(store.template('hidden', 'acme')?.content).toContain(c.canary.secretTemplate)
    store.close()
  })

  it("gives another tenant, or no tenant, not-found for a tenant's own template", () => {
    const c = tenantedContent()
    const store = new ContentStore({ dir: c.dir, logger: silentLogger, watch: false })
    // Exactly what a template that exists nowhere gives.
    expect(store.template('no-such-template')).toBeUndefined()
    expect(store.template('acme-report', 'globex')).toBeUndefined()
    expect(store.template('acme-report')).toBeUndefined()
    expect(store.template('acme-report', 'initech')).toBeUndefined()
    // And the shared version of an overridden one, never the tenant's.
    expect(store.template('verdict', 'globex')?.content).toContain(c.canary.template)
    expect(store.template('verdict')?.content).not.toContain(c.acme.verdict)
    store.close()
  })

  it('overlays instructions for the tenant only, keeping the shared preamble', () => {
    const c = tenantedContent()
    const store = new ContentStore({ dir: c.dir, logger: silentLogger, watch: false })
    const own = store.instructions('acme')?.content ?? ''
    expect(own).toContain(c.acme.instructions)
    expect(own).toContain(c.canary.preamble)
    expect(own).not.toContain(c.canary.instructions)
    expect(store.instructions('globex')?.content).toContain(c.canary.instructions)
    expect(store.instructions()?.content).not.toContain(c.acme.instructions)
    // voice and briefing: acme has none of its own, so it gets the shared ones.
    expect(store.voice('acme')?.content).toContain(c.canary.voice)
    expect(store.briefing('acme')?.content).toContain(c.canary.briefing)
    // Distinct documents have distinct ETags.
    expect(store.instructions('acme')?.etag).not.toBe(store.instructions()?.etag)
    store.close()
  })

  it('shows an unknown tenant only the shared documents', () => {
    const c = tenantedContent()
    const store = new ContentStore({ dir: c.dir, logger: silentLogger, watch: false })
    expect(store.instructions('initech')?.content).toBe(store.instructions()?.content)
    expect(store.template('verdict', 'initech')?.content).toContain(c.canary.template)
    expect(store.template('hidden', 'initech')?.content).toContain(c.canary.secretTemplate)
    store.close()
  })

  it.each(['..', '.', '../acme', 'acme/..', 'a/b', 'a\\b', '', '.hidden', 'x'.repeat(65)])(
    'refuses the tenant name %j instead of looking it up',
    (tenant) => {
      const c = tenantedContent()
      const store = new ContentStore({ dir: c.dir, logger: silentLogger, watch: false })
      expect(() => store.template('verdict', tenant)).toThrow(TypeError)
      expect(() => store.instructions(tenant)).toThrow(TypeError)
      store.close()
    },
  )

  it('picks up a new tenant folder, and a tenant file removed, without a restart', () => {
    const c = tenantedContent()
    let now = 1_000_000
    const store = new ContentStore({
      dir: c.dir,
      logger: silentLogger,
      watch: false,
      now: () => now,
    })
    expect(store.template('late', 'initech')).toBeUndefined()
    put(c.dir, 'tenants/initech/templates/late.md', 'Late template.\n')
    now += 1_500
    expect(store.template('late', 'initech')?.content).toBe('Late template.\n')
    expect(store.template('late')).toBeUndefined()
    rmSync(join(c.dir, 'tenants', 'acme', 'templates', 'verdict.md'))
    now += 1_500
    expect(store.template('verdict', 'acme')?.content).toContain(c.canary.template)
    store.close()
  })

  it('forgets a tenant whose folder is renamed away', () => {
    const c = tenantedContent()
    let now = 1_000_000
    const store = new ContentStore({
      dir: c.dir,
      logger: silentLogger,
      watch: false,
      now: () => now,
    })
    expect(store.template('acme-report', 'acme')).toBeDefined()
    renameSync(join(c.dir, 'tenants', 'acme'), join(c.dir, 'tenants', 'acme.old'))
    now += 1_500
    expect(store.template('acme-report', 'acme')).toBeUndefined()
    expect(store.tenants()).toEqual(['globex'])
    store.close()
  })

  it('sees an edit through the watcher at once', async () => {
    const c = tenantedContent()
    const store = new ContentStore({ dir: c.dir, logger: silentLogger, revalidateMs: 60_000 })
    expect(store.template('fresh', 'acme')).toBeUndefined()
    put(c.dir, 'tenants/acme/templates/fresh.md', 'Fresh.\n')
    const deadline = Date.now() + 3_000
    while (store.template('fresh', 'acme') === undefined && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20))
    expect(store.template('fresh', 'acme')?.content).toBe('Fresh.\n')
    store.close()
  })

  it('ignores, with one warning each, tenant entries that are not names or leave the dir', () => {
    const c = tenantedContent()
    const outside = tempDir()
    put(outside, 'templates/verdict.md', 'OUTSIDE-THE-CONTENT-DIR\n')
    symlinkSync(outside, join(c.dir, 'tenants', 'evil'))
    mkdirSync(join(c.dir, 'tenants', 'bad.name'))
    put(c.dir, 'tenants/file-not-dir', 'x')
    symlinkSync(join(c.dir, 'tenants', 'acme'), join(c.dir, 'tenants', 'acme-alias'))
    const logger = recordingLogger()
    const store = new ContentStore({ dir: c.dir, logger, watch: false })
    expect(store.tenants()).toEqual(['acme', 'acme-alias', 'globex'])
    expect(store.template('verdict', 'evil')?.content).toContain(c.canary.template)
    expect(store.template('verdict', 'acme-alias')?.content).toContain(c.acme.verdict)
    store.tenants()
    expect(logger.lines.filter((l) => l.includes('tenants/evil'))).toHaveLength(1)
    expect(logger.lines.filter((l) => l.includes('tenants/bad.name'))).toHaveLength(1)
    expect(logger.lines.filter((l) => l.includes('tenants/file-not-dir'))).toHaveLength(1)
    expect(logger.lines.join('\n')).not.toContain('OUTSIDE')
    store.close()
  })

  it('ignores a tenants dir that is a symlink out of the content dir', () => {
    const c = makeContent()
    const outside = tempDir()
    put(outside, 'acme/templates/x.md', 'OUTSIDE\n')
    symlinkSync(outside, join(c.dir, 'tenants'))
    expect(scanTenants(c.dir)).toEqual({
      tenants: [],
      ignored: [{ entry: 'tenants', reason: 'leads out of the content dir' }],
    })
    const store = new ContentStore({ dir: c.dir, logger: silentLogger, watch: false })
    expect(store.template('x', 'acme')).toBeUndefined()
    store.close()
  })

  it('behaves as before for a content dir with no tenants folder', () => {
    const c = makeContent()
    const store = new ContentStore({ dir: c.dir, logger: silentLogger, watch: false })
    expect(store.tenants()).toEqual([])
    expect(store.template('verdict', 'acme')?.content).toBe(store.template('verdict')?.content)
    expect(store.instructions('acme')).toBe(store.instructions())
    store.close()
  })
})

describe('checkContent with tenants, and accessPolicyFinding', () => {
  it('lists each tenant with its own templates and warns about what is not served', () => {
    const c = tenantedContent()
    put(c.dir, 'tenants/acme/preamble.md', 'a preamble of its own\n')
    put(c.dir, 'tenants/acme/templates/bad.name.md', 'x')
    mkdirSync(join(c.dir, 'tenants', '..hidden'))
    const report = checkContent(c.dir)
    expect(report.tenants).toEqual([
      { name: 'acme', templates: ['acme-report', 'verdict'] },
      { name: 'globex', templates: [] },
    ])
    const warned = report.findings.filter((f) => f.level === 'warning').map((f) => f.file)
    expect(warned).toContain(join(c.dir, 'tenants', 'acme', 'preamble.md'))
    expect(warned).toContain(join(c.dir, 'tenants', 'acme', 'templates', 'bad.name.md'))
    expect(warned).toContain(join(c.dir, 'tenants', '..hidden'))
    expect(report.findings.filter((f) => f.level === 'error')).toEqual([])
  })

  it("reports a tenant's instructions that are too long as an error", () => {
    const c = tenantedContent()
    put(c.dir, 'tenants/acme/instructions.md', 'x'.repeat(3000))
    const errors = checkContent(c.dir).findings.filter((f) => f.level === 'error')
    expect(errors.map((f) => f.file)).toEqual([join(c.dir, 'tenants/acme/instructions.md')])
  })

  it('reports a bad access.json as one error naming the field, not the value', () => {
    const c = makeContent()
    put(
      c.dir,
      'access.json',
      JSON.stringify({ scopes: { documents: { 'templates/x': 'sk-live secret' } } }),
    )
    expect(checkContent(c.dir).findings.filter((f) => f.level === 'error')).toEqual([])
    const errors = [accessPolicyFinding(c.dir)]
    expect(errors).toEqual([
      {
        level: 'error',
        file: join(c.dir, 'access.json'),
        message: expect.stringMatching(
          /^scopes\.documents\["templates\/x"\] must be a scope string/,
        ),
      },
    ])
    expect(JSON.stringify(errors)).not.toContain('sk-live')
  })

  it('accepts a good access.json and no access.json alike', () => {
    const c = makeContent()
    expect(accessPolicyFinding(c.dir)).toBeUndefined()
    put(c.dir, 'access.json', JSON.stringify({ scopes: { default: 'briefd:read' } }))
    expect(accessPolicyFinding(c.dir)).toBeUndefined()
  })
})

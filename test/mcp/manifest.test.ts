import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { loadManifest, parseManifest } from '../../src/mcp/manifest.js'
import { isBriefdError } from '../../src/shared/errors.js'
import { tempDir } from '../helpers/tmp.js'

const valid = (): Record<string, unknown> => ({
  server: { name: 's', version: '1' },
  instructions: { fallback: 'generic' },
  tools: [{ name: 't', description: 'd', template: 'tpl', inputSchema: { type: 'object', properties: { a: { type: 'string' } } }, fallback: 'A={{a}}' }],
})

function write(text: string | Buffer): string {
  const path = join(tempDir('briefd-manifest-'), 'tools.json')
  writeFileSync(path, text)
  return path
}

const invalid = (message: RegExp) => expect.objectContaining({ code: 'ERR_MANIFEST_INVALID', message: expect.stringMatching(message) })

describe('loadManifest', () => {
  it('loads the example manifest shipped in the package', () => {
    const m = loadManifest(resolve('examples/tools.json'))
    expect(m.tools.map((t) => [t.name, t.template])).toEqual([
      ['review_start', 'review-start'],
      ['score_change', 'score-change'],
      ['review_verdict', 'review-verdict'],
      ['reviewer_brief', 'reviewer-agent'],
    ])
    expect(m.briefing).toMatchObject({ tool: 'read_briefing', prompt: 'briefing' })
  })

  it('fills in the briefing defaults', () => {
    expect(parseManifest(valid(), 'x.json').briefing).toMatchObject({ tool: 'read_briefing', prompt: 'briefing' })
    const m = valid()
    m.briefing = { tool: null, prompt: null }
    expect(parseManifest(m, 'x.json').briefing).toMatchObject({ tool: null, prompt: null })
  })

  it.each([
    ['a missing file', () => '/nonexistent/briefd/tools.json', /tools.json does not exist/],
    ['a directory', () => tempDir('briefd-dir-'), /is not a regular file|cannot be read/],
    ['an empty file', () => write(''), /is not valid JSON/],
    ['not JSON', () => write('{"server":'), /is not valid JSON/],
    ['not UTF-8', () => write(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), /is not UTF-8 text/],
    ['a JSON array', () => write('[]'), /\(top level\): must be an object/],
    ['JSON null', () => write('null'), /\(top level\): must be an object/],
    ['nested 100 000 levels deep', () => write('['.repeat(100_000) + ']'.repeat(100_000)), /nested too deeply|must be an object/],
    ['larger than 1 MiB', () => write(`{"x":"${'a'.repeat(1024 * 1024)}"}`), /at most 1048576 are allowed/],
  ])('refuses %s with one message naming the file', (_label, make, message) => {
    const path = make()
    expect(() => loadManifest(path)).toThrow(invalid(message))
    expect(() => loadManifest(path)).toThrow(new RegExp(path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
  })

  it('does not hang on a FIFO', () => {
    const path = join(tempDir('briefd-fifo-'), 'tools.json')
    execFileSync('mkfifo', [path])
    expect(() => loadManifest(path)).toThrow(invalid(/is not a regular file/))
  })

  it('follows a symlink to a regular manifest (the manifest is not a secret)', () => {
    const dir = tempDir('briefd-link-')
    mkdirSync(join(dir, 'real'))
    writeFileSync(join(dir, 'real', 'tools.json'), JSON.stringify(valid()))
    symlinkSync(join(dir, 'real', 'tools.json'), join(dir, 'tools.json'))
    expect(loadManifest(join(dir, 'tools.json')).tools).toHaveLength(1)
  })
})

describe('parseManifest', () => {
  const tool = (patch: Record<string, unknown>) => {
    const m = valid()
    m.tools = [{ ...(m.tools as Record<string, unknown>[])[0], ...patch }]
    return m
  }
  it.each([
    ['an unknown top-level field', { ...valid(), extra: 1 }, /\(top level\): unknown field "extra"/],
    ['no server', { ...valid(), server: undefined }, /server: must be an object/],
    ['an empty server name', { ...valid(), server: { name: ' ', version: '1' } }, /server.name: must be a non-empty string/],
    ['no generic instructions', { ...valid(), instructions: {} }, /instructions.fallback: must be a non-empty string/],
    ['tools that are not a list', { ...valid(), tools: {} }, /tools: must be a list/],
    ['a bad tool name', tool({ name: 'has space' }), /tools\[0\].name: "has space" is not valid/],
    ['a tool name that is too long', tool({ name: 'x'.repeat(65) }), /tools\[0\].name: must be at most 64 characters/],
    ['a template name with a path', tool({ template: '../sessions/current' }), /tools\[0\].template: "..\/sessions\/current" is not valid/],
    ['an unknown tool field', tool({ handler: 'x' }), /tools\[0\]: unknown field "handler"/],
    ['a fallback using an undeclared placeholder', tool({ fallback: '{{b}}' }), /tools\[0\].fallback: uses \{\{b\}\}, which is not a property/],
    ['a non-boolean annotation', tool({ annotations: { readOnlyHint: 'yes' } }), /tools\[0\].annotations.readOnlyHint: must be true or false/],
    ['a bad input schema', tool({ inputSchema: { type: 'object', anyOf: [] } }), /x.json: tools\[0\].inputSchema: keyword "anyOf"/],
    ['a description that is not text', tool({ description: 42 }), /tools\[0\].description: must be a non-empty string/],
    ['a tool named like the briefing tool', tool({ name: 'read_briefing' }), /tools\[0\].name: "read_briefing" is used twice \(it is the briefing tool's name\)/],
    ['a bad briefing tool name', { ...valid(), briefing: { tool: 'a/b' } }, /briefing.tool: "a\/b" is not valid/],
    ['more than 128 tools', { ...valid(), tools: Array.from({ length: 129 }, () => ({})) }, /tools: has 129 tools; at most 128/],
  ])('refuses %s, naming the field', (_label, raw, message) => {
    expect(() => parseManifest(JSON.parse(JSON.stringify(raw)), 'x.json')).toThrow(invalid(message))
  })

  it('refuses two tools with one name', () => {
    const m = valid()
    m.tools = [...(m.tools as unknown[]), ...(m.tools as unknown[])]
    expect(() => parseManifest(m, 'x.json')).toThrow(invalid(/tools\[1\].name: "t" is used twice/))
  })

  it('refuses prototype keys without touching any prototype', () => {
    const raw = JSON.parse('{"__proto__":{"polluted":true},"server":{"name":"s","version":"1"},"instructions":{"fallback":"g"},"tools":[]}') as unknown
    expect(() => parseManifest(raw, 'x.json')).toThrow(invalid(/unknown field "__proto__"/))
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it.each(Array.from({ length: 200 }, (_, i) => i))('throws only ERR_MANIFEST_INVALID for random mutation #%i', (seed) => {
    // A small deterministic fuzz: random values spliced into random places of a valid manifest.
    let x = seed * 2654435761 + 1
    const rnd = (n: number): number => {
      x = (x * 1103515245 + 12345) % 2 ** 31
      return x % n
    }
    const values: unknown[] = [null, 0, -1, 1e308, '', 'x'.repeat(70), [], {}, [[]], { type: 'object' }, true, '{{a}}', '__proto__']
    const raw = JSON.parse(JSON.stringify(valid())) as Record<string, unknown>
    const paths: (string | number)[][] = [['server'], ['server', 'name'], ['instructions', 'fallback'], ['tools'], ['tools', 0], ['tools', 0, 'inputSchema'], ['tools', 0, 'inputSchema', 'properties', 'a'], ['tools', 0, 'inputSchema', 'properties', 'a', 'type'], ['tools', 0, 'name'], ['briefing']]
    for (let k = 0; k <= rnd(3); k++) {
      const path = paths[rnd(paths.length)] ?? []
      let node: unknown = raw
      for (const key of path.slice(0, -1)) node = node && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined
      if (node && typeof node === 'object') (node as Record<string | number, unknown>)[path[path.length - 1] ?? 'x'] = values[rnd(values.length)]
    }
    expect(() => {
      try {
        parseManifest(raw, 'fuzz.json')
      } catch (err) {
        if (!isBriefdError(err, 'ERR_MANIFEST_INVALID') || !err.message.startsWith('tool manifest fuzz.json: ')) throw err
      }
    }).not.toThrow()
  })
})

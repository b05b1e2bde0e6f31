import { describe, expect, it } from 'vitest'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { loadManifest, parseManifest } from '../../src/briefing/manifest.js'
import { isBriefdError } from '../../src/shared/errors.js'
import { tempDir } from '../helpers/tmp.js'

const valid = (): Record<string, unknown> => ({
  server: { name: 's', version: '1' },
  instructions: { fallback: 'generic' },
  tools: [
    {
      name: 't',
      description: 'd',
      template: 'tpl',
      inputSchema: { type: 'object', properties: { a: { type: 'string' } } },
      fallback: 'A={{a}}',
    },
  ],
})

function write(text: string | Buffer): string {
  const path = join(tempDir('briefd-manifest-'), 'tools.json')
  writeFileSync(path, text)
  return path
}

const invalid = (message: RegExp) =>
  expect.objectContaining({ code: 'ERR_MANIFEST_INVALID', message: expect.stringMatching(message) })

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
    expect(parseManifest(valid(), 'x.json').briefing).toMatchObject({
      tool: 'read_briefing',
      prompt: 'briefing',
    })
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
    [
      'nested 100 000 levels deep',
      () => write('['.repeat(100_000) + ']'.repeat(100_000)),
      /nested too deeply|must be an object/,
    ],
    [
      'larger than 1 MiB',
      () => write(`{"x":"${'a'.repeat(1024 * 1024)}"}`),
      /at most 1048576 are allowed/,
    ],
  ])('refuses %s with one message naming the file', (_label, make, message) => {
    const path = make()
    expect(() => loadManifest(path)).toThrow(invalid(message))
    expect(() => loadManifest(path)).toThrow(
      new RegExp(path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
    )
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
    [
      'an unknown top-level field',
      { ...valid(), extra: 1 },
      /\(top level\): has an unknown field \(key 4 of 4; allowed: \$schema, server, instructions, briefing, tools\)$/,
    ],
    ['no server', { ...valid(), server: undefined }, /server: must be an object/],
    [
      'an empty server name',
      { ...valid(), server: { name: ' ', version: '1' } },
      /server.name: must be a non-empty string/,
    ],
    [
      'no generic instructions',
      { ...valid(), instructions: {} },
      /instructions.fallback: must be a non-empty string/,
    ],
    ['tools that are not a list', { ...valid(), tools: {} }, /tools: must be a list/],
    [
      'a bad tool name',
      tool({ name: 'has space' }),
      /tools\[0\].name: is not valid \(1–64 letters/,
    ],
    [
      'a tool name that is too long',
      tool({ name: 'x'.repeat(65) }),
      /tools\[0\].name: must be at most 64 characters/,
    ],
    [
      'a template name with a path',
      tool({ template: '../sessions/current' }),
      /tools\[0\].template: is not valid \(1–64 letters/,
    ],
    [
      'an unknown tool field',
      tool({ handler: 'x' }),
      /tools\[0\]: has an unknown field \(key 6 of 6; allowed: /,
    ],
    [
      "a typo in a tool's field, naming the author's spelling and the field meant",
      tool({ inputSchma: { type: 'object' } }),
      /tools\[0\]: has an unknown field "inputSchma"; did you mean inputSchema\? \(allowed: /,
    ],
    [
      'a typo in a top-level field, naming it because it is a typo of an allowed one',
      { ...valid(), tool: [] },
      /\(top level\): has an unknown field "tool"; did you mean tools\? \(allowed: /,
    ],
    [
      'a fallback using an undeclared placeholder',
      tool({ fallback: '{{reviewer}}' }),
      /tools\[0\].fallback: placeholder \{\{reviewer\}\} names no property of inputSchema \(properties: a\)$/,
    ],
    [
      'a non-boolean annotation',
      tool({ annotations: { readOnlyHint: 'yes' } }),
      /tools\[0\].annotations.readOnlyHint: must be true or false/,
    ],
    [
      'a bad input schema',
      tool({ inputSchema: { type: 'object', anyOf: [] } }),
      /x.json: tools\[0\].inputSchema: has a keyword that is not supported \(key 2 of 2; /,
    ],
    [
      'a description that is not text',
      tool({ description: 42 }),
      /tools\[0\].description: must be a non-empty string/,
    ],
    [
      'a tool named like the briefing tool',
      tool({ name: 'read_briefing' }),
      /tools\[0\].name: is the briefing tool's name \(briefing.tool\)/,
    ],
    [
      'a bad briefing tool name',
      { ...valid(), briefing: { tool: 'a/b' } },
      /briefing.tool: is not valid/,
    ],
    [
      'more than 128 tools',
      { ...valid(), tools: Array.from({ length: 129 }, () => ({})) },
      /tools: has 129 tools; at most 128/,
    ],
  ])('refuses %s, naming the field', (_label, raw, message) => {
    expect(() => parseManifest(JSON.parse(JSON.stringify(raw)), 'x.json')).toThrow(invalid(message))
  })

  it('refuses two tools with one name', () => {
    const m = valid()
    m.tools = [...(m.tools as unknown[]), ...(m.tools as unknown[])]
    expect(() => parseManifest(m, 'x.json')).toThrow(
      invalid(/tools\[1\].name: is used twice \(the same as tools\[0\].name\)/),
    )
  })

  it('refuses prototype keys without touching any prototype', () => {
    const raw = JSON.parse(
      '{"__proto__":{"polluted":true},"server":{"name":"s","version":"1"},"instructions":{"fallback":"g"},"tools":[]}',
    ) as unknown
    expect(() => parseManifest(raw, 'x.json')).toThrow(
      invalid(/\(top level\): has an unknown field \(key 1 of 4;/),
    )
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it.each(Array.from({ length: 200 }, (_, i) => i))(
    'throws only ERR_MANIFEST_INVALID for random mutation #%i',
    (seed) => {
      // A small deterministic fuzz: random values spliced into random places of a valid manifest.
      let x = seed * 2654435761 + 1
      const rnd = (n: number): number => {
        x = (x * 1103515245 + 12345) % 2 ** 31
        return x % n
      }
      const values: unknown[] = [
        null,
        0,
        -1,
        1e308,
        '',
        'x'.repeat(70),
        [],
        {},
        [[]],
        { type: 'object' },
        true,
        '{{a}}',
        '__proto__',
      ]
      const raw = JSON.parse(JSON.stringify(valid())) as Record<string, unknown>
      const paths: (string | number)[][] = [
        ['server'],
        ['server', 'name'],
        ['instructions', 'fallback'],
        ['tools'],
        ['tools', 0],
        ['tools', 0, 'inputSchema'],
        ['tools', 0, 'inputSchema', 'properties', 'a'],
        ['tools', 0, 'inputSchema', 'properties', 'a', 'type'],
        ['tools', 0, 'name'],
        ['briefing'],
      ]
      for (let k = 0; k <= rnd(3); k++) {
        const path = paths[rnd(paths.length)] ?? []
        let node: unknown = raw
        for (const key of path.slice(0, -1))
          node =
            node && typeof node === 'object'
              ? (node as Record<string | number, unknown>)[key]
              : undefined
        if (node && typeof node === 'object')
          (node as Record<string | number, unknown>)[path[path.length - 1] ?? 'x'] =
            values[rnd(values.length)]
      }
      expect(() => {
        try {
          parseManifest(raw, 'fuzz.json')
        } catch (err) {
          if (
            !isBriefdError(err, 'ERR_MANIFEST_INVALID') ||
            !err.message.startsWith('tool manifest fuzz.json: ')
          )
            throw err
        }
      }).not.toThrow()
    },
  )
})

describe('manifest errors never quote the file (BRIEFD_TOOLS may name a secret)', () => {
  const CANARY = 'CANARY-7f3a9c'
  const quotesNothing = (path: string): string => {
    let message = ''
    try {
      loadManifest(path)
    } catch (err) {
      message = err instanceof Error ? err.message : String(err)
    }
    expect(message).toMatch(/^tool manifest /)
    expect(message).toContain(path)
    expect(message).not.toContain(CANARY)
    expect(message).not.toContain('root:x')
    return message
  }

  it.each([
    [
      'a passwd-like file',
      `root:x:0:0:${CANARY}:/root:/bin/bash\n`,
      'line 1 column 1 (expected a value',
    ],
    [
      'a PEM key',
      `-----BEGIN OPENSSH PRIVATE KEY-----\n${CANARY}\n`,
      'line 1 column 1 (malformed number)',
    ],
    ['a .env file', `TOKEN=${CANARY}\n`, 'line 1 column 1 (expected a value'],
    [
      'JSON broken on line 3',
      `{\n  "server": {\n    "name": ${CANARY}\n`,
      'line 3 column 13 (expected a value',
    ],
    [
      'a string with a raw line break',
      `{"k": "${CANARY}\n"}`,
      'line 1 column 21 (control character (such as a line break) inside a string)',
    ],
    [
      'JSON followed by text',
      `{}\n${CANARY}`,
      'line 2 column 1 (unexpected text after the end of the JSON value)',
    ],
    [
      'an unclosed object',
      `{"${CANARY}": 1`,
      'line 1 column 20 (unexpected end of file (an object is not closed))',
    ],
  ])('names where %s stops being JSON, not what it holds', (_what, text, where) => {
    expect(quotesNothing(write(text))).toContain(`is not valid JSON at ${where}`)
  })

  it.each([
    ['a JSON credentials file', { [CANARY]: CANARY }],
    ['a known key with a secret value', { server: CANARY }],
    [
      'a bad tool name',
      { ...valid(), tools: [{ ...(valid().tools as object[])[0], name: `${CANARY} x` }] },
    ],
    [
      'a bad template name',
      { ...valid(), tools: [{ ...(valid().tools as object[])[0], template: `../${CANARY}` }] },
    ],
    [
      'an unknown tool field',
      { ...valid(), tools: [{ ...(valid().tools as object[])[0], [CANARY]: 1 }] },
    ],
    // An undeclared {{placeholder}} is named on purpose (the author's own identifier, in a
    // file already shaped as a manifest): see 'a fallback using an undeclared placeholder'.
    [
      'two tools with one name',
      {
        ...valid(),
        tools: [
          { ...(valid().tools as object[])[0], name: CANARY },
          { ...(valid().tools as object[])[0], name: CANARY },
        ],
      },
    ],
    [
      'an unsupported schema keyword',
      {
        ...valid(),
        tools: [
          { ...(valid().tools as object[])[0], inputSchema: { type: 'object', [CANARY]: 1 } },
        ],
      },
    ],
    [
      'a bad property name',
      {
        ...valid(),
        tools: [
          {
            ...(valid().tools as object[])[0],
            fallback: 'x',
            inputSchema: { type: 'object', properties: { [`${CANARY} x`]: { type: 'string' } } },
          },
        ],
      },
    ],
    [
      'an undeclared required name',
      {
        ...valid(),
        tools: [
          {
            ...(valid().tools as object[])[0],
            inputSchema: {
              type: 'object',
              properties: { a: { type: 'string' } },
              required: [CANARY],
            },
          },
        ],
      },
    ],
    [
      'a default outside its enum',
      {
        ...valid(),
        tools: [
          {
            ...(valid().tools as object[])[0],
            inputSchema: {
              type: 'object',
              properties: { a: { type: 'string', enum: [CANARY], default: 'x' } },
            },
          },
        ],
      },
    ],
    [
      'a default that breaks its pattern',
      {
        ...valid(),
        tools: [
          {
            ...(valid().tools as object[])[0],
            inputSchema: {
              type: 'object',
              properties: { a: { type: 'string', pattern: `^${CANARY}$`, default: 'x' } },
            },
          },
        ],
      },
    ],
  ])('names the field of %s, never its text', (_what, raw) => {
    quotesNothing(write(JSON.stringify(raw)))
  })

  it('briefd mcp with BRIEFD_TOOLS=<a secret file>: exit 1, one line naming the file and the position, none of its content', () => {
    const path = write(
      `root:x:0:0:root:/root:/bin/bash\n${CANARY}:x:1000:1000::/home/${CANARY}:/bin/sh\n`,
    )
    const r = spawnSync(process.execPath, ['bin/briefd.js', 'mcp'], {
      encoding: 'utf8',
      input: '',
      env: { ...process.env, BRIEFD_TOOLS: path },
      timeout: 15_000,
    })
    expect(r.status).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(
      `briefd mcp: error: tool manifest ${path} is not valid JSON at line 1 column 1 (expected a value (an object, list, string, number, true, false or null))\n`,
    )
    expect(r.stderr).not.toContain(CANARY)
    expect(r.stderr).not.toContain('root')
  })
})

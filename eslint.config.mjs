// Lint: typescript-eslint's recommended rules, no `any`, no console in src/ (stdout belongs to
// the protocol: JSON-RPC in `briefd mcp`, model context in a SessionStart hook; diagnostics go
// through shared/log.ts to stderr), and the layering of the folders, each message naming the fix.
import tseslint from 'typescript-eslint'

const sibling = (...dirs) => dirs.flatMap((d) => [`../${d}/*`, `../../${d}/*`])

const layer = (files, forbidden, message, packages = []) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          { group: sibling(...forbidden), message },
          ...(packages.length ? [{ group: packages, message }] : []),
        ],
      },
    ],
  },
})

// The folders of src/, each with one job (README "Architecture").
const FOLDERS = [
  'shared',
  'daemon',
  'tokens',
  'content',
  'access',
  'apikeys',
  'oauth',
  'signin',
  'briefing',
  'client',
  'host',
  'hooks',
  'mcp',
  'cli',
  'control',
  'install',
  'doctor',
  'plugin',
]
const DAEMON_SIDE = [
  'daemon',
  'tokens',
  'content',
  'access',
  'apikeys',
  'oauth',
  'cli',
  'control',
  'doctor',
  'shared',
]
const INTERNAL =
  'is a daemon internal: it may use shared/ and the other internals only; pass anything else in as an argument.'
const LAYERS = {
  shared: {
    may: [],
    why: 'imports nothing from its siblings: move the code into shared/ or pass it in as an argument.',
  },
  tokens: { may: ['content'], why: INTERNAL },
  content: { may: ['tokens'], why: INTERNAL },
  access: { may: ['content'], why: INTERNAL },
  apikeys: { may: [], why: INTERNAL },
  oauth: { may: [], why: INTERNAL },
  briefing: {
    may: [],
    why: 'builds MCP servers from a manifest and a DocumentSource for both briefd mcp and the daemon: it may use shared/ only (and must not pull hono or jose into the briefd mcp bundle).',
  },
  daemon: {
    may: ['tokens', 'content', 'access', 'apikeys', 'oauth', 'control', 'briefing'],
    why: 'serves; it does not call itself: use tokens/, content/, access/, apikeys/, oauth/, control/instance-lock and shared/.',
  },
  host: {
    may: [],
    why: 'finds the host process, the runtime dir and token files with shared/ only: daemon HTTP belongs in client/.',
  },
  client: {
    may: ['host', 'briefing'],
    why: 'talks to the daemon over HTTP (client/daemon-request.ts) and finds its token through host/: nothing daemon-side.',
  },
  signin: {
    may: ['client'],
    why: 'signs in to a hosted daemon from the user side: authorization server HTTP, the credential store, and client/ for the daemon; nothing daemon-side.',
  },
  hooks: {
    may: ['client', 'host', 'signin'],
    why: 'runs session start|end through client/ (daemon HTTP), host/ (token files) and signin/ (hosted daemons).',
  },
  mcp: {
    may: ['client', 'host', 'briefing', 'signin'],
    why: 'briefd mcp must not reach daemon-side code or content: use client/ (daemon API), host/, briefing/, signin/ (hosted daemons) and shared/.',
  },
}
const DAEMON_ONLY = ['hono', 'hono/*', '@hono/*', 'jose', 'commander']

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'bench/**',
      'examples/**',
      'test/fixtures/**',
      'coverage/**',
      '.ci-out/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  { files: ['src/**/*.ts'], rules: { 'no-console': 'error' } },
  // Each folder names the siblings it may import; everything else is refused with the fix.
  ...Object.entries(LAYERS).map(([dir, { may, why }]) =>
    layer(
      [`src/${dir}/**/*.ts`],
      FOLDERS.filter((f) => f !== dir && f !== 'shared' && !may.includes(f)),
      `${dir}/ ${why}`,
      DAEMON_SIDE.includes(dir) ? [] : DAEMON_ONLY,
    ),
  ),
)

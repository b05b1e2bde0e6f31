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
  layer(
    ['src/shared/**/*.ts'],
    ['daemon', 'session', 'content', 'client', 'mcp', 'cli', 'control', 'install', 'doctor'],
    'shared/ imports nothing from its siblings: move the code into shared/ or pass it in as an argument.',
  ),
  layer(
    ['src/mcp/**/*.ts'],
    ['daemon', 'session', 'content', 'cli', 'control', 'install', 'doctor'],
    'briefd mcp must not reach daemon-side code or content: use client/ (daemon API) and shared/.',
    DAEMON_ONLY,
  ),
  layer(
    ['src/client/**/*.ts'],
    ['daemon', 'session', 'content', 'cli', 'mcp', 'install', 'doctor'],
    'client/ talks to the daemon over HTTP only: use client/http.ts, client/documents.ts and shared/.',
    DAEMON_ONLY,
  ),
  layer(
    ['src/session/**/*.ts', 'src/content/**/*.ts'],
    ['daemon', 'client', 'mcp', 'cli', 'install', 'doctor'],
    'session/ and content/ are daemon internals: they may use shared/ only (and each other).',
  ),
  layer(
    ['src/daemon/**/*.ts'],
    ['client', 'mcp', 'cli', 'install', 'doctor'],
    'the daemon serves; it does not call itself: use session/, content/, control/instance-lock and shared/.',
  ),
)

import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // A test CA made once per run and trusted via NODE_EXTRA_CA_CERTS in every forked worker.
    globalSetup: ['test/helpers/tls-global-setup.ts'],
    // Concurrent cases (test/adversarial/flood.test.ts) mostly wait on the daemon's timeouts.
    maxConcurrency: 20,
  },
})

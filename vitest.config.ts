import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Concurrent cases (test/adversarial/flood.test.ts) mostly wait on the daemon's timeouts.
    maxConcurrency: 20,
  },
})

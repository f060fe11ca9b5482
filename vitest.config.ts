import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'app/**/*.test.ts', 'workers/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each file gets its own database and Redis prefix, so files may run in parallel.
    pool: 'forks',
    fileParallelism: true,
  },
});

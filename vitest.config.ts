import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'app/**/*.test.ts', 'workers/**/*.test.ts'],
    // The services, then the production build (once, before the files that serve it).
    globalSetup: ['tests/support/global-setup.ts', 'tests/support/build-web.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each file gets its own database and Redis prefix, so files may run in parallel.
    pool: 'forks',
    fileParallelism: true,
  },
});

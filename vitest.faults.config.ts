import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: the fault scenarios of tests/faults (named *.faults.ts, so that
 * `npm test` never picks them up). Real processes are started and broken, so one file at a
 * time: the scenarios must not fight over a small machine's cores.
 */
export default defineConfig({
  test: {
    include: ['tests/faults/**/*.faults.ts'],
    globalSetup: ['tests/support/global-setup.ts', 'tests/support/build-web.ts'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
    // The table of results is printed by the scenario file itself.
    reporters: ['default'],
  },
});

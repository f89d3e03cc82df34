import { defineConfig } from 'vitest/config';

/** Runs only the simulator's tests, without the repo's Temporal/PostgreSQL global setup. */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/simulator/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
  },
});

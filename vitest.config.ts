import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Two cores: more parallel files only make Temporal workers and PostgreSQL fight for CPU.
    maxWorkers: 2,
    // Generous: a slow shared machine must not turn a correct test red; behaviour, not speed, is tested.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 30_000,
  },
});

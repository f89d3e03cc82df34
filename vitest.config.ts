import { defineConfig } from 'vitest/config';

/**
 * Two projects, one `npm test`:
 * - `workflows`: the fast tier (test/workflows/), workflow code with mocked activities on Temporal's
 *   time-skipping test server, which each file starts itself (its global setup only bundles the workflows). It needs no PostgreSQL and no dev server, so it
 *   runs alone in seconds with `npm run test:workflows`.
 * - `integration`: everything else, against the real Temporal dev server and PostgreSQL that the global setup
 *   starts once per run.
 */
/** How every suite runs (also the soak's, vitest.soak.config.ts). */
export const runOptions = {
  pool: 'forks',
  // Two cores: more parallel files only make Temporal workers and PostgreSQL fight for CPU.
  maxWorkers: 2,
  // Generous: a slow shared machine must not turn a correct test red; behaviour, not speed, is tested.
  testTimeout: 120_000,
  hookTimeout: 180_000,
  teardownTimeout: 30_000,
} as const;

export const realServicesSetup = ['test/support/global-setup.ts'];

export default defineConfig({
  test: {
    ...runOptions,
    projects: [
      {
        extends: true,
        test: {
          name: 'workflows',
          include: ['test/workflows/**/*.test.ts'],
          globalSetup: ['test/workflows/support/global-setup.ts'],
          // Files share nothing but loaded modules (each starts its own server and workers), so a worker process
          // need not re-import the SDK and the workflow code for every file.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/workflows/**'],
          globalSetup: realServicesSetup,
        },
      },
    ],
  },
});

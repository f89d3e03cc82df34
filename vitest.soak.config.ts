import { defineConfig } from 'vitest/config';
import { realServicesSetup, runOptions } from './vitest.config';

/**
 * The 30-day soak on Temporal's time-skipping server (`npm run test:soak`). Kept out of `npm test`: that server
 * sometimes stops skipping time while an activity is in flight and the test then waits in real time for
 * minutes, which would make the suite's wall time (and CI) unpredictable.
 */
export default defineConfig({
  test: {
    ...runOptions,
    include: ['test/**/*.soak.ts'],
    globalSetup: realServicesSetup,
    testTimeout: 900_000,
  },
});

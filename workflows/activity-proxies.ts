import { ActivityCancellationType, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

/** Failures no retry can fix: they go to the workflow at once (needs attention, or a failed run). */
const NON_RETRYABLE = ['SalesforceSetupError', 'SalesforceQueryError', 'IntegrationNotFound'];

// One long activity per object: it heartbeats every page, so a dead worker is noticed within the heartbeat
// timeout and the retry resumes from the cursor saved with the last page
// (https://docs.temporal.io/design-patterns/long-running-activity).
export const collection = proxyActivities<Activities>({
  startToCloseTimeout: '24 hours',
  heartbeatTimeout: '30 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  // A worker that died (heartbeat timeout) is retried at most 30 s later: the pass resumes from its cursor.
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

/** Small bookkeeping writes (runs, schedules, snapshots). */
export const calls = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE },
});

/** Test Connectivity answers a waiting API call, so it gives up after a few attempts instead of hanging. */
export const connectivity = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
});

// Findings are recomputed in SQL; the activity heartbeats so a dead worker is noticed quickly. A recompute
// that keeps failing must not hold the collection run open forever, hence the attempt cap.
export const insights = proxyActivities<Activities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '2 minutes',
    maximumAttempts: 8,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});

/** Mirrors the state into PostgreSQL for listings; a local activity costs one marker event, not three. */
export const mirror = proxyLocalActivities<Activities>({ startToCloseTimeout: '30 seconds' });

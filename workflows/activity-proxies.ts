import {
  ActivityCancellationType,
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { collectionTaskQueue } from './definitions';

/**
 * Each proxy is typed with only the activities it may call (`Pick`), so an activity can only be called with the
 * timeouts chosen for it: `bookkeeping.collectObject(…)` does not type-check (the samples' saga workflow gets the
 * same guarantee by destructuring each proxy). The activity names themselves are in recorded histories and never
 * change.
 */
type CollectionActivities = Pick<Activities, 'collectObject' | 'planSegments'>;
type InsightActivities = Pick<Activities, 'recomputeFindings'>;
type BookkeepingActivities = Pick<
  Activities,
  | 'loadIntegrationSnapshot'
  | 'recoverOrphanedRuns'
  | 'readIntegrationSnapshot'
  | 'startCollectionRun'
  | 'finishCollectionRun'
  | 'recordRunPause'
  | 'recordRunResumed'
  | 'markFindingsComputed'
  | 'markIntegrationDisconnected'
  | 'ensureDailySchedule'
  | 'setDailySchedulePaused'
  | 'deleteDailySchedule'
  | 'reconcileIntegrations'
>;

/** Failures no retry can fix: they go to the workflow at once (needs attention, or a failed run). */
const NON_RETRYABLE = [
  'SalesforceSetupError',
  'SalesforceQueryError',
  'IntegrationNotFound',
  'InvalidScheduleSettings',
];

/**
 * Bulk work, on the collection task queue of the queue this workflow runs on. One activity is one time slice of
 * one object's pass: it heartbeats with every page (and only while pages progress), so a dead or hung worker is
 * noticed within the heartbeat timeout and the retry resumes from the cursor saved with the last page
 * (https://docs.temporal.io/design-patterns/long-running-activity). Created per call because the queue name
 * comes from workflowInfo(), which exists only inside a workflow.
 */
export function collectionActivities() {
  const taskQueue = collectionTaskQueue(workflowInfo().taskQueue);
  const collection = proxyActivities<CollectionActivities>({
    taskQueue,
    startToCloseTimeout: '2 hours',
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
  // Findings are recomputed in SQL. A recompute that keeps failing must not hold the run open forever, hence
  // the attempt cap.
  const insights = proxyActivities<InsightActivities>({
    taskQueue,
    startToCloseTimeout: '1 hour',
    heartbeatTimeout: '30 seconds',
    retry: {
      initialInterval: '2 seconds',
      maximumInterval: '2 minutes',
      maximumAttempts: 8,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
  return { collection, insights };
}

/** Small bookkeeping reads and writes (runs, schedules, snapshots), on the interactive queue. */
export const bookkeeping = proxyActivities<BookkeepingActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE },
});

/**
 * Test Connectivity answers a person waiting on the API (60 s deadline), so it gives up in time to say why:
 * no free slot within 15 s is "the worker is busy" (never retried), and all attempts fit in 45 s.
 */
export const connectivity = proxyActivities<Pick<Activities, 'testConnectivity'>>({
  scheduleToStartTimeout: '15 seconds',
  startToCloseTimeout: '20 seconds',
  scheduleToCloseTimeout: '45 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
});

/**
 * Copies of the workflow's own facts into PostgreSQL: the state for listings, the status answer for the status
 * page. A local activity costs one marker event, not three.
 */
export const { recordIntegrationState, recordIntegrationStatus } = proxyLocalActivities<
  Pick<Activities, 'recordIntegrationState' | 'recordIntegrationStatus'>
>({ startToCloseTimeout: '30 seconds' });

import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const purge = proxyActivities<Activities>({
  // A large org's purge deletes millions of rows in batches; the heartbeat after each batch shows it is alive.
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '2 minutes',
  // Never given up: the integration is already gone from the tenant's view, its rows must follow.
  retry: {
    initialInterval: '10 seconds',
    maximumInterval: '10 minutes',
    nonRetryableErrorTypes: ['PurgeNotRequested'],
  },
});

/** Deletes a purged integration's collected data and then the integration itself (started by the API). */
export async function purgeIntegrationWorkflow(input: {
  integrationId: string;
}): Promise<{ deletedRows: number }> {
  return purge.purgeIntegrationData(input);
}

import { getExternalWorkflowHandle } from '@temporalio/workflow';
import { collectNowSignal, integrationWorkflowId } from './definitions';
import { calls } from './activity-proxies';

/** Started by the daily Temporal Schedule: asks the integration's workflow to collect, nothing more. */
export async function scheduledCollectionWorkflow(input: { integrationId: string }): Promise<void> {
  await getExternalWorkflowHandle(integrationWorkflowId(input.integrationId)).signal(collectNowSignal, {
    trigger: 'schedule',
  });
}

/** Started by the reconciler schedule: repairs drift between PostgreSQL and Temporal. */
export async function reconcilerWorkflow(
  input: { tenantId?: string } = {},
): Promise<{ restarted: number; closedRuns: number }> {
  return calls.reconcileIntegrations(input);
}

import { getExternalWorkflowHandle, log } from '@temporalio/workflow';
import { collectNowSignal, integrationWorkflowId } from './definitions';
import { bookkeeping } from './activity-proxies';
import { failureMessage } from './integration-state';

/**
 * Started by the daily Temporal Schedule: asks the integration's workflow to collect, nothing more. When that
 * workflow is gone (disconnected, or lost and not yet restored by the reconciler) there is nobody to ask; the
 * reconciler restores a lost one within minutes and the remembered trigger is not needed, so this ends cleanly
 * instead of showing a failed workflow every day.
 */
export async function scheduledCollectionWorkflow(input: {
  integrationId: string;
}): Promise<'signalled' | 'not_running'> {
  try {
    await getExternalWorkflowHandle(integrationWorkflowId(input.integrationId)).signal(collectNowSignal, {
      trigger: 'schedule',
    });
    return 'signalled';
  } catch (error) {
    log.warn('integration workflow not running; daily trigger skipped', {
      integrationId: input.integrationId,
      error: failureMessage(error),
    });
    return 'not_running';
  }
}

/** Started by the reconciler schedule: repairs drift between PostgreSQL and Temporal. */
export async function reconcilerWorkflow(
  input: { tenantId?: string } = {},
): Promise<{ restarted: number; closedRuns: number }> {
  return bookkeeping.reconcileIntegrations(input);
}

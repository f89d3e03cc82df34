import { describe, expect, it } from 'vitest';
import { startOrgIntegration, useWorkerStack } from '../support/worker';
import { waitForStatus } from '../support/integrations';
import {
  dailyScheduleId,
  disconnectSignal,
  integrationWorkflowId,
  requestCollectionUpdate,
  testConnectivityUpdate,
} from '../../workflows/definitions';
import {
  IntegrationIdAttribute,
  IntegrationStateAttribute,
  TenantIdAttribute,
} from '../../workflows/search-attributes';
import { createTestRun } from '../support/factories';

describe('reconciler', () => {
  const stack = useWorkerStack();

  it('restores a lost integration workflow from PostgreSQL and closes the run it left running', async () => {
    const org = stack.simulator.simulator.control.createOrg({ users: 30, logins: 500, seed: 41 });
    const { ids, handle } = await startOrgIntegration(stack, org);
    await handle.executeUpdate(testConnectivityUpdate);
    await handle.executeUpdate(requestCollectionUpdate);
    await waitForStatus(handle, (s) => s.state === 'idle' && s.initialCollectionDone, 60_000);

    // Drift: the workflow is terminated by hand while a run row still says "running".
    const orphanId = await createTestRun(stack.services.sql, ids.integrationId, {
      kind: 'incremental',
      trigger: 'schedule',
      workflow_id: integrationWorkflowId(ids.integrationId),
    });
    const lostRunId = (await handle.describe()).runId;
    await handle.terminate('simulated operator mistake');

    const repaired = await stack.services.temporal.workflow.execute('reconcilerWorkflow', {
      workflowId: `reconciler-${ids.tenantId}`,
      taskQueue: stack.worker.taskQueue,
      args: [{ tenantId: ids.tenantId }],
    });
    expect(repaired).toEqual({ restarted: 1, closedRuns: 1, schedulesRepaired: 0, purgesPending: 0 });

    const [closed] = await stack.services
      .sql`select status, error from collection_runs where id = ${orphanId}`;
    expect(closed).toMatchObject({ status: 'failed' });
    expect(closed!.error).toMatch(/ended unexpectedly/);

    // The restored workflow knows what PostgreSQL knows: connected, initial collection done.
    const restored = stack.services.temporal.workflow.getHandle(integrationWorkflowId(ids.integrationId));
    const status = await waitForStatus(restored, (s) => s.state === 'idle');
    expect(status.initialCollectionDone).toBe(true);
    const description = await restored.describe();
    expect(description.runId).not.toBe(lostRunId);
    // Operators still find it in the Temporal UI by integration, tenant and name.
    expect(description.typedSearchAttributes.get(IntegrationIdAttribute)).toBe(ids.integrationId);
    expect(description.typedSearchAttributes.get(TenantIdAttribute)).toBe(ids.tenantId);
    expect(description.typedSearchAttributes.get(IntegrationStateAttribute)).toBe('idle');

    // A second pass finds nothing to repair.
    const again = await stack.services.temporal.workflow.execute('reconcilerWorkflow', {
      workflowId: `reconciler-again-${ids.tenantId}`,
      taskQueue: stack.worker.taskQueue,
      args: [{ tenantId: ids.tenantId }],
    });
    expect(again).toEqual({ restarted: 0, closedRuns: 0, schedulesRepaired: 0, purgesPending: 0 });

    // A daily schedule deleted by hand comes back on the next pass, with the integration's settings.
    await stack.services.temporal.schedule.getHandle(dailyScheduleId(ids.integrationId)).delete();
    const rescheduled = await stack.services.temporal.workflow.execute('reconcilerWorkflow', {
      workflowId: `reconciler-schedule-${ids.tenantId}`,
      taskQueue: stack.worker.taskQueue,
      args: [{ tenantId: ids.tenantId }],
    });
    expect(rescheduled).toEqual({ restarted: 0, closedRuns: 0, schedulesRepaired: 1, purgesPending: 0 });
    const schedule = await stack.services.temporal.schedule
      .getHandle(dailyScheduleId(ids.integrationId))
      .describe();
    expect(schedule.action).toMatchObject({ workflowType: 'scheduledCollectionWorkflow' });
    await restored.signal(disconnectSignal);
    await restored.result();
  }, 120_000);
});

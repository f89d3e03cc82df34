import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerStack, type TestWorker, type WorkerStack } from '../support/worker';
import { startIntegrationWorkflow, waitForStatus } from '../support/integrations';
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
import { createTestIntegration, createTestRun } from '../support/factories';

describe('reconciler', () => {
  let services: WorkerStack['services'];
  let simulator: WorkerStack['simulator'];
  let worker: TestWorker;
  let secrets: WorkerStack['secrets'];
  let stack: WorkerStack | undefined;

  beforeAll(async () => {
    stack = await startWorkerStack();
    ({ services, simulator, worker, secrets } = stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('restores a lost integration workflow from PostgreSQL and closes the run it left running', async () => {
    const org = simulator.simulator.control.createOrg({ users: 30, logins: 500, seed: 41 });
    const ids = await createTestIntegration(services.sql, { secrets: secrets.box, org });
    const handle = await startIntegrationWorkflow(services.temporal, ids, worker.taskQueue);
    await handle.executeUpdate(testConnectivityUpdate);
    await handle.executeUpdate(requestCollectionUpdate);
    await waitForStatus(handle, (s) => s.state === 'idle' && s.initialCollectionDone, 60_000);

    // Drift: the workflow is terminated by hand while a run row still says "running".
    const orphanId = await createTestRun(services.sql, ids.integrationId, {
      kind: 'incremental',
      trigger: 'schedule',
      workflow_id: integrationWorkflowId(ids.integrationId),
    });
    const lostRunId = (await handle.describe()).runId;
    await handle.terminate('simulated operator mistake');

    const repaired = await services.temporal.workflow.execute('reconcilerWorkflow', {
      workflowId: `reconciler-${ids.tenantId}`,
      taskQueue: worker.taskQueue,
      args: [{ tenantId: ids.tenantId }],
    });
    expect(repaired).toEqual({ restarted: 1, closedRuns: 1, schedulesRepaired: 0, purgesPending: 0 });

    const [closed] = await services.sql`select status, error from collection_runs where id = ${orphanId}`;
    expect(closed).toMatchObject({ status: 'failed' });
    expect(closed!.error).toMatch(/ended unexpectedly/);

    // The restored workflow knows what PostgreSQL knows: connected, initial collection done.
    const restored = services.temporal.workflow.getHandle(integrationWorkflowId(ids.integrationId));
    const status = await waitForStatus(restored, (s) => s.state === 'idle');
    expect(status.initialCollectionDone).toBe(true);
    const description = await restored.describe();
    expect(description.runId).not.toBe(lostRunId);
    // Operators still find it in the Temporal UI by integration, tenant and name.
    expect(description.typedSearchAttributes.get(IntegrationIdAttribute)).toBe(ids.integrationId);
    expect(description.typedSearchAttributes.get(TenantIdAttribute)).toBe(ids.tenantId);
    expect(description.typedSearchAttributes.get(IntegrationStateAttribute)).toBe('idle');

    // A second pass finds nothing to repair.
    const again = await services.temporal.workflow.execute('reconcilerWorkflow', {
      workflowId: `reconciler-again-${ids.tenantId}`,
      taskQueue: worker.taskQueue,
      args: [{ tenantId: ids.tenantId }],
    });
    expect(again).toEqual({ restarted: 0, closedRuns: 0, schedulesRepaired: 0, purgesPending: 0 });

    // A daily schedule deleted by hand comes back on the next pass, with the integration's settings.
    await services.temporal.schedule.getHandle(dailyScheduleId(ids.integrationId)).delete();
    const rescheduled = await services.temporal.workflow.execute('reconcilerWorkflow', {
      workflowId: `reconciler-schedule-${ids.tenantId}`,
      taskQueue: worker.taskQueue,
      args: [{ tenantId: ids.tenantId }],
    });
    expect(rescheduled).toEqual({ restarted: 0, closedRuns: 0, schedulesRepaired: 1, purgesPending: 0 });
    const schedule = await services.temporal.schedule
      .getHandle(dailyScheduleId(ids.integrationId))
      .describe();
    expect(schedule.action).toMatchObject({ workflowType: 'scheduledCollectionWorkflow' });
    await restored.signal(disconnectSignal);
    await restored.result();
  }, 120_000);
});

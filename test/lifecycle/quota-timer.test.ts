import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';

import { createLogger } from '../../platform/logger';
import { createSalesforceClientFactory } from '../../salesforce/client';
import { createWorker } from '../../worker/create-worker';
import { requestCollectionUpdate, testConnectivityUpdate } from '../../workflows/definitions';
import { useTimeSkippingStack } from '../support/time-skipping-stack';
import { workflowBundle } from '../support/worker';
import { startIntegrationWorkflow, waitForStatus, simulatedOrgIntegration } from '../support/integrations';
import { testSecrets } from '../support/factories';

/**
 * The quota pause sleeps on a durable timer until the next day. Only Temporal's time-skipping test server
 * can let that timer really fire inside a test, so this one test runs there (it has no Schedules, so the
 * test stops once the paused run has finished collecting).
 */
describe('quota pause timer (time-skipping server)', () => {
  const stack = useTimeSkippingStack();
  const secrets = testSecrets();

  it('fires at the start of the next day, re-checks /limits and finishes the run from its cursor', async () => {
    const { env, services, simulator } = stack;
    const { org, ids } = await simulatedOrgIntegration(
      services.sql,
      simulator,
      secrets.box,
      { users: 40, logins: 12_000, seed: 31, dailyApiMax: 1000 },
      { pageSize: 200 },
    );
    simulator.simulator.control.consumeApiCalls(org.key, 700);
    const taskQueue = `timer-${randomUUID()}`;
    const worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      workflowBundle: await workflowBundle(),
      deps: {
        sql: services.sql,
        temporal: env.client,
        secrets: secrets.box,
        salesforce: createSalesforceClientFactory({ allowLocalUrls: true }),
        logger: createLogger('error'),
        taskQueue,
        now: () => new Date(),
      },
    });
    await worker.runUntil(async () => {
      const handle = await startIntegrationWorkflow(env.client, ids, taskQueue);
      await handle.executeUpdate(testConnectivityUpdate);
      await handle.executeUpdate(requestCollectionUpdate);
      const paused = await waitForStatus(handle, (s) => s.state === 'paused_for_quota', 60_000);
      const [before] = await services.sql<{ n: number }[]>`
        select count(*)::int as n from sf_login_history where integration_id = ${ids.integrationId}`;
      expect(before!.n).toBeLessThan(simulator.simulator.control.objectCounts(org.key).LoginHistory!);

      // A day passes for Salesforce's rolling window and for Temporal's timer; nobody sends a signal.
      simulator.simulator.control.advanceClock(25 * 60 * 60 * 1000);
      const untilResume = Date.parse(paused.quota.pausedUntil!) - (await env.currentTimeMs());
      await env.sleep(untilResume + 60_000);

      const deadline = Date.now() + 60_000;
      for (;;) {
        const [run] = await services.sql<{ status: string }[]>`
          select status from collection_runs where integration_id = ${ids.integrationId}`;
        if (run?.status === 'succeeded') break;
        if (Date.now() > deadline) throw new Error(`run did not finish after the timer: ${run?.status}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const [after] = await services.sql<{ n: number }[]>`
        select count(*)::int as n from sf_login_history where integration_id = ${ids.integrationId}`;
      expect(after!.n).toBe(simulator.simulator.control.objectCounts(org.key).LoginHistory);
      const [run] = await services.sql<{ pauses: Array<{ reason: string; resumedAt: string | null }> }[]>`
        select pauses from collection_runs where integration_id = ${ids.integrationId}`;
      expect(run!.pauses[0]).toMatchObject({ reason: 'daily_threshold' });
      expect(run!.pauses[0]!.resumedAt).not.toBeNull();
      await handle.terminate('test finished (the time-skipping server has no Schedules)');
    });
  }, 180_000);
});

import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createScheduleActivities } from '../../activities/schedules';
import { integrationWorkflowCommands } from '../../api/integration-workflow';
import { createLogger } from '../../platform/logger';
import { integrationWorkflowId, tenantFairness } from '../../workflows/definitions';
import { connectTestServices } from '../support/context';
import { createTestIntegration } from '../support/factories';

/**
 * M7: one tenant must not hold every collection slot while another tenant's org waits. Integration workflows
 * carry their tenant as Temporal's task-queue fairness key (inherited by their runs and slices), and the
 * server dispatches a backlog round-robin across keys (matching.enableFairness, on in the dev server).
 */
describe('M7: tenants share the worker slots fairly', () => {
  let services: Awaited<ReturnType<typeof connectTestServices>>;
  const started: string[] = [];
  beforeAll(async () => {
    services = await connectTestServices();
  });
  afterAll(async () => {
    for (const workflowId of started)
      await services.temporal.workflow
        .getHandle(workflowId)
        .terminate('test over')
        .catch(() => {});
    await services?.close();
  });

  it('the API starts an integration workflow with its tenant as fairness key', async () => {
    const { sql, temporal } = services;
    const ids = await createTestIntegration(sql, {
      org: {
        salesforceUrl: 'https://fairness-api.my.salesforce.com',
        consumerKey: 'consumer-key-fair',
        consumerSecret: 'consumer-secret-fair',
      },
    });
    // No worker polls this queue: only the start options are under test.
    const commands = integrationWorkflowCommands(temporal, {
      taskQueue: `fairness-${randomUUID()}`,
      allowLocalSalesforceUrls: false,
      bodyLimitBytes: 65536,
      rateLimitPerMinute: 600,
    });
    await commands.start({ integrationId: ids.integrationId, tenantId: ids.tenantId, displayName: 'Fair' });
    started.push(integrationWorkflowId(ids.integrationId));
    const description = await temporal.workflow
      .getHandle(integrationWorkflowId(ids.integrationId))
      .describe();
    expect(description.priority?.fairnessKey).toBe(`tenant:${ids.tenantId}`);
  });

  it('the reconciler restores a lost workflow with its tenant as fairness key', async () => {
    const { sql, temporal } = services;
    const ids = await createTestIntegration(sql, {
      org: {
        salesforceUrl: 'https://fairness-reconciler.my.salesforce.com',
        consumerKey: 'consumer-key-fair',
        consumerSecret: 'consumer-secret-fair',
      },
    });
    const activities = createScheduleActivities({
      sql,
      temporal,
      logger: createLogger('error'),
      taskQueue: `fairness-${randomUUID()}`,
      now: () => new Date(),
    });
    started.push(integrationWorkflowId(ids.integrationId));
    const result = await activities.reconcileIntegrations({ tenantId: ids.tenantId });
    expect(result.restarted).toBe(1);
    const description = await temporal.workflow
      .getHandle(integrationWorkflowId(ids.integrationId))
      .describe();
    expect(description.priority?.fairnessKey).toBe(`tenant:${ids.tenantId}`);
  });

  it("with a backlog of one tenant's slices, another tenant's are dispatched among them, not after them", async () => {
    const { temporal } = services;
    const workflowQueue = `fairness-wf-${randomUUID()}`;
    const sliceQueue = `fairness-slices-${randomUUID()}`;
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    const workflowWorker = await Worker.create({
      connection,
      taskQueue: workflowQueue,
      workflowsPath: fileURLToPath(new URL('./support/fairness-workflow.ts', import.meta.url)),
    });
    const workflowsRunning = workflowWorker.run();
    try {
      // Tenant A (many orgs collecting) schedules 20 slices first, tenant B's one org 2 slices after them.
      const start = (tenant: string, slices: number) =>
        temporal.workflow.start('sliceBurstWorkflow', {
          workflowId: `fairness-${tenant}-${randomUUID()}`,
          taskQueue: workflowQueue,
          args: [{ name: tenant, slices, taskQueue: sliceQueue }],
          priority: tenantFairness(`${tenant}-${randomUUID()}`),
        });
      const busy = await start('A', 20);
      const pending = async (handle: typeof busy, count: number) =>
        vi.waitFor(
          async () => {
            const { raw } = await handle.describe();
            if ((raw.pendingActivities?.length ?? 0) < count) throw new Error('slices not scheduled yet');
          },
          { timeout: 20_000, interval: 100 },
        );
      await pending(busy, 20);
      const quiet = await start('B', 2);
      await pending(quiet, 2);

      // Then one slot frees up at a time, as on a busy worker.
      const order: string[] = [];
      const sliceWorker = await Worker.create({
        connection,
        taskQueue: sliceQueue,
        maxConcurrentActivityTaskExecutions: 1,
        activities: {
          async slice(name: string) {
            order.push(name);
            await new Promise((r) => setTimeout(r, 20));
          },
        },
      });
      await sliceWorker.runUntil(Promise.all([busy.result(), quiet.result()]));
      expect(order).toHaveLength(22);
      // First come, first served would run B's slices 21st and 22nd; fair dispatch alternates the keys.
      const positions = order.flatMap((name, i) => (name.startsWith('B-') ? [i] : []));
      expect(
        positions.every((i) => i < 6),
        `dispatch order: ${order.join(' ')}`,
      ).toBe(true);
    } finally {
      workflowWorker.shutdown();
      await workflowsRunning;
      await connection.close();
    }
  });
});

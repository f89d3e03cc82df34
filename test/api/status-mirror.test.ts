import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Page } from '../../api/pagination';
import type { CollectionRequest } from '../../api/routes/integration-actions';
import type { ConnectivityAnswer, Integration, IntegrationDetail } from '../../api/schemas/integration';
import { Client, Connection } from '@temporalio/client';
import { buildTestApp, client } from './support/harness';
import {
  connectedIntegration,
  liveTenant,
  orgIntegration,
  startLiveStack,
  stopLiveStack,
  waitForDetail,
  waitForRunFinished,
  type LiveStack,
} from './support/live';
import { createRunActivities } from '../../activities/runs';
import { createScheduleActivities } from '../../activities/schedules';
import { createLogger } from '../../platform/logger';
import { createTestIntegration } from '../support/factories';
import { integrationWorkflowId, type IntegrationStatus } from '../../workflows/definitions';

/**
 * GET /v1/integrations/{id} reads PostgreSQL only: the status the workflow mirrors, the run progress the
 * activities write with every page. A second API instance whose Temporal frontend is unreachable (a closed port)
 * serves the status page of an integration that the real workflow drives through a collection and a quota
 * pause; any Temporal call it made would fail or hang, so a correct and quick answer shows none was made.
 * The state and the runs shown with it never contradict each other, and a workflow terminated outside the
 * product shows as not running once the reconciler has looked.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Detail = Record<string, any>;

describe('status page from the PostgreSQL mirror', () => {
  let stack: LiveStack;
  let unreachable: Connection;

  beforeAll(async () => {
    stack = await startLiveStack({ actionCooldowns: { testConnectivityMs: 0, collectNowMs: 0 } });
    // Port 1 on loopback refuses connections: every RPC through this client fails.
    unreachable = Connection.lazy({ address: '127.0.0.1:1' });
  });
  afterAll(async () => {
    await unreachable?.close().catch(() => {});
    await stopLiveStack(stack ?? {});
  });

  const control = () => stack.simulator.simulator.control;

  it("follows a running collection's progress and its quota pause with Temporal unreachable for the read", async () => {
    const { api, key } = await liveTenant(stack);
    const reader = buildTestApp(stack.services, {
      secrets: stack.secrets.box,
      temporal: new Client({ connection: unreachable, namespace: 'default' }),
      config: { allowLocalSalesforceUrls: true, taskQueue: stack.worker.taskQueue },
    });
    const read = client(reader.app, key);
    const timedRead = async (id: string) => {
      const started = Date.now();
      const res = await read<IntegrationDetail>('GET', `/v1/integrations/${id}`);
      // Well under a Temporal client's connect timeout and retries.
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(res.status).toBe(200);
      return res.body;
    };

    // 60 % of the daily allocation is already used by other apps; the pause line is 75 % (750 of 1,000).
    const { org, id } = await orgIntegration(
      stack,
      api,
      { users: 40, logins: 40_000, dailyApiMax: 1000 },
      { options: { pageSize: 200, parallelSegments: 2 } },
    );
    control().consumeApiCalls(org.key, 600);
    expect((await api<ConnectivityAnswer>('POST', `/v1/integrations/${id}/test`)).body.ok).toBe(true);
    // Slow pages keep the run in progress while it is read.
    control().setFaults(org.key, { latencyMs: 60 });
    const started = await api<CollectionRequest>('POST', `/v1/integrations/${id}/collect`);
    expect(started.status).toBe(202);
    const runId = started.body.runId;

    const deadline = Date.now() + 90_000;
    let progressing: Detail | undefined;
    while (!progressing && Date.now() < deadline) {
      const d = await timedRead(id);
      const pages = Object.values(
        (d.currentRun?.objects ?? {}) as Record<string, { pages: number; finishedAt: string | null }>,
      );
      if (d.state === 'initial_collection' && pages.some((p) => p.pages > 0 && p.finishedAt === null))
        progressing = d;
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(progressing, 'the reader never saw a page in progress').toBeDefined();
    expect(progressing).toMatchObject({
      statusSource: 'mirror',
      currentRun: { runId, kind: 'initial', trigger: 'collect_now' },
      initialCollectionDone: false,
    });
    expect(progressing!.currentRun.apiCalls).toBeGreaterThan(0);
    expect(progressing!.currentRun.currentObject).not.toBeNull();

    // Progress grows between two reads while the run goes on (written with every page, not at state changes).
    const records = (d: Detail) =>
      Object.values((d.currentRun?.objects ?? {}) as Record<string, { records: number }>).reduce(
        (n, p) => n + p.records,
        0,
      );
    const more = await waitForDetail(read, id, (d) => records(d) > records(progressing!), 60_000);
    expect(more.currentRun?.runId ?? runId).toBe(runId);

    control().clearFaults(org.key);
    const paused = await waitForDetail(read, id, (d) => d.state === 'paused_for_quota', 120_000);
    expect(paused).toMatchObject({
      statusSource: 'mirror',
      currentRun: { runId },
      quota: { thresholdPercent: 75, max: 1000 },
    });
    expect(paused.quota!.used).toBeGreaterThanOrEqual(750);
    expect(paused.pausedUntil).toBe(paused.quota!.pausedUntil);
    expect(Date.parse(paused.pausedUntil!)).toBeGreaterThan(Date.now());
    expect(Date.parse(paused.statusUpdatedAt!)).toBeLessThanOrEqual(Date.now());

    // The same answer as the API that can reach Temporal: there is one source for both.
    const live = await api<IntegrationDetail>('GET', `/v1/integrations/${id}`);
    const again = await timedRead(id);
    expect(again).toEqual(live.body);

    // The listing reads the mirrored state too.
    const listed = await read<Page<Integration>>('GET', '/v1/integrations?state=paused_for_quota');
    expect(listed.body.data.map((i: { id: string }) => i.id)).toContain(id);

    await api('DELETE', `/v1/integrations/${id}?purge=true`);
  }, 240_000);

  it('never pairs a finished run with a collecting state: a read between the run closing and the next mirror write', async () => {
    const { sql } = stack.services;
    const { tenant, api } = await liveTenant(stack, 'pair');
    const { integrationId: id } = await createTestIntegration(sql, { tenantId: tenant.id });
    // The real bookkeeping activities, called in the order the workflow calls them (finishRun, then setState).
    const runs = createRunActivities({ sql, now: () => new Date() });
    let seq = 0;
    const mirror = async (status: Partial<IntegrationStatus>) => {
      const full: IntegrationStatus = {
        integrationId: id,
        state: 'connected',
        resumeState: null,
        initialCollectionDone: false,
        currentRun: null,
        quota: {
          used: 10,
          max: 1000,
          usagePercent: 1,
          thresholdPercent: 75,
          pausedUntil: null,
          observedAt: null,
        },
        lastRun: null,
        attention: null,
        retryAt: null,
        continuedAsNewCount: 0,
        ...status,
      };
      await runs.recordIntegrationState({ integrationId: id, state: full.state });
      seq += 1;
      await runs.recordIntegrationStatus({
        integrationId: id,
        status: full,
        mirroredAt: new Date().toISOString(),
        seq,
      });
    };
    await mirror({});
    const started = await runs.startCollectionRun({
      integrationId: id,
      kind: 'initial',
      trigger: 'collect_now',
      workflowId: integrationWorkflowId(id),
    });
    const currentRun = {
      runId: started.runId,
      kind: 'initial' as const,
      trigger: 'collect_now' as const,
      startedAt: started.startedAt,
    };
    // The run row exists a moment before the workflow mirrors the collecting state: not shown yet.
    expect((await api<IntegrationDetail>('GET', `/v1/integrations/${id}`)).body).toMatchObject({
      state: 'connected',
      currentRun: null,
      lastRun: null,
    });
    await mirror({ state: 'initial_collection', currentRun });

    const finished = await runs.finishCollectionRun({
      runId: started.runId,
      status: 'succeeded',
      error: null,
    });
    // The gap: the row is closed, the workflow has not yet created the schedule and mirrored "idle".
    const between = (await api<IntegrationDetail>('GET', `/v1/integrations/${id}`)).body;
    expect(between).toMatchObject({
      statusSource: 'mirror',
      state: 'initial_collection',
      currentRun: { runId: started.runId, kind: 'initial' },
      lastRun: null,
      schedule: null,
    });

    await mirror({ state: 'idle', initialCollectionDone: true, lastRun: finished });
    const after = (await api<IntegrationDetail>('GET', `/v1/integrations/${id}`)).body;
    expect(after).toMatchObject({
      statusSource: 'mirror',
      workflowRunning: true,
      state: 'idle',
      currentRun: null,
      lastRun: { runId: started.runId, status: 'succeeded' },
    });
    expect(after.lastRun).toEqual(finished);
    expect(after.schedule).not.toBeNull();
  });

  it('says the workflow is not running once the reconciler finds it terminated, until the restarted one reports', async () => {
    const { sql, temporal } = stack.services;
    const { tenant, api } = await liveTenant(stack, 'terminated');
    const { id } = await connectedIntegration(stack, api);
    const run = await api<CollectionRequest>('POST', `/v1/integrations/${id}/collect`);
    const finished = await waitForRunFinished(api, id, run.body.runId);
    expect(finished).toMatchObject({ statusSource: 'mirror', workflowRunning: true, state: 'idle' });

    const handle = temporal.workflow.getHandle(integrationWorkflowId(id));
    await handle.terminate('test: terminated outside the product');
    // Nothing has looked yet: the last status written is all there is.
    expect((await api<IntegrationDetail>('GET', `/v1/integrations/${id}`)).body).toMatchObject({
      statusSource: 'mirror',
      workflowRunning: true,
    });

    // A reconciler pass while no worker polls the workflows' queue (a worker outage): the workflow it restarts
    // cannot report, so the page keeps saying it is not running.
    const reconcile = (taskQueue: string) =>
      createScheduleActivities({
        sql,
        temporal,
        logger: createLogger('error'),
        taskQueue,
        now: () => new Date(),
      }).reconcileIntegrations({ tenantId: tenant.id });
    expect(await reconcile(`nobody-polls-${randomUUID()}`)).toMatchObject({ restarted: 1 });
    const missing = (await api<IntegrationDetail>('GET', `/v1/integrations/${id}`)).body;
    expect(missing).toMatchObject({
      statusSource: 'database',
      workflowRunning: false,
      state: 'idle',
      currentRun: null,
      lastRun: finished.lastRun,
      quota: null,
    });
    expect(missing.statusNote).toMatch(/No integration workflow was running at .*reconciler/);
    // Read from stored rows too: the initial run ended, so the daily schedule exists.
    expect(missing.schedule).not.toBeNull();

    // Back on a polled queue, the restarted workflow reports and the page is live again.
    await handle.terminate('test: restarted on a queue no worker polls');
    expect(await reconcile(stack.worker.taskQueue)).toMatchObject({ restarted: 1 });
    const live = await waitForDetail(api, id, (d) => d.statusSource === 'mirror', 30_000);
    expect(live).toMatchObject({
      workflowRunning: true,
      state: 'idle',
      initialCollectionDone: true,
      lastRun: finished.lastRun,
    });

    await api('DELETE', `/v1/integrations/${id}?purge=true`);
  }, 120_000);
});

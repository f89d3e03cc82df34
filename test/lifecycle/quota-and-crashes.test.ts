import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startSimulator } from '../../simulator';
import { connectTestServices } from '../support/context';
import { startTestWorker, type TestWorker } from '../support/worker';
import { spawnWorkerProcess } from '../../dev/worker-process';
import {
  collectedFingerprint,
  expectInitialCollectionComplete,
  startIntegrationWorkflow,
  timeZoneAtNoon,
  waitForStatus,
  simulatedOrgIntegration,
} from '../support/integrations';
import {
  disconnectSignal,
  requestCollectionUpdate,
  resumeSignal,
  testConnectivityUpdate,
} from '../../workflows/definitions';
import { createTestIntegration, testSecrets } from '../support/factories';

type Services = Awaited<ReturnType<typeof connectTestServices>>;
type Simulator = Awaited<ReturnType<typeof startSimulator>>;

const DAY = 24 * 60 * 60 * 1000;

describe('quota guard and crash recovery', () => {
  let services: Services;
  let simulator: Simulator;
  const secrets = testSecrets();

  beforeAll(async () => {
    services = await connectTestServices();
    simulator = await startSimulator({ port: 0 });
  });
  afterAll(async () => {
    await simulator?.close();
    await services?.close();
  });

  it('pauses at 75% of the daily quota, keeps its timer across a worker restart, and resumes exactly the next day', async () => {
    const zone = timeZoneAtNoon();
    const { org, ids } = await simulatedOrgIntegration(
      services.sql,
      simulator,
      secrets.box,
      { users: 80, logins: 30_000, seed: 21, dailyApiMax: 1000 },
      { pageSize: 200, timezone: zone.timezone },
    );
    // Other apps already used 60% of the org's allocation today.
    simulator.simulator.control.consumeApiCalls(org.key, 600);
    const taskQueue = `quota-${randomUUID()}`;
    let worker: TestWorker = await startTestWorker({
      sql: services.sql,
      temporalAddress: inject('temporalAddress'),
      secrets: secrets.box,
      taskQueue,
    });
    const handle = await startIntegrationWorkflow(services.temporal, ids, taskQueue);
    await handle.executeUpdate(testConnectivityUpdate);
    await handle.executeUpdate(requestCollectionUpdate);

    const paused = await waitForStatus(handle, (s) => s.state === 'paused_for_quota', 90_000);
    expect(paused.quota.pausedUntil).not.toBeNull();
    const resumeAt = new Date(paused.quota.pausedUntil!);
    // The start of the next day in the integration's time zone (where it is about noon now).
    expect((resumeAt.getUTCHours() + zone.offsetHours + 24) % 24).toBe(0);
    expect(resumeAt.getUTCMinutes()).toBe(0);
    expect(resumeAt.getTime() - Date.now()).toBeGreaterThan(10 * 60 * 60 * 1000);
    expect(resumeAt.getTime() - Date.now()).toBeLessThan(14 * 60 * 60 * 1000);
    const counters = simulator.simulator.control.counters(org.key);
    // The guard never lets usage pass the threshold by more than the call that revealed it.
    expect(counters.peakUsage).toBeLessThanOrEqual(750 + 1);
    const [pausedRun] = await services.sql<
      { status: string; pauses: Array<{ reason: string; resumeAt: string }> }[]
    >`
      select status, pauses from collection_runs where integration_id = ${ids.integrationId}`;
    expect(pausedRun).toMatchObject({ status: 'paused', pauses: [{ reason: 'daily_threshold' }] });

    // Restart the worker while paused: the durable timer lives in Temporal, not in the process.
    await worker.stop();
    worker = await startTestWorker({
      sql: services.sql,
      temporalAddress: inject('temporalAddress'),
      secrets: secrets.box,
      taskQueue,
    });
    const stillPaused = await waitForStatus(handle, (s) => s.state === 'paused_for_quota');
    expect(stillPaused.quota.pausedUntil).toBe(paused.quota.pausedUntil);

    // A resume before the window rolls re-checks at once (one /limits call) and pauses again.
    const limitsBefore = simulator.simulator.control.counters(org.key).endpoints.limits ?? 0;
    await handle.signal(resumeSignal);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const [row] = await services.sql<{ pauses: unknown[] }[]>`
        select pauses from collection_runs where integration_id = ${ids.integrationId}`;
      if (row!.pauses.length === 2) break;
      if (Date.now() > deadline) throw new Error('resume did not re-check and pause again');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(simulator.simulator.control.counters(org.key).endpoints.limits ?? 0).toBe(limitsBefore + 1);
    expect(
      (await waitForStatus(handle, (s) => s.state === 'paused_for_quota')).quota.pausedUntil,
    ).not.toBeNull();
    expect(simulator.simulator.control.counters(org.key).peakUsage).toBeLessThanOrEqual(750 + 1);

    // The next day: Salesforce's rolling window has moved on; the re-check lets the run finish exactly.
    simulator.simulator.control.advanceClock(DAY + 60_000);
    await handle.signal(resumeSignal);
    await expectInitialCollectionComplete(
      handle,
      services.sql,
      ids.integrationId,
      simulator.simulator.control.objectCounts(org.key).LoginHistory,
      120_000,
    );
    await handle.signal(disconnectSignal);
    await handle.result();
    await worker.stop();
  }, 240000);

  it('kill -9 of the worker mid-pagination of parallel segments ends with exactly the rows of a clean sequential run', async () => {
    const org = simulator.simulator.control.createOrg({ users: 100, logins: 40_000, seed: 22 });
    const options = { pageSize: 200 };
    const taskQueue = `crash-${randomUUID()}`;
    const workerEnv = {
      databaseUrl: inject('databaseUrl'),
      temporalAddress: inject('temporalAddress'),
      secretsKey: secrets.key,
      secretsKeyId: secrets.keyId,
      taskQueue,
    };

    // Clean run for comparison: one LoginHistory cursor.
    const clean = await createTestIntegration(services.sql, {
      secrets: secrets.box,
      org,
      options: {
        ...options,
        parallelSegments: 1,
      },
    });
    // Crashed run: LoginHistory in four time segments at once, each with its own cursor.
    const crashed = await createTestIntegration(services.sql, {
      secrets: secrets.box,
      org,
      options: {
        ...options,
        parallelSegments: 4,
      },
    });

    let worker = spawnWorkerProcess(workerEnv);
    // Whatever happens below, never leave a worker process behind.
    onTestFinished(() => worker.kill());
    const cleanHandle = await startIntegrationWorkflow(services.temporal, clean, taskQueue);
    const crashedHandle = await startIntegrationWorkflow(services.temporal, crashed, taskQueue);
    await cleanHandle.executeUpdate(testConnectivityUpdate);
    await crashedHandle.executeUpdate(testConnectivityUpdate);
    await cleanHandle.executeUpdate(requestCollectionUpdate);
    await waitForStatus(cleanHandle, (s) => s.state === 'idle' && s.initialCollectionDone, 120_000);

    await crashedHandle.executeUpdate(requestCollectionUpdate);
    for (let kill = 0; kill < 2; kill += 1) {
      // Wait until LoginHistory pages are being written, then kill the worker without warning.
      const target = 30 + kill * 40;
      const deadline = Date.now() + 90_000;
      for (;;) {
        const [row] = await services.sql<{ pages: number; segments: number }[]>`
          select coalesce(sum((position->>'pages')::int), 0)::int as pages, count(*)::int as segments
          from collection_segments
          where integration_id = ${crashed.integrationId} and object = 'LoginHistory'`;
        if (row!.pages >= target) {
          // The kill lands while segments are in flight, not after a sequential pass.
          expect(row!.segments).toBe(4);
          break;
        }
        if (Date.now() > deadline) throw new Error('collection did not progress');
        await new Promise((r) => setTimeout(r, 100));
      }
      await worker.kill();
      worker = spawnWorkerProcess(workerEnv);
    }
    await waitForStatus(crashedHandle, (s) => s.state === 'idle' && s.initialCollectionDone, 180_000);

    expect(await collectedFingerprint(services.sql, crashed.integrationId)).toEqual(
      await collectedFingerprint(services.sql, clean.integrationId),
    );
    const [dupes] = await services.sql<{ n: number }[]>`
      select count(*)::int as n from (select id from sf_login_history where integration_id = ${crashed.integrationId} group by id having count(*) > 1) d`;
    expect(dupes!.n).toBe(0);

    await cleanHandle.signal(disconnectSignal);
    await crashedHandle.signal(disconnectSignal);
    await Promise.all([cleanHandle.result(), crashedHandle.result()]);
    await worker.stop();
  }, 300000);
});

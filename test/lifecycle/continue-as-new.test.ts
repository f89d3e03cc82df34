import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { startSimulator } from '../../simulator';
import { ensureTemporalExecutable } from '../../dev/temporal-tools';
import { startDevServer, type RunningDevServer } from '../../dev/temporal-dev-server';
import { freePort } from '../../platform/ports';
import { connectTestServices } from '../support/context';
import { startTestWorker, workflowBundle, type TestWorker } from '../support/worker';
import {
  collectedFingerprint,
  rotateCredentials,
  startIntegrationWorkflow,
  waitForStatus,
  simulatedOrgIntegration,
} from '../support/integrations';
import {
  credentialsUpdatedSignal,
  dailyScheduleId,
  disconnectSignal,
  requestCollectionUpdate,
  resumeSignal,
  testConnectivityUpdate,
} from '../../workflows/definitions';
import { testSecrets } from '../support/factories';

type Services = Awaited<ReturnType<typeof connectTestServices>>;
type History = { workflowId: string; history: Parameters<typeof historyToJSON>[0] };

const corpusDir = fileURLToPath(new URL('../histories/', import.meta.url));

/** Writes one JSON file per execution, named by workflow type and order, without ids that change per run. */
function recordCorpus(histories: History[]): void {
  mkdirSync(corpusDir, { recursive: true });
  // Appended after the histories of earlier releases, which stay (README: changing workflow code).
  const existing = readdirSync(corpusDir);
  const seen = new Map<string, number>();
  for (const { history } of histories) {
    const type =
      history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? 'workflow';
    const n = (seen.get(type) ?? existing.filter((f) => f.startsWith(`${type}-`)).length) + 1;
    seen.set(type, n);
    writeFileSync(`${corpusDir}${type}-${String(n).padStart(2, '0')}.json`, historyToJSON(history) + '\n');
  }
}
type Simulator = Awaited<ReturnType<typeof startSimulator>>;

const DAY = 24 * 60 * 60 * 1000;
/** Far below the server's default of 4,096 events, so one small run crosses many continue-as-new points. */
const SUGGEST_CONTINUE_AS_NEW_AT = 40;

/**
 * Continue-as-new in the middle of a run must lose nothing: a dev server of its own suggests it every 40 events,
 * and one page per activity (a 1 ms time slice) makes both the entity and its run workflow reach that many
 * times, through a quota pause and a credentials change.
 */
describe('continue-as-new in the middle of a run', () => {
  let server: RunningDevServer;
  let temporal: Client;
  let services: Services;
  let simulator: Simulator;
  let worker: TestWorker;
  const secrets = testSecrets();

  beforeAll(async () => {
    const executable = await ensureTemporalExecutable('temporal', {
      explicit: process.env.TEMPORAL_CLI_PATH,
    });
    server = await startDevServer({
      executable,
      port: await freePort(),
      namespace: 'default',
      retentionHours: 24,
      dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': SUGGEST_CONTINUE_AS_NEW_AT },
    });
    const connection = await Connection.connect({ address: server.address });
    temporal = new Client({ connection, namespace: 'default' });
    services = await connectTestServices();
    simulator = await startSimulator({ port: 0 });
    worker = await startTestWorker({
      sql: services.sql,
      temporalAddress: server.address,
      secrets: secrets.box,
      collectionSliceMs: 1,
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await simulator?.close();
    await services?.close();
    await temporal?.connection.close();
    await server?.stop();
  });

  it('an initial run across many continue-as-news, a quota pause and a credentials change succeeds with every row once', async () => {
    const { org, ids } = await simulatedOrgIntegration(
      services.sql,
      simulator,
      secrets.box,
      { users: 60, logins: 6_000, seed: 77, dailyApiMax: 1_000 },
      { pageSize: 200 },
    );
    // Other apps used 73% today: the run (about 35 calls) pauses at 75% part way through LoginHistory.
    simulator.simulator.control.consumeApiCalls(org.key, 730);
    const handle = await startIntegrationWorkflow(temporal, ids, worker.taskQueue);
    expect(await handle.executeUpdate(testConnectivityUpdate)).toMatchObject({ ok: true });
    const run = await handle.executeUpdate(requestCollectionUpdate);

    await waitForStatus(handle, (s) => s.state === 'paused_for_quota', 120_000);
    // Credentials change while the run is paused: a new version of the same secret, verified by a test.
    await rotateCredentials(services.sql, secrets.box, ids.integrationId, org.consumerSecret);
    await handle.signal(credentialsUpdatedSignal);

    // The next day, Salesforce's rolling window has room again; Resume re-checks at once.
    simulator.simulator.control.advanceClock(DAY + 60_000);
    await handle.signal(resumeSignal);
    const done = await waitForStatus(
      handle,
      (s) => s.state === 'idle' && s.initialCollectionDone && s.lastRun?.runId === run.runId,
      180_000,
    );
    expect(done.lastRun).toMatchObject({ kind: 'initial', status: 'succeeded' });
    expect(done.continuedAsNewCount).toBeGreaterThanOrEqual(2);

    const counts = simulator.simulator.control.objectCounts(org.key);
    const collected = await collectedFingerprint(services.sql, ids.integrationId);
    expect(collected.sf_login_history!.rows).toBe(counts.LoginHistory);
    expect(collected.sf_users!.rows).toBe(counts.User);
    expect(collected.sf_permission_set_assignments!.rows).toBe(counts.PermissionSetAssignment);
    const [runs] = await services.sql<{ n: number; paused: number }[]>`
      select count(*)::int as n, max(jsonb_array_length(pauses))::int as paused
      from collection_runs where integration_id = ${ids.integrationId}`;
    expect(runs).toEqual({ n: 1, paused: expect.any(Number) });
    expect(runs!.paused).toBeGreaterThanOrEqual(1);

    // The run itself continued-as-new several times, and no execution grew far past the suggestion.
    const executions: Array<{ type: string; status: string; historyLength: number }> = [];
    for await (const execution of temporal.workflow.list({
      query: `IntegrationId = '${ids.integrationId}'`,
    })) {
      executions.push({
        type: execution.type,
        status: execution.status.name,
        historyLength: execution.historyLength,
      });
    }
    const runExecutions = executions.filter((e) => e.type === 'collectionRunWorkflow');
    expect(runExecutions.filter((e) => e.status === 'CONTINUED_AS_NEW').length).toBeGreaterThanOrEqual(3);
    expect(executions.filter((e) => e.status === 'FAILED')).toEqual([]);
    expect(Math.max(...executions.map((e) => e.historyLength))).toBeLessThan(SUGGEST_CONTINUE_AS_NEW_AT * 3);

    // The daily schedule the initial run created fires the next run by itself (the time-skipping soak test
    // delivers this trigger by hand, so this is where the real Schedule is shown doing it).
    await temporal.schedule.getHandle(dailyScheduleId(ids.integrationId)).trigger();
    const daily = await waitForStatus(
      handle,
      (s) => s.state === 'idle' && s.lastRun?.kind === 'incremental',
      120_000,
    );
    expect(daily.lastRun).toMatchObject({ status: 'succeeded' });
    expect((await collectedFingerprint(services.sql, ids.integrationId)).sf_login_history!.rows).toBe(
      counts.LoginHistory,
    );

    await handle.signal(disconnectSignal);
    await handle.result();

    // Every execution of this release replays against the current code; with RECORD_WORKFLOW_HISTORIES=1
    // they become the committed corpus that test/lifecycle/replay-corpus.test.ts replays on every later change.
    const histories: History[] = [];
    for await (const history of temporal.workflow
      .list({ query: `IntegrationId = '${ids.integrationId}'` })
      .intoHistories())
      histories.push(history as History);
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: await workflowBundle() },
      histories,
    )) {
      expect(result.error).toBeUndefined();
      replayed += 1;
    }
    expect(replayed).toBe(histories.length);
    if (process.env.RECORD_WORKFLOW_HISTORIES === '1') recordCorpus(histories);
  }, 300_000);
});

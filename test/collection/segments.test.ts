import { describe, expect, it } from 'vitest';
import { CancelledFailure } from '@temporalio/common';
import { createCollectionActivities, type CollectObjectResult } from '../../activities/collection';
import { PageBudget } from '../../activities/collection/page-budget';
import { insertIntegration, insertRun, runActivity, useSimulatorFixture } from '../salesforce/support';
import { collect, fingerprint, fixtureDeps, initialRun } from './helpers';

const fixture = useSimulatorFixture({ requestTimeoutMs: 20_000, simulatorClock: true });

const deps = () => fixtureDeps(fixture);

const input = (integrationId: string, runId: string, segment?: number) => ({
  integrationId,
  runId,
  object: 'LoginHistory' as const,
  kind: 'initial' as const,
  ...(segment !== undefined ? { segment } : {}),
});

function plan(integrationId: string, runId: string) {
  const { planSegments } = createCollectionActivities(deps());
  return runActivity(planSegments, [input(integrationId, runId)]);
}

/** Every planned segment at once, as the run workflow's lanes do; each segment until it is no longer yielding. */
async function collectSegments(integrationId: string, runId: string, segments: number[]) {
  return Promise.all(
    segments.map(async (segment) => {
      let result: CollectObjectResult;
      do result = await collect(deps(), input(integrationId, runId, segment));
      while (result.outcome === 'yielded');
      return result;
    }),
  );
}

async function cleanSequentialRun(org: Parameters<typeof insertIntegration>[2], pageSize: number) {
  const clean = await insertIntegration(fixture.services.sql, fixture.secrets, org, {
    pageSize,
    parallelSegments: 1,
  });
  const cleanRun = await insertRun(fixture.services.sql, clean, 'initial');
  expect(await plan(clean, cleanRun)).toEqual({ outcome: 'sequential' });
  await collect(deps(), input(clean, cleanRun));
  return clean;
}

const watermark = async (integrationId: string) =>
  (
    await fixture.services.sql<
      { watermark_at: Date | null; watermark_id: string | null; position: unknown }[]
    >`
      select watermark_at, watermark_id, position from collection_cursors
      where integration_id = ${integrationId} and object = 'LoginHistory'`
  )[0];

describe('LoginHistory in parallel time segments', () => {
  it('collects exactly the rows and watermark of a sequential run, at most one extra call per segment', async () => {
    const org = fixture.sim.simulator.control.createOrg({ users: 60, logins: 8000 });
    const pageSize = 200;
    const clean = await cleanSequentialRun(org, pageSize);

    const integrationId = await insertIntegration(fixture.services.sql, fixture.secrets, org, {
      pageSize,
      parallelSegments: 4,
    });
    const runId = await insertRun(fixture.services.sql, integrationId, 'initial');
    fixture.sim.simulator.control.resetCounters(org.key);
    const planned = await plan(integrationId, runId);
    expect(planned).toEqual({ outcome: 'segmented', segments: [0, 1, 2, 3], parallel: 4 });
    // Planning again (a retried activity, a continue-as-new) adopts the same plan.
    expect(await plan(integrationId, runId)).toEqual(planned);

    const results = await collectSegments(integrationId, runId, [0, 1, 2, 3]);
    expect(results.every((r) => r.outcome === 'completed')).toBe(true);
    expect(results.reduce((n, r) => n + (r.outcome === 'completed' ? r.records : 0), 0)).toBe(8000);
    expect(await fingerprint(fixture.services.sql, 'LoginHistory', integrationId)).toEqual(
      await fingerprint(fixture.services.sql, 'LoginHistory', clean),
    );
    // Calls: the pages of each segment (one partial page each at most) and the first /limits.
    const calls = fixture.sim.simulator.control.counters(org.key).apiCallsCounted;
    expect(calls).toBeLessThanOrEqual(Math.ceil(8000 / pageSize) + 4 + 1);

    // The pass is complete: watermark as the sequential pass's, no segment left, progress summed.
    const [mine, theirs] = [await watermark(integrationId), await watermark(clean)];
    expect(mine).toEqual(theirs);
    expect(mine!.position).toBeNull();
    const [left] = await fixture.services.sql<{ n: number }[]>`
      select count(*)::int as n from collection_segments where integration_id = ${integrationId}`;
    expect(left!.n).toBe(0);
    const [run] = await fixture.services.sql<
      { api_calls: number; progress: { LoginHistory: { records: number; finishedAt: string | null } } }[]
    >`select api_calls, progress from collection_runs where id = ${runId}`;
    expect(run!.progress.LoginHistory.records).toBe(8000);
    expect(run!.progress.LoginHistory.finishedAt).not.toBeNull();
    expect(run!.api_calls).toBe(calls);
    expect(await plan(integrationId, runId)).toEqual({ outcome: 'completed' });
  });

  it('a segment interrupted mid-pagination resumes from its own cursor: exactly the rows of a clean run', async () => {
    const org = fixture.sim.simulator.control.createOrg({ users: 40, logins: 5000 });
    const clean = await cleanSequentialRun(org, 200);
    const integrationId = await insertIntegration(fixture.services.sql, fixture.secrets, org, {
      pageSize: 200,
      parallelSegments: 3,
    });
    const runId = await insertRun(fixture.services.sql, integrationId, 'initial');
    const planned = await plan(integrationId, runId);
    expect(planned).toMatchObject({ outcome: 'segmented', segments: [0, 1, 2] });

    // Segment 1 dies after its second page (a crashed worker: the activity never finishes).
    let beats = 0;
    const crashed = await runActivity(
      createCollectionActivities(deps()).collectObject,
      [input(integrationId, runId, 1)],
      {
        onHeartbeat: (_details, env) => {
          if (++beats === 2) env.cancel();
        },
      },
    ).catch((e: unknown) => e);
    expect(crashed).toBeInstanceOf(CancelledFailure);
    const [saved] = await fixture.services.sql<{ position: { pages: number; records: number } }[]>`
      select position from collection_segments
      where integration_id = ${integrationId} and object = 'LoginHistory' and segment = 1`;
    expect(saved!.position.pages).toBe(2);

    await collectSegments(integrationId, runId, [0, 1, 2]);
    expect(await fingerprint(fixture.services.sql, 'LoginHistory', integrationId)).toEqual(
      await fingerprint(fixture.services.sql, 'LoginHistory', clean),
    );
    expect(await watermark(integrationId)).toEqual(await watermark(clean));
  });

  it('stops every segment at the quota threshold, never past it from one worker, then finishes exactly once', async () => {
    const org = fixture.sim.simulator.control.createOrg({ users: 40, logins: 9000, dailyApiMax: 1000 });
    const clean = await cleanSequentialRun(org, 200);
    const integrationId = await insertIntegration(fixture.services.sql, fixture.secrets, org, {
      pageSize: 200,
      parallelSegments: 4,
      quotaThresholdPercent: 50,
    });
    const runId = await insertRun(fixture.services.sql, integrationId, 'initial');
    fixture.sim.simulator.control.advanceClock(25 * 3_600_000); // the clean run's calls leave the window
    fixture.sim.simulator.control.consumeApiCalls(org.key, 480); // other apps of the org
    fixture.sim.simulator.control.resetCounters(org.key);
    const planned = await plan(integrationId, runId);
    expect(planned).toMatchObject({ outcome: 'segmented', segments: [0, 1, 2, 3] });

    const paused = await Promise.all(
      [0, 1, 2, 3].map((segment) => collect(deps(), input(integrationId, runId, segment))),
    );
    expect(paused.every((r) => r.outcome === 'quota_paused')).toBe(true);
    // The guard counts the other segments' calls in flight: usage never passed the threshold (500 of 1000).
    expect(fixture.sim.simulator.control.counters(org.key).peakUsage).toBeLessThanOrEqual(500);
    expect(fixture.sim.simulator.control.counters(org.key).apiCallsCounted).toBeLessThanOrEqual(20);

    fixture.sim.simulator.control.advanceClock(25 * 3_600_000);
    await collectSegments(integrationId, runId, [0, 1, 2, 3]);
    expect(await fingerprint(fixture.services.sql, 'LoginHistory', integrationId)).toEqual(
      await fingerprint(fixture.services.sql, 'LoginHistory', clean),
    );
  });

  it('holds the run budget exactly across parallel segments: no segment spends a call past it', async () => {
    const { org, integrationId, runId } = await initialRun(
      fixture,
      { users: 40, logins: 9000 },
      { pageSize: 200, parallelSegments: 4, runBudgetCalls: 13 },
    );
    fixture.sim.simulator.control.resetCounters(org.key);
    // Slow pages keep every segment's call in flight together, where each used to take the last call.
    fixture.sim.simulator.control.setFaults(org.key, { latencyMs: 80 });
    expect(await plan(integrationId, runId)).toMatchObject({ segments: [0, 1, 2, 3] });
    const paused = await Promise.all(
      [0, 1, 2, 3].map((segment) => collect(deps(), input(integrationId, runId, segment))),
    );
    fixture.sim.simulator.control.clearFaults(org.key);
    expect(paused.every((r) => r.outcome === 'quota_paused' && r.reason === 'run_budget')).toBe(true);
    // Salesforce saw exactly the budget, and the run's books agree (no booking left unspent).
    expect(fixture.sim.simulator.control.counters(org.key).apiCallsCounted).toBe(13);
    const [run] = await fixture.services.sql<{ api_calls: number }[]>`
      select api_calls from collection_runs where id = ${runId}`;
    expect(run!.api_calls).toBe(13);
  });

  it('a daily incremental window stays one cursor', async () => {
    const { integrationId, runId } = await initialRun(
      fixture,
      { users: 20, logins: 500 },
      { pageSize: 200, loginHistoryDays: 1 },
    );
    expect(await plan(integrationId, runId)).toEqual({ outcome: 'sequential' });
  });
});

describe('PageBudget', () => {
  it('grants at most its size and hands a released permit to the next waiter', async () => {
    const budget = new PageBudget(2);
    expect(budget.tryAcquire()).toBe(true);
    await budget.acquire(new AbortController().signal);
    expect(budget.tryAcquire()).toBe(false);
    const abort = new AbortController();
    const cancelled = budget.acquire(abort.signal);
    let granted = false;
    const waiting = budget.acquire(new AbortController().signal).then(() => (granted = true));
    abort.abort(new Error('cancelled'));
    await expect(cancelled).rejects.toThrow('cancelled');
    budget.release();
    await waiting;
    expect(granted).toBe(true);
    expect(budget.free).toBe(0);
    budget.release();
    budget.release();
    expect(budget.free).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import { startOfNextDay } from '../../activities/collection/quota';
import { insertIntegration, insertRun, makeDeps, useSimulatorFixture } from '../salesforce/support';
import { collect, fingerprint } from './helpers';

const fixture = useSimulatorFixture({ requestTimeoutMs: 20_000, simulatorClock: true });

const deps = () =>
  makeDeps({
    sql: fixture.services.sql,
    temporal: fixture.services.temporal,
    secrets: fixture.secrets,
    salesforce: fixture.salesforce,
    now: () => fixture.sim.simulator.control.now(),
  });

describe('quota guard', () => {
  it('pauses at the daily threshold without passing it by more than one call, then resumes where it stopped', async () => {
    const org = fixture.sim.simulator.control.createOrg({ users: 30, logins: 6000, dailyApiMax: 1000 });
    const integrationId = await insertIntegration(fixture.services.sql, fixture.secrets, org, {
      pageSize: 200,
      loginHistoryDays: 366,
      quotaThresholdPercent: 50,
      timezone: 'Europe/Paris',
    });
    const runId = await insertRun(fixture.services.sql, integrationId, 'initial');
    fixture.sim.simulator.control.consumeApiCalls(org.key, 480); // other apps of the org
    fixture.sim.simulator.control.resetCounters(org.key);
    const input = { integrationId, runId, object: 'LoginHistory' as const, kind: 'initial' as const };

    const paused = await collect(deps(), input);
    const now = fixture.sim.simulator.control.now();
    expect(paused).toMatchObject({
      outcome: 'quota_paused',
      reason: 'daily_threshold',
      used: 500,
      max: 1000,
      thresholdPercent: 50,
      runApiCalls: 20,
      resumeAt: startOfNextDay(now, 'Europe/Paris').toISOString(),
    });
    const counters = fixture.sim.simulator.control.counters(org.key);
    expect(counters.peakUsage).toBeLessThanOrEqual(501);
    expect(counters.apiCallsCounted).toBe(20); // /limits + 19 pages
    const [run] = await fixture.services.sql<
      { api_calls: number }[]
    >`select api_calls from collection_runs where id = ${runId}`;
    expect(run!.api_calls).toBe(20);
    const [cursor] = await fixture.services.sql<{ position: { pages: number } }[]>`
      select position from collection_cursors where integration_id = ${integrationId} and object = 'LoginHistory'`;
    expect(cursor!.position.pages).toBe(19);

    // Still at the threshold: another attempt pauses again after one /limits call, without reading a page.
    const again = await collect(deps(), input);
    expect(again).toMatchObject({ outcome: 'quota_paused', reason: 'daily_threshold' });

    // The rolling window moves on; the same run resumes and finishes with every row exactly once.
    fixture.sim.simulator.control.advanceClock(25 * 3_600_000);
    const done = await collect(deps(), input);
    expect(done).toMatchObject({ outcome: 'completed', records: 6000, pages: 30 });
    expect((await fingerprint(fixture.services.sql, 'LoginHistory', integrationId)).count).toBe(6000);
  });

  it('pauses when the run budget is spent', async () => {
    const org = fixture.sim.simulator.control.createOrg({ users: 30, logins: 5000 });
    const integrationId = await insertIntegration(fixture.services.sql, fixture.secrets, org, {
      pageSize: 200,
      loginHistoryDays: 366,
      runBudgetCalls: 10,
    });
    const runId = await insertRun(fixture.services.sql, integrationId, 'initial');
    const result = await collect(deps(), { integrationId, runId, object: 'LoginHistory', kind: 'initial' });
    expect(result).toMatchObject({ outcome: 'quota_paused', reason: 'run_budget', runApiCalls: 10 });
    expect(fixture.sim.simulator.control.counters(org.key).apiCallsCounted).toBe(10);
    expect((await fingerprint(fixture.services.sql, 'LoginHistory', integrationId)).count).toBe(9 * 200);
  });

  it('turns a 403 TotalRequests (usage spent by others mid-pass) into a quota pause', async () => {
    const org = fixture.sim.simulator.control.createOrg({ users: 30, logins: 3000, dailyApiMax: 2000 });
    const integrationId = await insertIntegration(fixture.services.sql, fixture.secrets, org, {
      pageSize: 200,
      loginHistoryDays: 366,
      quotaThresholdPercent: 100,
    });
    const runId = await insertRun(fixture.services.sql, integrationId, 'initial');
    const result = await collect(
      deps(),
      { integrationId, runId, object: 'LoginHistory', kind: 'initial' },
      // Another app burns the rest of the allocation after our second page.
      {
        onHeartbeat: (d) =>
          (d as { pages: number }).pages === 2 &&
          fixture.sim.simulator.control.consumeApiCalls(org.key, 5000),
      },
    );
    expect(result).toMatchObject({ outcome: 'quota_paused', reason: 'daily_threshold', max: 2000 });
    expect(fixture.sim.simulator.control.counters(org.key).errors.REQUEST_LIMIT_EXCEEDED).toBe(1);
  });
});

describe('startOfNextDay', () => {
  it.each([
    ['2026-05-01T10:00:00Z', 'UTC', '2026-05-02T00:00:00.000Z'],
    ['2026-05-01T23:59:59Z', 'UTC', '2026-05-02T00:00:00.000Z'],
    // 00:30 on 29 March in Paris (CET); the next midnight is already summer time (CEST, +2).
    ['2026-03-28T23:30:00Z', 'Europe/Paris', '2026-03-29T22:00:00.000Z'],
    ['2026-11-01T03:30:00Z', 'America/New_York', '2026-11-01T04:00:00.000Z'],
    ['2026-05-01T10:00:00Z', 'Asia/Kolkata', '2026-05-01T18:30:00.000Z'],
  ])('%s in %s → %s', (now, zone, expected) => {
    expect(startOfNextDay(new Date(now), zone).toISOString()).toBe(expected);
  });
});

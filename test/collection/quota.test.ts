import { describe, expect, it } from 'vitest';
import { quotaResumeAt, startOfNextDay } from '../../activities/collection/quota';
import { useSimulatorFixture } from '../salesforce/support';
import { collect, fingerprint, fixtureDeps, initialRun } from './helpers';

const fixture = useSimulatorFixture({ requestTimeoutMs: 20_000, simulatorClock: true });

const deps = () => fixtureDeps(fixture);

describe('quota guard', () => {
  it('pauses at the daily threshold without passing it by more than one call, then resumes where it stopped', async () => {
    const { org, integrationId, runId, input } = await initialRun(
      fixture,
      { users: 30, logins: 6000, dailyApiMax: 1000 },
      { pageSize: 200, loginHistoryDays: 366, quotaThresholdPercent: 50, timezone: 'Europe/Paris' },
    );
    fixture.sim.simulator.control.consumeApiCalls(org.key, 480); // other apps of the org
    fixture.sim.simulator.control.resetCounters(org.key);

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
    const { org, integrationId, input } = await initialRun(
      fixture,
      { users: 30, logins: 5000 },
      { pageSize: 200, loginHistoryDays: 366, runBudgetCalls: 10 },
    );
    const result = await collect(deps(), input);
    expect(result).toMatchObject({ outcome: 'quota_paused', reason: 'run_budget', runApiCalls: 10 });
    expect(fixture.sim.simulator.control.counters(org.key).apiCallsCounted).toBe(10);
    expect((await fingerprint(fixture.services.sql, 'LoginHistory', integrationId)).count).toBe(9 * 200);
  });

  it('turns a 403 TotalRequests (usage spent by others mid-pass) into a quota pause', async () => {
    const { org, input } = await initialRun(
      fixture,
      { users: 30, logins: 3000, dailyApiMax: 2000 },
      { pageSize: 200, loginHistoryDays: 366, quotaThresholdPercent: 100 },
    );
    const result = await collect(
      deps(),
      input,
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
    // Zones whose clocks jump from 00:00 to 01:00: local midnight does not exist, the day starts at 01:00.
    ['2026-09-06T03:30:00Z', 'America/Santiago', '2026-09-06T04:00:00.000Z'],
    ['2026-09-05T20:00:00Z', 'America/Santiago', '2026-09-06T04:00:00.000Z'],
    ['2026-03-08T04:30:00Z', 'America/Havana', '2026-03-08T05:00:00.000Z'],
    ['2026-03-29T00:30:00Z', 'Atlantic/Azores', '2026-03-29T01:00:00.000Z'],
    ['2025-03-30T00:00:00Z', 'Atlantic/Azores', '2025-03-30T01:00:00.000Z'],
    // And back: Santiago's clocks fall from 00:00 to 23:00 in April; the next day starts once, at 00:00 -04.
    ['2026-04-04T23:30:00Z', 'America/Santiago', '2026-04-05T04:00:00.000Z'],
  ])('%s in %s → %s', (now, zone, expected) => {
    expect(startOfNextDay(new Date(now), zone).toISOString()).toBe(expected);
  });

  it('is always in the future and at most 25 hours away, every half hour of a year, in zones with odd clocks', () => {
    const zones = [
      'UTC',
      'America/Santiago',
      'America/Havana',
      'Atlantic/Azores',
      'Europe/Paris',
      'America/New_York',
      'Australia/Lord_Howe',
      'Asia/Kathmandu',
      'Pacific/Chatham',
      'America/Asuncion',
    ];
    const start = Date.parse('2026-01-01T00:00:00Z');
    for (const zone of zones) {
      for (let t = start; t < start + 366 * 86_400_000; t += 30 * 60_000) {
        const wait = startOfNextDay(new Date(t), zone).getTime() - t;
        if (wait <= 0 || wait > 25 * 3_600_000)
          throw new Error(`${zone} at ${new Date(t).toISOString()}: wait ${wait} ms`);
      }
    }
  });
});

describe('quotaResumeAt', () => {
  it('waits for the next day after a fresh pause, and re-checks hourly when a wake-up finds usage still high', () => {
    const now = new Date('2026-05-01T00:00:30Z');
    expect(quotaResumeAt(now, 'UTC', false).toISOString()).toBe('2026-05-02T00:00:00.000Z');
    expect(quotaResumeAt(now, 'UTC', true).toISOString()).toBe('2026-05-01T01:00:30.000Z');
    // Never past the next day, even on the back-off.
    expect(quotaResumeAt(new Date('2026-05-01T23:30:00Z'), 'UTC', true).toISOString()).toBe(
      '2026-05-02T00:00:00.000Z',
    );
  });
});

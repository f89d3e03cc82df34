import { describe, expect, it, vi } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { collectNowSignal, requestCollectionUpdate } from '../../workflows/definitions';
import { HOUR, MINUTE, connectedState, idleState, nonRetryable, scenario, useTier } from './support/harness';

/**
 * Failures that are retried on a timer. Each test sleeps on the time-skipping server, which sometimes stops
 * skipping after earlier timers fired; so each sleeps just past its timer, and none sleeps for hours.
 */
const failingSlices = {
  collectObject: async () => {
    throw nonRetryable('SalesforceQueryError', 'INVALID_FIELD: No such column');
  },
};

/** The duration of the last timer the workflow's current execution started, from its history. */
async function lastTimerMs(handle: WorkflowHandle): Promise<number> {
  const history = await handle.fetchHistory();
  const timers = (history.events ?? []).flatMap((e) =>
    e.timerStartedEventAttributes?.startToFireTimeout
      ? [e.timerStartedEventAttributes.startToFireTimeout]
      : [],
  );
  const last = timers.at(-1);
  return last ? Number(last.seconds ?? 0) * 1000 + Math.round((last.nanos ?? 0) / 1e6) : 0;
}

describe('integration workflow: retries on back-off', () => {
  const tier = useTier();

  // Runs without sleeping through the hour: the retry is the timer the workflow starts, read from its history.
  it('initial run failing → failed, its retry scheduled on a 1 h timer (not sooner), with the daily schedule', async () => {
    const s = scenario(tier, failingSlices);
    const handle = await s.startIntegration(connectedState);
    await handle.executeUpdate(requestCollectionUpdate);
    const failed = await s.until(
      (st) => st.lastRun?.status === 'failed' && st.retryAt !== null,
      'the failed run',
    );
    expect(failed).toMatchObject({ state: 'connected', initialCollectionDone: false, currentRun: null });
    expect(failed.lastRun?.error).toContain('INVALID_FIELD');
    const retryInMs = Date.parse(failed.retryAt!) - (await tier.env.currentTimeMs());
    expect(retryInMs).toBeGreaterThan(HOUR - MINUTE);
    expect(retryInMs).toBeLessThanOrEqual(HOUR);
    // A failed initial run still gets its daily schedule.
    expect(s.inputs('ensureDailySchedule')).toHaveLength(1);
    await s.timerStarted();
    const timerMs = await lastTimerMs(handle);
    expect(timerMs).toBeGreaterThan(HOUR - MINUTE);
    expect(timerMs).toBeLessThanOrEqual(HOUR);
    // Nothing else started a run in the meantime.
    expect(s.inputs('startCollectionRun')).toHaveLength(1);
  });
});

describe('integration workflow: a failed initial run retried by its timer', () => {
  // A server of its own: after the hour-long timer of the test above (terminated), this server would stop
  // skipping and the one-minute sleep below would take a real minute.
  const tier = useTier();

  // The follow-up of the test above, from the state its continue-as-new carries with the retry a minute away
  // (instead of an hour): the time-skipping server stalls on hour-long sleeps too often, and only the delay
  // differs. The workflow's own timer starts the retry, not before it is due; a second failure doubles it.
  it('failed initial run, retry due → retried by itself when its timer fires (not before), then 2 h later', async () => {
    const s = scenario(tier, failingSlices);
    const now = await tier.env.currentTimeMs();
    const handle = await s.startIntegration({
      ...connectedState,
      failedInitialRuns: 1,
      retryAt: new Date(now + MINUTE).toISOString(),
    });
    await s.timerStarted();
    expect(await lastTimerMs(handle)).toBeLessThanOrEqual(MINUTE);
    expect(s.inputs('startCollectionRun')).toEqual([]);

    await tier.env.sleep(MINUTE + 1_000);
    await s.called('startCollectionRun');
    expect(s.inputs('startCollectionRun')).toEqual([
      expect.objectContaining({ kind: 'initial', trigger: 'schedule' }),
    ]);
    const second = await s.until(
      (st) => st.lastRun?.runId === 'run-1' && st.retryAt !== null,
      'the second failure',
    );
    expect(second).toMatchObject({ state: 'connected', lastRun: { status: 'failed' } });
    const retryInMs = Date.parse(second.retryAt!) - (await tier.env.currentTimeMs());
    expect(retryInMs).toBeGreaterThan(2 * HOUR - MINUTE);
    expect(retryInMs).toBeLessThanOrEqual(2 * HOUR);
    // The next execution (continue-as-new after the run) waits on that retry.
    const timerMs = await vi.waitFor(
      async () => {
        const ms = await lastTimerMs(handle);
        if (ms <= 2 * HOUR - MINUTE) throw new Error(`last timer ${ms} ms, waiting for the 2 h retry`);
        return ms;
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(timerMs).toBeLessThanOrEqual(2 * HOUR);
  });
});

describe('integration workflow: a failing step', () => {
  const tier = useTier();

  it('idle + daily trigger with bookkeeping failing → retried after 1 min, the entity never fails', async () => {
    let attempts = 0;
    const s = scenario(tier, {
      startCollectionRun: async () => {
        attempts += 1;
        if (attempts === 1) throw nonRetryable('DatabaseDown', 'connection refused');
        return {
          runId: 'run-1',
          startedAt: new Date().toISOString(),
          quotaThresholdPercent: 75,
          findingsSince: null,
        };
      },
    });
    const handle = await s.startIntegration(idleState);
    await handle.signal(collectNowSignal, { trigger: 'schedule' });
    await s.called('startCollectionRun');
    await s.timerStarted();
    expect(s.inputs('startCollectionRun')).toHaveLength(1);
    const before = await tier.env.currentTimeMs();
    await tier.env.sleep(MINUTE + 1_000);
    await s.called('startCollectionRun', 2);
    expect((await tier.env.currentTimeMs()) - before).toBeGreaterThanOrEqual(MINUTE);
    await s.until((st) => st.lastRun?.runId === 'run-1', 'the run to finish');
    expect((await handle.describe()).status.name).toBe('RUNNING');
  });
});

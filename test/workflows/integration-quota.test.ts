import { describe, expect, it } from 'vitest';
import {
  collectNowSignal,
  requestCollectionUpdate,
  resumeSignal,
  settingsUpdatedSignal,
} from '../../workflows/definitions';
import type { Mocks } from './support/harness';
import {
  DAY,
  HOUR,
  activeRun,
  completed,
  idleState,
  quotaPaused,
  scenario,
  useTier,
} from './support/harness';

/** The first slice stops at the daily threshold; every later one completes. */
function pausesOnce(): Mocks {
  let slices = 0;
  return {
    collectObject: async () => (++slices === 1 ? quotaPaused(DAY) : completed),
  };
}

/** A run paused for quota, and what ends the pause: the timer, Resume, a settings change, Collect Now. */
describe('integration workflow: quota pause', () => {
  const tier = useTier();

  async function pausedForQuota(mocks: Mocks = pausesOnce()) {
    const s = scenario(tier, mocks);
    // Started now by the server's clock, which earlier tests of this file moved days ahead.
    const startedAt = new Date(await tier.env.currentTimeMs()).toISOString();
    const handle = await s.startIntegration({
      ...idleState,
      activeRun: activeRun({ kind: 'incremental', startedAt }),
    });
    await s.entered('paused_for_quota');
    await s.timerStarted(s.childWorkflowId('run-carried', 1));
    return { s, handle };
  }

  it('collecting + a slice at the threshold → paused_for_quota until the next day, usage shown, pause recorded', async () => {
    const { s } = await pausedForQuota();
    const status = await s.status();
    expect(status.quota).toMatchObject({ used: 11_250, max: 15_000, usagePercent: 75 });
    expect(Date.parse(status.quota.pausedUntil!) - (await tier.env.currentTimeMs())).toBeGreaterThan(
      DAY - HOUR,
    );
    expect(s.states()).toEqual(['incremental_collection', 'paused_for_quota']);
    expect(s.inputs('recordRunPause')).toEqual([
      {
        runId: 'run-carried',
        reason: 'daily_threshold',
        detail: 'API usage 11250/15000 (threshold 75%), run used 40 calls',
        resumeAt: status.quota.pausedUntil,
      },
    ]);
  });

  it('paused_for_quota + the next day (timer skipped) → resumes with a re-check on back-off and finishes', async () => {
    const { s } = await pausedForQuota();
    const before = await tier.env.currentTimeMs();
    expect(s.slices()).toHaveLength(1);
    // Just past the timer: the time-skipping server sometimes stops skipping after a timer fires, so a
    // longer sleep could go on in real time.
    await tier.env.sleep(DAY + 1_000);
    const status = await s.until((st) => st.lastRun?.runId === 'run-carried', 'the run to finish');
    expect((await tier.env.currentTimeMs()) - before).toBeGreaterThanOrEqual(DAY);
    expect(status).toMatchObject({ state: 'idle', quota: { pausedUntil: null } });
    expect(s.inputs('collectObject')[1]).toMatchObject({ recheckQuota: true, quotaBackoff: true });
    expect(s.inputs('recordRunResumed')).toEqual([{ runId: 'run-carried' }]);
    expect(s.states()).toEqual([
      'incremental_collection',
      'paused_for_quota',
      'incremental_collection',
      'idle',
    ]);
  });

  it('paused_for_quota + resume → re-checks at once (no day skipped), without the back-off', async () => {
    const { s, handle } = await pausedForQuota();
    const before = await tier.env.currentTimeMs();
    await handle.signal(resumeSignal);
    await s.until((st) => st.lastRun?.runId === 'run-carried', 'the run to finish');
    expect((await tier.env.currentTimeMs()) - before).toBeLessThan(HOUR);
    expect(s.inputs('collectObject')[1]).toMatchObject({ recheckQuota: true, quotaBackoff: false });
  });

  it('paused_for_quota + settings changed → re-reads the options (new threshold shown) and re-checks', async () => {
    const mocks: Mocks = {
      ...pausesOnce(),
      readIntegrationSnapshot: async () => ({
        state: 'paused_for_quota',
        connected: true,
        attention: null,
        initialCollectionDone: true,
        lastRun: null,
        quotaThresholdPercent: 90,
        displayName: 'Acme renamed',
        tenantId: 'tenant-1',
      }),
    };
    const { s, handle } = await pausedForQuota(mocks);
    await handle.signal(settingsUpdatedSignal);
    const status = await s.until((st) => st.lastRun?.runId === 'run-carried', 'the run to finish');
    expect(status.quota.thresholdPercent).toBe(90);
    expect(s.inputs('readIntegrationSnapshot')).toEqual([{ integrationId: s.integrationId }]);
    // Only a fresh start closes orphaned runs; this run is the workflow's own.
    expect(s.inputs('recoverOrphanedRuns')).toEqual([]);
    expect(s.inputs('ensureDailySchedule')).toEqual([{ integrationId: s.integrationId }]);
    expect(s.inputs('collectObject')[1]).toMatchObject({ recheckQuota: true, quotaBackoff: false });
  });

  it('paused_for_quota + Collect Now → answers with the paused run and re-checks at once', async () => {
    const { s, handle } = await pausedForQuota();
    expect(await handle.executeUpdate(requestCollectionUpdate)).toEqual({
      runId: 'run-carried',
      started: false,
      kind: 'incremental',
    });
    await s.until((st) => st.lastRun?.runId === 'run-carried', 'the run to finish');
    expect(s.inputs('startCollectionRun')).toEqual([]);
    expect(s.inputs('collectObject')[1]).toMatchObject({ recheckQuota: true });
  });

  it('paused_for_quota + daily trigger → re-checks at once, starts no second run', async () => {
    const { s, handle } = await pausedForQuota();
    await handle.signal(collectNowSignal, { trigger: 'schedule' });
    await s.until((st) => st.lastRun?.runId === 'run-carried', 'the run to finish');
    expect(s.inputs('collectObject')[1]).toMatchObject({ recheckQuota: true });
    expect(s.inputs('startCollectionRun')).toEqual([]);
  });
});

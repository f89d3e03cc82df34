import { describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { requestCollectionUpdate, testConnectivityUpdate } from '../../workflows/definitions';
import { connected, failedTest, nonRetryable, scenario, useTier } from './support/harness';

/** Awaiting test → connected, and a fresh start taking what PostgreSQL knows (mocked snapshot). */
describe('integration workflow: connect', () => {
  const tier = useTier();

  it('fresh start: recovers orphaned runs, reads the snapshot and waits for a test in awaiting_test', async () => {
    const s = scenario(tier);
    await s.startIntegration();
    const status = await s.until(
      (st) => s.inputs('readIntegrationSnapshot').length === 1 && st.state === 'awaiting_test',
    );
    expect(s.inputs('recoverOrphanedRuns')).toEqual([{ integrationId: s.integrationId }]);
    expect(s.inputs('readIntegrationSnapshot')).toEqual([{ integrationId: s.integrationId }]);
    expect(status).toMatchObject({ state: 'awaiting_test', currentRun: null, attention: null });
    expect(s.names()).toEqual(['recoverOrphanedRuns', 'readIntegrationSnapshot']);
  });

  it('awaiting_test + Test Connectivity passing → connected, with the usage it reported', async () => {
    const s = scenario(tier);
    const handle = await s.startIntegration();
    const result = await handle.executeUpdate(testConnectivityUpdate);
    expect(result).toEqual(connected);
    const status = await s.until((st) => st.state === 'connected');
    expect(status.quota).toMatchObject({ used: 120, max: 15_000, usagePercent: 0.8 });
    expect(s.states()).toEqual(['connected']);
  });

  it('awaiting_test + Test Connectivity failing on setup → stays awaiting_test and shows the problem', async () => {
    const s = scenario(tier, { testConnectivity: async () => failedTest('INVALID_CLIENT') });
    const handle = await s.startIntegration();
    expect(await handle.executeUpdate(testConnectivityUpdate)).toMatchObject({
      ok: false,
      code: 'INVALID_CLIENT',
    });
    const status = await s.status();
    expect(status.state).toBe('awaiting_test');
    expect(status.attention).toMatchObject({ code: 'INVALID_CLIENT', fix: 'Check the Connected App.' });
    expect(s.states()).toEqual([]);
  });

  it('awaiting_test + Test Connectivity failing only on the daily API limit → no attention problem', async () => {
    const s = scenario(tier, { testConnectivity: async () => failedTest('DAILY_API_LIMIT_REACHED') });
    const handle = await s.startIntegration();
    await handle.executeUpdate(testConnectivityUpdate);
    expect(await s.status()).toMatchObject({ state: 'awaiting_test', attention: null });
  });

  it('awaiting_test + Collect Now → refused (not connected), no run started', async () => {
    const s = scenario(tier);
    const handle = await s.startIntegration();
    const refused = await handle.executeUpdate(requestCollectionUpdate).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((refused as WorkflowUpdateFailedError).cause).toBeInstanceOf(ApplicationFailure);
    expect(((refused as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(
      'IntegrationNotConnected',
    );
    expect(s.inputs('startCollectionRun')).toEqual([]);
  });

  it('awaiting_test + Test Connectivity passing + Collect Now → initial run through to idle', async () => {
    const s = scenario(tier);
    const handle = await s.startIntegration();
    await handle.executeUpdate(testConnectivityUpdate);
    const run = await handle.executeUpdate(requestCollectionUpdate);
    expect(run).toEqual({ runId: 'run-1', started: true, kind: 'initial' });
    const status = await s.until((st) => st.state === 'idle');
    expect(status).toMatchObject({
      initialCollectionDone: true,
      lastRun: { runId: 'run-1', status: 'succeeded' },
    });
    expect(s.states()).toEqual(['connected', 'initial_collection', 'idle']);
  });

  it('restored with a snapshot of a user-paused integration → pauses the daily schedule, paused_by_user', async () => {
    const s = scenario(tier, {
      readIntegrationSnapshot: async () => ({
        state: 'paused_by_user',
        connected: true,
        attention: null,
        initialCollectionDone: true,
        lastRun: null,
        quotaThresholdPercent: 60,
        displayName: 'Acme',
        tenantId: 'tenant-1',
      }),
    });
    await s.startIntegration();
    const status = await s.until((st) => st.state === 'paused_by_user');
    expect(status).toMatchObject({
      resumeState: 'idle',
      initialCollectionDone: true,
      quota: { thresholdPercent: 60 },
    });
    expect(s.names()).toEqual(['recoverOrphanedRuns', 'readIntegrationSnapshot', 'setDailySchedulePaused']);
    expect(s.inputs('setDailySchedulePaused')).toEqual([{ integrationId: s.integrationId, paused: true }]);
  });

  it('restored with a snapshot that needs attention → needs_attention, waiting for credentials', async () => {
    const problem = { code: 'INVALID_CLIENT', message: 'Bad secret.', fix: 'Rotate it.' };
    const s = scenario(tier, {
      readIntegrationSnapshot: async () => ({
        state: 'needs_attention',
        connected: true,
        attention: problem,
        initialCollectionDone: true,
        lastRun: null,
        quotaThresholdPercent: 75,
        displayName: 'Acme',
        tenantId: 'tenant-1',
      }),
    });
    await s.startIntegration();
    const status = await s.until((st) => st.state === 'needs_attention');
    expect(status.attention).toEqual(problem);
    expect(s.names()).toEqual(['recoverOrphanedRuns', 'readIntegrationSnapshot']);
  });

  it('fresh start of an integration that no longer exists → the workflow ends cleanly', async () => {
    const s = scenario(tier, {
      readIntegrationSnapshot: async () => {
        throw nonRetryable('IntegrationNotFound');
      },
    });
    const handle = await s.startIntegration();
    await expect(handle.result()).resolves.toBeUndefined();
    expect(s.names()).toEqual(['recoverOrphanedRuns', 'readIntegrationSnapshot']);
  });
});

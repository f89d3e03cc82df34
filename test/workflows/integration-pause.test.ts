import { describe, expect, it, vi } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import {
  collectNowSignal,
  collectedObjects,
  pauseSignal,
  requestCollectionUpdate,
  resumeSignal,
} from '../../workflows/definitions';
import { Gate, activeRun, heldSlices, idleState, quotaPaused, scenario, useTier } from './support/harness';

/** Pause and resume by the user, from rest, during a run and during a quota pause. */
describe('integration workflow: user pause', () => {
  const tier = useTier();

  it('idle + pause → the daily schedule is paused first, then paused_by_user', async () => {
    const s = scenario(tier);
    const handle = await s.startIntegration(idleState);
    await handle.signal(pauseSignal);
    const status = await s.until((st) => st.state === 'paused_by_user');
    expect(status.resumeState).toBe('idle');
    expect(s.inputs('setDailySchedulePaused')).toEqual([{ integrationId: s.integrationId, paused: true }]);
    const order = s.calls.map((c) => c.name).filter((name) => name !== 'recordIntegrationStatus');
    expect(order).toEqual(['setDailySchedulePaused', 'recordIntegrationState']);
    // The status page's mirror follows the state, with the state to return to.
    await vi.waitFor(() =>
      expect(s.inputs('recordIntegrationStatus').at(-1)?.status).toMatchObject({
        state: 'paused_by_user',
        resumeState: 'idle',
      }),
    );
  });

  it('paused_by_user + resume → the daily schedule runs again, back to idle', async () => {
    const s = scenario(tier);
    const handle = await s.startIntegration({ ...idleState, userPaused: true });
    await s.until((st) => st.state === 'paused_by_user');
    await handle.signal(resumeSignal);
    const status = await s.until((st) => st.state === 'idle');
    expect(status.resumeState).toBeNull();
    expect(s.inputs('setDailySchedulePaused').map((i) => i.paused)).toEqual([true, false]);
    expect(s.states()).toEqual(['paused_by_user', 'idle']);
  });

  it('paused_by_user + Collect Now → refused (resume first), no run', async () => {
    const s = scenario(tier);
    const handle = await s.startIntegration({ ...idleState, userPaused: true });
    await s.until((st) => st.state === 'paused_by_user');
    const refused = await handle.executeUpdate(requestCollectionUpdate).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((refused as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(
      'IntegrationPaused',
    );
    expect(s.inputs('startCollectionRun')).toEqual([]);
  });

  it('paused_by_user + daily trigger → remembered, the run starts right after resume', async () => {
    const s = scenario(tier);
    const handle = await s.startIntegration({ ...idleState, userPaused: true });
    await s.until((st) => st.state === 'paused_by_user');
    await handle.signal(collectNowSignal, { trigger: 'schedule' });
    await new Promise((r) => setTimeout(r, 300));
    expect(s.inputs('startCollectionRun')).toEqual([]);
    await handle.signal(resumeSignal);
    await s.until((st) => st.lastRun?.runId === 'run-1' && st.state === 'idle');
    expect(s.inputs('startCollectionRun')[0]).toMatchObject({ trigger: 'schedule', kind: 'incremental' });
  });

  it('collecting + pause → the slice is cancelled, the run stays active (not finished), paused_by_user', async () => {
    const gate = new Gate();
    const s = scenario(tier, heldSlices(gate));
    const handle = await s.startIntegration({ ...idleState, activeRun: activeRun({ kind: 'incremental' }) });
    await gate.reached();
    await handle.signal(pauseSignal);
    const status = await s.until((st) => st.state === 'paused_by_user');
    expect(gate.cancelled).toBe(1);
    expect(status).toMatchObject({
      resumeState: 'incremental_collection',
      currentRun: { runId: 'run-carried' },
    });
    expect(s.names()).not.toContain('finishCollectionRun');
    const child = await tier.env.client.workflow.getHandle(s.childWorkflowId('run-carried', 1)).result();
    expect(child).toEqual({ outcome: 'stopped' });
  });

  it('paused_by_user with a run + resume → a second child resumes it, re-checking the quota first', async () => {
    const s = scenario(tier);
    const handle = await s.startIntegration({
      ...idleState,
      userPaused: true,
      activeRun: activeRun({ kind: 'incremental', children: 1 }),
    });
    await s.until((st) => st.state === 'paused_by_user');
    expect(s.slices()).toEqual([]);
    await handle.signal(resumeSignal);
    await s.until((st) => st.lastRun?.runId === 'run-carried');
    expect(s.states()).toEqual(['paused_by_user', 'incremental_collection', 'idle']);
    expect(s.inputs('collectObject')[0]).toMatchObject({ recheckQuota: true, object: collectedObjects[0] });
    const child = tier.env.client.workflow.getHandle(s.childWorkflowId('run-carried', 2));
    expect(await child.result()).toMatchObject({ outcome: 'succeeded' });
  });

  it('paused_for_quota + pause → the run stops its quota wait, paused_by_user', async () => {
    const s = scenario(tier, { collectObject: async () => quotaPaused() });
    const handle = await s.startIntegration({ ...idleState, activeRun: activeRun({ kind: 'incremental' }) });
    await s.until((st) => st.state === 'paused_for_quota');
    await handle.signal(pauseSignal);
    const status = await s.until((st) => st.state === 'paused_by_user');
    expect(status.quota.pausedUntil).toBeNull();
    expect(status.currentRun?.runId).toBe('run-carried');
    // The wait ended by the stop (no day skipped): the pause is closed and no slice runs.
    expect(s.names()).toEqual([
      'collectObject',
      'recordRunPause',
      'recordRunResumed',
      'setDailySchedulePaused',
    ]);
    const child = tier.env.client.workflow.getHandle(s.childWorkflowId('run-carried', 1));
    expect(await child.result()).toEqual({ outcome: 'stopped' });
  });
});

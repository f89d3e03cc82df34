import { describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
// @temporalio/proto is CommonJS whose named exports Node's ESM loader cannot see; take the default export.
import proto from '@temporalio/proto';
import {
  credentialsUpdatedSignal,
  disconnectSignal,
  pauseSignal,
  requestCollectionUpdate,
  settingsUpdatedSignal,
  testConnectivityUpdate,
} from '../../workflows/definitions';
import {
  Gate,
  heldRunStart,
  heldSlices,
  activeRun,
  completed,
  connected,
  failedTest,
  idleState,
  MINUTE,
  nonRetryable,
  scenario,
  setupProblem,
  useTier,
  type Mocks,
} from './support/harness';

const { temporal } = proto;

/** The first slice fails on a setup problem (missing permission); every later one completes. */
function setupFailsOnce(): Mocks {
  let slices = 0;
  return {
    collectObject: async () => {
      if (++slices === 1) throw nonRetryable('SalesforceSetupError', setupProblem.message, setupProblem);
      return completed;
    },
  };
}

/** Needs attention (credentials, permissions, settings), new credentials and disconnect. */
describe('integration workflow: attention, credentials, disconnect', () => {
  const tier = useTier();

  async function needsAttention(mocks: Mocks = {}) {
    const s = scenario(tier, { ...setupFailsOnce(), ...mocks });
    const handle = await s.startIntegration({ ...idleState, activeRun: activeRun({ kind: 'incremental' }) });
    await s.entered('needs_attention');
    return { s, handle };
  }

  it('collecting + a setup failure in a slice → needs_attention, the run paused (not failed) with the fix', async () => {
    const { s } = await needsAttention();
    const status = await s.status();
    expect(status).toMatchObject({
      attention: setupProblem,
      resumeState: 'incremental_collection',
      currentRun: { runId: 'run-carried' },
    });
    expect(s.inputs('recordRunPause')).toEqual([
      { runId: 'run-carried', reason: 'needs_attention', detail: setupProblem.message, resumeAt: null },
    ]);
    expect(s.names()).not.toContain('finishCollectionRun');
  });

  it('needs_attention + new credentials that pass → the run resumes from where it stopped and finishes', async () => {
    const { s, handle } = await needsAttention();
    await handle.signal(credentialsUpdatedSignal);
    const status = await s.until((st) => st.lastRun?.runId === 'run-carried', 'the run to finish');
    expect(status).toMatchObject({ state: 'idle', attention: null });
    expect(s.inputs('recordRunResumed')).toEqual([{ runId: 'run-carried' }]);
    expect(s.states()).toEqual([
      'incremental_collection',
      'needs_attention',
      'incremental_collection',
      'idle',
    ]);
    expect(s.inputs('collectObject')[1]?.object).toBe(s.inputs('collectObject')[0]?.object);
  });

  it('needs_attention + new credentials that fail → still needs_attention, showing the new problem', async () => {
    const { s, handle } = await needsAttention({ testConnectivity: async () => failedTest('INVALID_GRANT') });
    await handle.signal(credentialsUpdatedSignal);
    await s.called('testConnectivity');
    const status = await s.until((st) => st.attention?.code === 'INVALID_GRANT', 'the new problem');
    expect(status.state).toBe('needs_attention');
    expect(s.names()).not.toContain('recordRunResumed');
  });

  it('needs_attention + Test Connectivity passing → cleared without new credentials, the run resumes', async () => {
    const { s, handle } = await needsAttention();
    expect(await handle.executeUpdate(testConnectivityUpdate)).toEqual(connected);
    await s.until((st) => st.lastRun?.runId === 'run-carried', 'the run to finish');
    expect(s.inputs('recordRunResumed')).toEqual([{ runId: 'run-carried' }]);
  });

  it('needs_attention without a run + Collect Now → refused with the problem and its fix', async () => {
    const s = scenario(tier);
    const handle = await s.startIntegration({
      ...idleState,
      state: 'needs_attention',
      attention: setupProblem,
    });
    const refused = await handle.executeUpdate(requestCollectionUpdate).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (refused as WorkflowUpdateFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('IntegrationNeedsAttention');
    expect(cause.message).toContain(setupProblem.fix);
  });

  it('needs_attention + pause → paused_by_user, resuming to needs_attention', async () => {
    const { s, handle } = await needsAttention();
    await handle.signal(pauseSignal);
    const status = await s.until((st) => st.state === 'paused_by_user');
    expect(status).toMatchObject({ resumeState: 'needs_attention', attention: setupProblem });
  });

  it('needs_attention + disconnect → the run is cancelled, the schedule deleted, disconnected, workflow ends', async () => {
    const { s, handle } = await needsAttention();
    await handle.signal(disconnectSignal);
    await handle.result();
    expect(s.names().slice(-3)).toEqual([
      'finishCollectionRun',
      'deleteDailySchedule',
      'markIntegrationDisconnected',
    ]);
    expect(s.inputs('finishCollectionRun')).toEqual([
      { runId: 'run-carried', status: 'cancelled', error: 'Integration disconnected' },
    ]);
    expect(s.states().at(-1)).toBe('disconnected');
  });

  it('idle + new credentials that fail → needs_attention, to return to idle', async () => {
    const s = scenario(tier, { testConnectivity: async () => failedTest('INVALID_CLIENT') });
    const handle = await s.startIntegration(idleState);
    await handle.signal(credentialsUpdatedSignal);
    await s.entered('needs_attention');
    expect(await s.status()).toMatchObject({ resumeState: 'idle', attention: { code: 'INVALID_CLIENT' } });
  });

  it('idle + new credentials that pass → tested at once, stays idle', async () => {
    const s = scenario(tier);
    const handle = await s.startIntegration(idleState);
    await handle.signal(credentialsUpdatedSignal);
    await s.called('testConnectivity');
    expect(await s.until((st) => st.quota.used === 120)).toMatchObject({ state: 'idle', attention: null });
    expect(s.states()).toEqual([]);
  });

  it('idle + new credentials whose test Salesforce does not answer → stays idle, tested again later, then passes', async () => {
    // Every attempt of the first re-test fails on a transient error (a 503 burst right after the PATCH): that
    // says nothing about the credentials, so the entity must neither fail nor flag them, and must test again.
    let attempts = 0;
    const s = scenario(tier, {
      testConnectivity: async () => {
        if (++attempts <= 3) throw new Error('Salesforce answered 503 Service Unavailable');
        return connected;
      },
    });
    const handle = await s.startIntegration(idleState);
    await handle.signal(credentialsUpdatedSignal);
    await s.called('testConnectivity', 3);
    // The step failed; the entity waits (a timer) before the same step again, instead of failing.
    await s.timerStarted();
    expect(await s.status()).toMatchObject({ state: 'idle', attention: null });
    // Just past the one-minute back-off: the time-skipping server may stop skipping once a timer fired.
    await tier.env.sleep(MINUTE + 1_000);
    await s.called('testConnectivity', 4);
    expect(await s.until((st) => st.quota.used === 120)).toMatchObject({ state: 'idle', attention: null });
    expect(s.states()).not.toContain('needs_attention');
    const { status } = await handle.describe();
    expect(status.name).toBe('RUNNING');
  });

  it('idle + settings changed → options re-read, daily schedule brought in line, new threshold shown', async () => {
    const s = scenario(tier, {
      readIntegrationSnapshot: async () => ({
        state: 'idle',
        connected: true,
        attention: null,
        initialCollectionDone: true,
        lastRun: null,
        quotaThresholdPercent: 50,
        displayName: 'Acme',
        tenantId: 'tenant-1',
      }),
    });
    const handle = await s.startIntegration(idleState);
    await handle.signal(settingsUpdatedSignal);
    await s.called('ensureDailySchedule');
    expect(await s.until((st) => st.quota.thresholdPercent === 50)).toMatchObject({ state: 'idle' });
    expect(s.names()).toEqual(['readIntegrationSnapshot', 'ensureDailySchedule']);
  });

  it('idle + settings with an invalid time zone → needs_attention naming the option to fix', async () => {
    const s = scenario(tier, {
      ensureDailySchedule: async () => {
        throw nonRetryable('InvalidScheduleSettings', 'Unknown time zone Mars/Olympus');
      },
    });
    const handle = await s.startIntegration(idleState);
    await handle.signal(settingsUpdatedSignal);
    await s.entered('needs_attention');
    expect((await s.status()).attention).toMatchObject({
      code: 'invalid_schedule',
      fix: expect.stringContaining('options.timezone'),
    });
  });

  it('idle + disconnect → schedule deleted, marked disconnected, the workflow ends', async () => {
    const s = scenario(tier);
    const handle = await s.startIntegration(idleState);
    await handle.signal(disconnectSignal);
    await handle.result();
    expect(s.names()).toEqual(['deleteDailySchedule', 'markIntegrationDisconnected']);
    expect(s.states()).toEqual(['disconnected']);
  });

  it('collecting + disconnect → the slice is cancelled, the run closed as cancelled, the workflow ends', async () => {
    const gate = new Gate();
    const s = scenario(tier, heldSlices(gate));
    const handle = await s.startIntegration({ ...idleState, activeRun: activeRun({ kind: 'incremental' }) });
    await gate.reached();
    await handle.signal(disconnectSignal);
    await handle.result();
    expect(gate.cancelled).toBe(1);
    expect(s.inputs('finishCollectionRun')).toEqual([
      { runId: 'run-carried', status: 'cancelled', error: 'Integration disconnected' },
    ]);
    expect(s.names().slice(-2)).toEqual(['deleteDailySchedule', 'markIntegrationDisconnected']);
  });

  it('collecting + a slice failing on the disconnected row before the run hears its stop → the run closed as cancelled, not failed', async () => {
    // The API signals the disconnect, then marks the row: a slice starting in between fails on the missing
    // integration. Here the run fails while the entity is busy re-reading settings, and the disconnect arrives
    // before it looks at the run's end, so it never sent the stop.
    const slice = new Gate();
    const settings = new Gate();
    const s = scenario(tier, {
      collectObject: async () => {
        await slice.pass();
        throw nonRetryable('IntegrationNotFound', 'Integration does not exist or is disconnected');
      },
      readIntegrationSnapshot: async () => {
        await settings.pass();
        return {
          state: 'incremental_collection',
          connected: true,
          attention: null,
          initialCollectionDone: true,
          lastRun: null,
          quotaThresholdPercent: 75,
          displayName: 'Acme',
          tenantId: 'tenant-1',
        };
      },
    });
    const handle = await s.startIntegration({ ...idleState, activeRun: activeRun({ kind: 'incremental' }) });
    await slice.reached();
    await handle.signal(settingsUpdatedSignal);
    await settings.reached();
    slice.release();
    const child = s.env.client.workflow.getHandle(s.childWorkflowId('run-carried', 1));
    await expect.poll(async () => (await child.describe()).status.name).toBe('FAILED');
    await handle.signal(disconnectSignal);
    settings.release();
    await handle.result();
    expect(s.inputs('finishCollectionRun')).toEqual([
      { runId: 'run-carried', status: 'cancelled', error: 'Integration disconnected' },
    ]);
    expect(s.names().slice(-2)).toEqual(['deleteDailySchedule', 'markIntegrationDisconnected']);
  });

  it('connected + Collect Now in flight + disconnect → the run it creates is cancelled, nothing left running', async () => {
    const gate = new Gate();
    const s = scenario(tier, heldRunStart(gate));
    const handle = await s.startIntegration({ state: 'connected', connected: true });
    const request = handle.executeUpdate(requestCollectionUpdate);
    await gate.reached();
    await handle.signal(disconnectSignal);
    gate.release();
    expect(await request).toMatchObject({ runId: 'run-1' });
    await handle.result();
    expect(s.inputs('finishCollectionRun')).toEqual([
      { runId: 'run-1', status: 'cancelled', error: 'Integration disconnected' },
    ]);
    expect(s.names()).not.toContain('collectObject');
  });

  it('collecting + purge (the API terminates the workflow) → its run is started to be terminated with it', async () => {
    // The time-skipping server does not apply parent close policies, so this checks the command the entity
    // gave; test/api covers a real purge on the dev server.
    const gate = new Gate();
    const s = scenario(tier, heldSlices(gate));
    const handle = await s.startIntegration({ ...idleState, activeRun: activeRun({ kind: 'incremental' }) });
    await gate.reached();
    const history = await handle.fetchHistory();
    const started = history.events?.find((e) => e.startChildWorkflowExecutionInitiatedEventAttributes);
    expect(started?.startChildWorkflowExecutionInitiatedEventAttributes).toMatchObject({
      workflowId: s.childWorkflowId('run-carried', 1),
      parentClosePolicy: temporal.api.enums.v1.ParentClosePolicy.PARENT_CLOSE_POLICY_TERMINATE,
    });
  });

  it('collecting + the integration row gone (IntegrationNotFound) → the workflow ends cleanly', async () => {
    const s = scenario(tier, {
      finishCollectionRun: async () => {
        throw nonRetryable('IntegrationNotFound');
      },
    });
    const handle = await s.startIntegration({ ...idleState, activeRun: activeRun({ kind: 'incremental' }) });
    await expect(handle.result()).resolves.toBeUndefined();
    expect(s.names()).not.toContain('markIntegrationDisconnected');
  });
});

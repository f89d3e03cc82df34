import { describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { collectedObjects, recheckQuotaSignal, stopRunSignal } from '../../workflows/definitions';
import {
  DAY,
  Gate,
  heldSlices,
  activeRun,
  completed,
  nonRetryable,
  quotaPaused,
  scenario,
  setupProblem,
  useTier,
} from './support/harness';

/** One collection run on its own (child of a stand-in parent): the object loop, slices, quota wait, stop. */
describe('collection run workflow', () => {
  const tier = useTier();

  it('collects every object in order, then recomputes findings since the run’s mark → succeeded', async () => {
    const s = scenario(tier);
    const { handle } = await s.startRun({
      run: activeRun({ runId: 'run-1', children: 1, findingsSince: '2026-01-01T00:00:00.000Z' }),
    });
    expect(await handle.result()).toEqual({ outcome: 'succeeded', findingsNote: null });
    expect(s.slices()).toEqual([...collectedObjects]);
    expect(s.names().slice(-2)).toEqual(['recomputeFindings', 'markFindingsComputed']);
    expect(s.inputs('recomputeFindings')).toEqual([
      { integrationId: s.integrationId, runId: 'run-1', since: '2026-01-01T00:00:00.000Z' },
    ]);
  });

  it('a yielded slice → the same object is collected again before the next one', async () => {
    let users = 0;
    const s = scenario(tier, {
      collectObject: async ({ object }) =>
        object === 'User' && ++users < 3 ? { outcome: 'yielded', pages: 5, records: 1000 } : completed,
    });
    const { handle } = await s.startRun();
    await handle.result();
    expect(s.slices()).toEqual([
      'UserLicense',
      'PermissionSet',
      'User',
      'User',
      'User',
      'UserLogin',
      'PermissionSetAssignment',
      'LoginHistory',
    ]);
  });

  it('completedObjects carried over a continue-as-new → those objects are not collected again', async () => {
    const s = scenario(tier);
    const { handle } = await s.startRun({ completedObjects: ['UserLicense', 'PermissionSet', 'User'] });
    await handle.result();
    expect(s.slices()).toEqual(['UserLogin', 'PermissionSetAssignment', 'LoginHistory']);
  });

  it('recheckQuota on start → the first slice that calls Salesforce re-checks; one with no calls passes it on', async () => {
    const s = scenario(tier, {
      collectObject: async ({ object }) =>
        object === 'UserLicense' ? { ...completed, apiCalls: 0 } : completed,
    });
    const { handle } = await s.startRun({ recheckQuota: true });
    await handle.result();
    expect(s.inputs('collectObject').map((i) => i.recheckQuota)).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });

  it('quota wait + recheck signal → wakes at once (no day skipped), re-checks without the back-off', async () => {
    let slices = 0;
    const s = scenario(tier, { collectObject: async () => (++slices === 1 ? quotaPaused(DAY) : completed) });
    const { handle, childId } = await s.startRun();
    await s.timerStarted(childId);
    expect((await s.phases(handle)).map((p) => p.phase)).toEqual(['paused_for_quota']);
    await tier.env.client.workflow.getHandle(childId).signal(recheckQuotaSignal);
    await s.called('collectObject', 2);
    expect(s.inputs('collectObject')[1]).toMatchObject({ recheckQuota: true, quotaBackoff: false });
    expect(s.inputs('recordRunResumed')).toEqual([{ runId: 'run-1' }]);
    await expect
      .poll(async () => (await s.phases(handle)).map((p) => p.phase))
      .toEqual(['paused_for_quota', 'collecting']);
  });

  it('a slice in flight + stop → the activity is cancelled, the run ends stopped without findings', async () => {
    const gate = new Gate();
    const s = scenario(tier, heldSlices(gate));
    const { handle, childId } = await s.startRun();
    await gate.reached();
    await tier.env.client.workflow.getHandle(childId).signal(stopRunSignal);
    expect(await handle.result()).toEqual({ outcome: 'stopped' });
    expect(gate.cancelled).toBe(1);
    expect(s.names()).toEqual(['collectObject']);
  });

  it('a setup failure in a slice → needs_attention with the problem the activity named', async () => {
    const s = scenario(tier, {
      collectObject: async () => {
        throw nonRetryable('SalesforceSetupError', setupProblem.message, setupProblem);
      },
    });
    const { handle } = await s.startRun();
    expect(await handle.result()).toEqual({ outcome: 'needs_attention', problem: setupProblem });
  });

  it('any other non-retryable failure → the run workflow fails (the entity records a failed run)', async () => {
    const s = scenario(tier, {
      collectObject: async () => {
        throw nonRetryable('SalesforceQueryError', 'MALFORMED_QUERY');
      },
    });
    const { handle } = await s.startRun();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(s.slices()).toEqual(['UserLicense']);
  });
});

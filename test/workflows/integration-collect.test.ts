import { describe, expect, it } from 'vitest';
import { collectNowSignal, collectedObjects, requestCollectionUpdate } from '../../workflows/definitions';
import {
  HOUR,
  Gate,
  heldRunStart,
  heldSlices,
  activeRun,
  completed,
  connectedState,
  idleState,
  nonRetryable,
  scenario,
  useTier,
} from './support/harness';

const oneRun = [
  'startCollectionRun',
  // LoginHistory asks first whether to split its pass into parallel segments (the mock says: one cursor).
  ...collectedObjects.flatMap((object) =>
    object === 'LoginHistory' ? ['planSegments', 'collectObject'] : ['collectObject'],
  ),
  'recomputeFindings',
  'markFindingsComputed',
  'finishCollectionRun',
];

/** Runs starting and ending: Collect Now, the daily trigger, and what a trigger during a run does. */
describe('integration workflow: collection runs', () => {
  const tier = useTier();

  it('connected + Collect Now → initial run, the daily schedule ensured before idle shows, then continue-as-new', async () => {
    const s = scenario(tier);
    const handle = await s.startIntegration(connectedState);
    expect(await handle.executeUpdate(requestCollectionUpdate)).toEqual({
      runId: 'run-1',
      started: true,
      kind: 'initial',
    });
    const status = await s.until((st) => st.state === 'idle');
    expect(status).toMatchObject({
      initialCollectionDone: true,
      currentRun: null,
      lastRun: { runId: 'run-1', kind: 'initial', status: 'succeeded', error: null },
      continuedAsNewCount: 1,
    });
    expect(s.names()).toEqual([...oneRun, 'ensureDailySchedule']);
    expect(s.states()).toEqual(['initial_collection', 'idle']);
    // Whoever sees the finished run can rely on the schedule: it is ensured before the state says idle.
    const order = s.calls.map((c) => c.name);
    expect(order.indexOf('ensureDailySchedule')).toBeLessThan(order.lastIndexOf('recordIntegrationState'));
    expect(s.inputs('startCollectionRun')).toEqual([
      { integrationId: s.integrationId, kind: 'initial', trigger: 'collect_now', workflowId: s.workflowId },
    ]);
    expect(s.slices()).toEqual([...collectedObjects]);
  });

  it('idle + daily trigger → incremental run back to idle, without touching the schedule', async () => {
    const s = scenario(tier);
    const handle = await s.startIntegration(idleState);
    await handle.signal(collectNowSignal, { trigger: 'schedule' });
    const status = await s.until((st) => st.lastRun?.runId === 'run-1' && st.state === 'idle');
    expect(status.lastRun).toMatchObject({ kind: 'incremental', status: 'succeeded' });
    expect(s.names()).toEqual(oneRun);
    expect(s.states()).toEqual(['incremental_collection', 'idle']);
    expect(s.inputs('startCollectionRun')[0]).toMatchObject({ kind: 'incremental', trigger: 'schedule' });
    expect(s.inputs('collectObject').every((i) => i.kind === 'incremental')).toBe(true);
  });

  it('connected + Collect Now sent as a signal → the run starts from the remembered trigger', async () => {
    const s = scenario(tier);
    const handle = await s.startIntegration(connectedState);
    await handle.signal(collectNowSignal, { trigger: 'collect_now' });
    await s.until((st) => st.state === 'idle');
    expect(s.inputs('startCollectionRun')[0]).toMatchObject({ kind: 'initial', trigger: 'collect_now' });
  });

  it('collecting + Collect Now → answers with the active run, starts no second one', async () => {
    const gate = new Gate();
    const s = scenario(tier, heldSlices(gate));
    const handle = await s.startIntegration(connectedState);
    await handle.executeUpdate(requestCollectionUpdate);
    await gate.reached();
    expect(await handle.executeUpdate(requestCollectionUpdate)).toEqual({
      runId: 'run-1',
      started: false,
      kind: 'initial',
    });
    gate.release();
    await s.until((st) => st.state === 'idle');
    expect(s.inputs('startCollectionRun')).toHaveLength(1);
  });

  it('connected + two Collect Nows and the daily trigger at once → one run, both answers name it', async () => {
    const gate = new Gate();
    const s = scenario(tier, heldRunStart(gate));
    const handle = await s.startIntegration(connectedState);
    const first = handle.executeUpdate(requestCollectionUpdate);
    await gate.reached();
    const second = handle.executeUpdate(requestCollectionUpdate);
    await handle.signal(collectNowSignal, { trigger: 'schedule' });
    gate.release();
    expect(await first).toEqual({ runId: 'run-1', started: true, kind: 'initial' });
    expect(await second).toEqual({ runId: 'run-1', started: false, kind: 'initial' });
    await s.until((st) => st.state === 'idle');
    // The trigger that arrived while the run was being created is served by it, not remembered for later.
    expect(s.inputs('startCollectionRun')).toHaveLength(1);
    expect((await s.status()).lastRun?.runId).toBe('run-1');
  });

  it('collecting a run started minutes ago + daily trigger → dropped (that run is collecting it)', async () => {
    const gate = new Gate();
    const s = scenario(tier, heldSlices(gate));
    const handle = await s.startIntegration(idleState);
    await handle.signal(collectNowSignal, { trigger: 'collect_now' });
    await gate.reached();
    await handle.signal(collectNowSignal, { trigger: 'schedule' });
    gate.release();
    await s.until((st) => st.state === 'idle' && st.lastRun !== null);
    expect(s.inputs('startCollectionRun')).toHaveLength(1);
  });

  it('collecting a run started hours ago + daily trigger → remembered, a second run follows the first', async () => {
    const gate = new Gate();
    const s = scenario(tier, heldSlices(gate));
    const startedAt = new Date((await tier.env.currentTimeMs()) - 2 * HOUR).toISOString();
    const handle = await s.startIntegration({
      ...idleState,
      activeRun: activeRun({ runId: 'run-long', kind: 'initial', startedAt }),
    });
    await gate.reached();
    await handle.signal(collectNowSignal, { trigger: 'schedule' });
    gate.release();
    const status = await s.until((st) => st.lastRun?.runId === 'run-1' && st.state === 'idle');
    expect(s.inputs('finishCollectionRun').map((i) => i.runId)).toEqual(['run-long', 'run-1']);
    expect(s.inputs('startCollectionRun')).toEqual([
      expect.objectContaining({ kind: 'incremental', trigger: 'schedule' }),
    ]);
    // Each run ends with a continue-as-new; the remembered trigger crossed the first one.
    expect(status.continuedAsNewCount).toBe(2);
  });

  it('collecting + the per-run API budget spent → the run ends partial, the integration rests', async () => {
    const s = scenario(tier, {
      collectObject: async ({ object }) =>
        object === 'User'
          ? ({
              outcome: 'quota_paused',
              reason: 'run_budget',
              used: 900,
              max: 15_000,
              observedAt: new Date().toISOString(),
              thresholdPercent: 75,
              runApiCalls: 500,
              collectedPages: 4,
              resumeAt: new Date().toISOString(),
            } as const)
          : completed,
    });
    const handle = await s.startIntegration(connectedState);
    await handle.executeUpdate(requestCollectionUpdate);
    const status = await s.until((st) => st.lastRun !== null && st.currentRun === null);
    expect(status).toMatchObject({
      state: 'connected',
      initialCollectionDone: false,
      lastRun: { status: 'partial' },
    });
    expect(s.inputs('finishCollectionRun')[0]?.error).toMatch(/runBudgetCalls/);
    expect(s.slices()).toEqual(['UserLicense', 'PermissionSet', 'User']);
    expect(s.names()).not.toContain('recordRunPause');
    expect(s.names()).not.toContain('recomputeFindings');
  });

  it('collecting + the findings recompute failing → the run still succeeds, with the note on it', async () => {
    const s = scenario(tier, {
      recomputeFindings: async () => {
        throw nonRetryable('RecomputeBroken', 'relation "findings" is locked');
      },
    });
    const handle = await s.startIntegration(idleState);
    await handle.signal(collectNowSignal, { trigger: 'schedule' });
    const status = await s.until((st) => st.lastRun !== null);
    expect(status.lastRun).toMatchObject({ status: 'succeeded' });
    expect(status.lastRun?.error).toMatch(/findings were not recomputed: relation "findings" is locked/);
    expect(s.names()).not.toContain('markFindingsComputed');
  });
});

import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  collectNowSignal,
  collectedObjects,
  collectionProgressSignal,
  credentialsUpdatedSignal,
  disconnectSignal,
  pauseSignal,
  reconcileSignal,
  requestCollectionUpdate,
  resumeSignal,
  settingsUpdatedSignal,
  statusQuery,
  testConnectivityUpdate,
  type ActiveRun,
  type AttentionReason,
  type CarriedState,
  type CollectedObject,
  type ConnectivityResult,
  type IntegrationState,
  type IntegrationStatus,
  type IntegrationWorkflowInput,
  type RunTrigger,
} from './definitions';
import { calls, collection, connectivity, insights, mirror } from './activity-proxies';
import { emptyState, failedOnQuotaOnly, failureMessage, setupFailure } from './integration-state';
import {
  IntegrationDisplayNameAttribute,
  IntegrationIdAttribute,
  IntegrationStateAttribute,
  TenantIdAttribute,
} from './search-attributes';

type ObjectOutcome = 'done' | 'stopped' | 'budget_spent';

/**
 * The life of one integration (one customer org), from connect to disconnect. The workflow only decides;
 * every read and write happens in activities, and PostgreSQL holds the collected data and the cursors.
 */
export async function integrationWorkflow(input: IntegrationWorkflowInput): Promise<void> {
  const { integrationId } = input;
  const s: CarriedState = input.carried ?? emptyState();

  let run: ActiveRun | null = s.activeRun;
  let startingRun: Promise<ActiveRun> | null = null;
  let currentObject: CollectedObject | null = null;
  let credentialsChanged = false;
  let settingsChanged = false;
  let disconnectRequested = false;
  let recheckQuotaNow = false;
  let collectionScope: CancellationScope | null = null;

  const collectingState = (): IntegrationState =>
    run?.kind === 'initial' ? 'initial_collection' : 'incremental_collection';
  const restingState = (): IntegrationState => (s.initialCollectionDone ? 'idle' : 'connected');

  async function setState(next: IntegrationState): Promise<void> {
    if (s.state === next) return;
    s.state = next;
    upsertSearchAttributes([{ key: IntegrationStateAttribute, value: next }]);
    await mirror.recordIntegrationState({ integrationId, state: next });
  }

  function updateQuota(used: number, max: number, observedAt = new Date().toISOString()): void {
    s.quota.used = used;
    s.quota.max = max;
    // Two decimals, as Test Connectivity reports it, so both views of the same figure agree.
    s.quota.usagePercent = max > 0 ? Math.round((used / max) * 10_000) / 100 : null;
    s.quota.observedAt = observedAt;
  }

  function applyTestResult(result: ConnectivityResult): void {
    if (result.ok) {
      s.attention = null;
      updateQuota(result.apiUsage.used, result.apiUsage.max, result.checkedAt);
    } else if (!failedOnQuotaOnly(result)) {
      s.attention = { code: result.code, message: result.message, fix: result.fix };
    }
  }

  /**
   * The one way a run comes to exist, shared by Collect Now (the update) and the main loop (schedule
   * signals), and serialised so that two requests arriving together still make a single run.
   */
  async function ensureRun(trigger: RunTrigger): Promise<ActiveRun> {
    if (run) return run;
    startingRun ??= (async () => {
      const kind = s.initialCollectionDone ? 'incremental' : 'initial';
      const started = await calls.startCollectionRun({
        integrationId,
        kind,
        trigger,
        workflowId: workflowInfo().workflowId,
      });
      s.quota.thresholdPercent = started.quotaThresholdPercent;
      run = {
        runId: started.runId,
        kind,
        trigger,
        startedAt: started.startedAt,
        completedObjects: [],
        objects: {},
        apiCalls: 0,
        findingsSince: started.findingsSince,
      };
      s.pendingCollection = null;
      return run;
    })();
    try {
      return await startingRun;
    } finally {
      startingRun = null;
    }
  }

  setHandler(statusQuery, (): IntegrationStatus => ({
    integrationId,
    state: s.state,
    resumeState: s.resumeState,
    initialCollectionDone: s.initialCollectionDone,
    currentRun: run
      ? {
          runId: run.runId,
          kind: run.kind,
          trigger: run.trigger,
          startedAt: run.startedAt,
          currentObject,
          objects: run.objects,
          apiCalls: run.apiCalls,
        }
      : null,
    quota: s.quota,
    lastRun: s.lastRun,
    attention: s.attention,
    continuedAsNewCount: s.continuedAsNewCount,
  }));

  setHandler(collectNowSignal, ({ trigger }) => {
    if (s.state === 'paused_for_quota') recheckQuotaNow = true;
    // A schedule firing or a Collect Now during a run never starts a second collection.
    if (run === null && s.pendingCollection === null) s.pendingCollection = trigger;
  });
  setHandler(pauseSignal, () => {
    s.userPaused = true;
    collectionScope?.cancel();
  });
  setHandler(resumeSignal, () => {
    s.userPaused = false;
    recheckQuotaNow = true;
  });
  setHandler(credentialsUpdatedSignal, () => {
    credentialsChanged = true;
  });
  setHandler(settingsUpdatedSignal, () => {
    settingsChanged = true;
  });
  setHandler(disconnectSignal, () => {
    disconnectRequested = true;
    collectionScope?.cancel();
  });
  setHandler(reconcileSignal, () => {});
  setHandler(collectionProgressSignal, (progress) => {
    // A signal can arrive after its object finished; the final figures then stay.
    if (!run || progress.runId !== run.runId || run.completedObjects.includes(progress.object)) return;
    const previous = run.objects[progress.object];
    run.objects[progress.object] = {
      pages: progress.pages,
      records: progress.records,
      cursor: progress.cursor,
      startedAt: previous?.startedAt ?? null,
      finishedAt: null,
    };
    run.apiCalls = Math.max(run.apiCalls, progress.apiCalls);
  });

  setHandler(testConnectivityUpdate, async () => {
    const result = await connectivity.testConnectivity({ integrationId });
    applyTestResult(result);
    if (result.ok && s.state === 'awaiting_test') await setState(restingState());
    // A passing test also clears an attention problem (the main loop resumes what was interrupted).
    if (result.ok && s.state === 'needs_attention') credentialsChanged = true;
    return result;
  });

  setHandler(
    requestCollectionUpdate,
    async () => {
      if (run) return { runId: run.runId, started: false, kind: run.kind };
      const wasStarting = startingRun !== null;
      const started = await ensureRun('collect_now');
      return { runId: started.runId, started: !wasStarting, kind: started.kind };
    },
    {
      // Rejected in the validator, a refused Collect Now leaves no trace in the history.
      validator: () => {
        const refuse = (type: string, message: string) => {
          throw ApplicationFailure.create({ type, message, nonRetryable: true });
        };
        if (disconnectRequested || s.state === 'disconnected')
          refuse('IntegrationDisconnected', 'The integration is disconnected.');
        if (s.state === 'awaiting_test')
          refuse('IntegrationNotConnected', 'Run Test Connectivity successfully before collecting.');
        if (s.userPaused) refuse('IntegrationPaused', 'The integration is paused; resume it first.');
        if (s.state === 'needs_attention' && !run)
          refuse(
            'IntegrationNeedsAttention',
            s.attention ? `${s.attention.message} ${s.attention.fix}` : 'The integration needs attention.',
          );
      },
    },
  );

  if (!input.carried) {
    // A fresh start (first connect, or the reconciler restoring a lost workflow): take what PostgreSQL knows.
    // Handlers may already have run while this activity was in flight (a Test Connectivity, a pause), so
    // what they changed wins over the snapshot.
    const snapshot = await calls.loadIntegrationSnapshot({ integrationId, closeOrphanedRuns: true });
    s.initialCollectionDone ||= snapshot.initialCollectionDone;
    s.lastRun ??= snapshot.lastRun;
    s.quota.thresholdPercent = snapshot.quotaThresholdPercent;
    s.userPaused ||= snapshot.state === 'paused_by_user';
    // Started by the reconciler, the workflow has no search attributes yet; the API sets the same ones.
    upsertSearchAttributes([
      { key: IntegrationIdAttribute, value: integrationId },
      { key: TenantIdAttribute, value: snapshot.tenantId },
      { key: IntegrationDisplayNameAttribute, value: snapshot.displayName },
      { key: IntegrationStateAttribute, value: s.state },
    ]);
    if (snapshot.connected && s.state === 'awaiting_test') await setState(restingState());
  }

  async function waitWhileUserPaused(): Promise<void> {
    if (!s.userPaused) return;
    const before = s.state;
    s.resumeState = before;
    // Schedule first, state second: whoever sees "paused_by_user" can rely on the schedule being paused.
    await calls.setDailySchedulePaused({ integrationId, paused: true });
    await setState('paused_by_user');
    await condition(() => !s.userPaused || disconnectRequested);
    if (disconnectRequested) return;
    await calls.setDailySchedulePaused({ integrationId, paused: false });
    s.resumeState = null;
    await setState(before);
  }

  /** Waits for new credentials (or a passing test), re-tests, and returns once the problem is fixed. */
  async function waitForAttention(problem: AttentionReason): Promise<void> {
    s.attention = problem;
    const before = s.state;
    s.resumeState = before;
    await setState('needs_attention');
    for (;;) {
      await condition(() => credentialsChanged || disconnectRequested);
      if (disconnectRequested) return;
      credentialsChanged = false;
      const result = await connectivity.testConnectivity({ integrationId });
      applyTestResult(result);
      // Out of daily quota is not a setup problem: go back and let the quota guard pause the run.
      if (result.ok || failedOnQuotaOnly(result)) break;
    }
    s.attention = null;
    s.resumeState = null;
    await setState(before);
  }

  /** One object's pass, through pauses (user, quota) and setup problems, until it completes or stops. */
  async function collectOneObject(object: CollectedObject): Promise<ObjectOutcome> {
    let recheckQuota = false;
    for (;;) {
      if (disconnectRequested) return 'stopped';
      await waitWhileUserPaused();
      if (disconnectRequested) return 'stopped';
      const active = run!;
      currentObject = object;
      const startedAt = active.objects[object]?.startedAt ?? new Date().toISOString();
      active.objects[object] = {
        ...(active.objects[object] ?? { pages: 0, records: 0, cursor: null, finishedAt: null }),
        startedAt,
      };
      let result: Awaited<ReturnType<Activities['collectObject']>>;
      try {
        collectionScope = new CancellationScope();
        result = await collectionScope.run(() =>
          collection.collectObject({
            integrationId,
            runId: active.runId,
            object,
            kind: active.kind,
            recheckQuota,
          }),
        );
      } catch (error) {
        if (isCancellation(error)) continue; // paused or disconnected: the loop decides what next
        const problem = setupFailure(error);
        if (!problem) throw error;
        await calls.recordRunPause({
          runId: active.runId,
          reason: 'needs_attention',
          detail: problem.message,
          resumeAt: null,
        });
        await waitForAttention(problem);
        await calls.recordRunResumed({ runId: active.runId });
        continue;
      } finally {
        collectionScope = null;
      }
      recheckQuota = false;
      if (result.outcome === 'completed') {
        active.objects[object] = {
          pages: result.pages,
          records: result.records,
          cursor: null,
          startedAt,
          finishedAt: new Date().toISOString(),
        };
        if (result.usage) updateQuota(result.usage.used, result.usage.max);
        active.completedObjects.push(object);
        return 'done';
      }
      updateQuota(result.used, result.max);
      active.apiCalls = Math.max(active.apiCalls, result.runApiCalls);
      // The per-run budget is this run's allowance, not the org's: waiting would not refill it. The run
      // ends as partial and the next one continues from the saved cursors.
      if (result.reason === 'run_budget') return 'budget_spent';
      // Quota pause: a durable timer until the next day, then a re-check of /limits before any page.
      s.quota.pausedUntil = result.resumeAt;
      await calls.recordRunPause({
        runId: active.runId,
        reason: result.reason,
        detail: `API usage ${result.used}/${result.max} (threshold ${result.thresholdPercent}%), run used ${result.runApiCalls} calls`,
        resumeAt: result.resumeAt,
      });
      const before = s.state;
      await setState('paused_for_quota');
      recheckQuotaNow = false;
      // Date.now() in a workflow is the deterministic workflow clock (the sandbox replaces it), so replay agrees.
      const wait = Math.max(0, Date.parse(result.resumeAt) - Date.now());
      await condition(() => recheckQuotaNow || disconnectRequested || s.userPaused, wait);
      recheckQuotaNow = false;
      recheckQuota = true;
      s.quota.pausedUntil = null;
      await calls.recordRunResumed({ runId: active.runId });
      await setState(before);
    }
  }

  /** Findings over the new logins; a failing recompute is reported on the run, never holds it open. */
  async function recomputeFindings(active: ActiveRun): Promise<string | null> {
    try {
      await insights.recomputeFindings({ integrationId, runId: active.runId, since: active.findingsSince });
      await calls.markFindingsComputed({ integrationId });
      return null;
    } catch (error) {
      if (isCancellation(error)) throw error;
      log.warn('findings recompute failed', {
        integrationId,
        runId: active.runId,
        error: failureMessage(error),
      });
      return `Collected, but findings were not recomputed: ${failureMessage(error)}. The next run retries them.`;
    }
  }

  async function runCollection(trigger: RunTrigger): Promise<void> {
    const active = await ensureRun(trigger);
    await setState(collectingState());
    let outcome: ObjectOutcome = 'done';
    try {
      for (const object of collectedObjects) {
        if (active.completedObjects.includes(object)) continue;
        if (workflowInfo().continueAsNewSuggested) await continueAsNewNow();
        outcome = await collectOneObject(object);
        if (outcome !== 'done') break;
      }
      currentObject = null;
      if (outcome === 'stopped') {
        s.lastRun = await calls.finishCollectionRun({
          runId: active.runId,
          status: 'cancelled',
          error: 'Integration disconnected',
        });
      } else if (outcome === 'budget_spent') {
        s.lastRun = await calls.finishCollectionRun({
          runId: active.runId,
          status: 'partial',
          error:
            'Stopped at the per-run API budget (runBudgetCalls); the next run continues from the saved cursors.',
        });
      } else {
        const findingsNote = await recomputeFindings(active);
        s.lastRun = await calls.finishCollectionRun({
          runId: active.runId,
          status: 'succeeded',
          error: findingsNote,
        });
      }
    } catch (error) {
      if (isCancellation(error)) throw error;
      log.warn('collection run failed', { integrationId, runId: active.runId, error: failureMessage(error) });
      s.lastRun = await calls.finishCollectionRun({
        runId: active.runId,
        status: 'failed',
        error: failureMessage(error),
      });
    }
    // Bookkeeping first, then release the run: a Collect Now arriving next must see the right run kind.
    if (active.kind === 'initial' && s.lastRun?.status === 'succeeded') s.initialCollectionDone = true;
    run = null;
    currentObject = null;
    // A partial initial run also gets its schedule, so daily runs keep going until everything is in.
    if (active.kind === 'initial' && (s.lastRun?.status === 'succeeded' || s.lastRun?.status === 'partial')) {
      await calls.ensureDailySchedule({ integrationId });
    }
    await setState(restingState());
  }

  /** A fresh history; never after a disconnect, which the next execution would not know about. */
  async function continueAsNewNow(): Promise<void> {
    if (disconnectRequested) return;
    await condition(allHandlersFinished);
    if (disconnectRequested) return;
    s.activeRun = run;
    s.continuedAsNewCount += 1;
    return continueAsNew<typeof integrationWorkflow>({ integrationId, carried: s });
  }

  /** New options: the threshold shows in status; the daily schedule follows a new time zone or run hour. */
  async function applySettings(): Promise<void> {
    const settings = await calls.loadIntegrationSnapshot({ integrationId, closeOrphanedRuns: false });
    s.quota.thresholdPercent = settings.quotaThresholdPercent;
    upsertSearchAttributes([{ key: IntegrationDisplayNameAttribute, value: settings.displayName }]);
    if (s.initialCollectionDone) await calls.ensureDailySchedule({ integrationId });
  }

  // Main loop: wait for something to do, do it, and start a fresh history after each run.
  for (;;) {
    if (disconnectRequested) break;
    if (run) {
      await runCollection(run.trigger);
      await continueAsNewNow();
      continue;
    }
    if (s.state === 'awaiting_test') {
      await condition(() => s.state !== 'awaiting_test' || disconnectRequested);
      continue;
    }
    if (s.state === 'needs_attention') {
      await waitForAttention(
        s.attention ?? { code: 'unknown', message: 'Needs attention', fix: 'Update the credentials.' },
      );
      continue;
    }
    if (s.userPaused) {
      await waitWhileUserPaused();
      continue;
    }
    if (s.state === 'paused_by_user' || s.state === 'paused_for_quota') await setState(restingState());
    await condition(
      () =>
        run !== null ||
        settingsChanged ||
        s.pendingCollection !== null ||
        disconnectRequested ||
        s.userPaused ||
        credentialsChanged ||
        workflowInfo().continueAsNewSuggested,
    );
    if (settingsChanged) {
      settingsChanged = false;
      await applySettings();
    }
    if (credentialsChanged && !s.pendingCollection && !run) {
      // New credentials while idle: verify them now rather than at the next scheduled run.
      credentialsChanged = false;
      const result = await connectivity.testConnectivity({ integrationId });
      applyTestResult(result);
      if (!result.ok && !failedOnQuotaOnly(result))
        await waitForAttention({ code: result.code, message: result.message, fix: result.fix });
      continue;
    }
    // Collect Now (the update) may have created the run while the loop was waiting.
    const requested = run as ActiveRun | null;
    if ((requested || s.pendingCollection) && !s.userPaused && !disconnectRequested) {
      await runCollection(requested?.trigger ?? s.pendingCollection ?? 'collect_now');
      await continueAsNewNow();
      continue;
    }
    if (workflowInfo().continueAsNewSuggested) await continueAsNewNow();
  }

  if (run) {
    await calls.finishCollectionRun({
      runId: run.runId,
      status: 'cancelled',
      error: 'Integration disconnected',
    });
    run = null;
  }
  await calls.deleteDailySchedule({ integrationId });
  await calls.markIntegrationDisconnected({ integrationId });
  await setState('disconnected');
  await condition(allHandlersFinished);
}

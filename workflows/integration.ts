import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ActivityCancellationType,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
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
  settingsUpdatedSignal,
  disconnectSignal,
  integrationWorkflowId,
  pauseSignal,
  reconcileSignal,
  requestCollectionUpdate,
  resumeSignal,
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
import {
  IntegrationDisplayNameAttribute,
  IntegrationIdAttribute,
  IntegrationStateAttribute,
  TenantIdAttribute,
} from './search-attributes';

const NON_RETRYABLE = ['SalesforceSetupError', 'SalesforceQueryError', 'IntegrationNotFound'];

// One long activity per object: it heartbeats every page, so a dead worker is noticed within the heartbeat
// timeout and the retry resumes from the cursor saved with the last page
// (https://docs.temporal.io/design-patterns/long-running-activity).
const collection = proxyActivities<Activities>({
  startToCloseTimeout: '24 hours',
  heartbeatTimeout: '30 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});
const calls = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE },
});
const connectivity = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
});
// Findings are recomputed in SQL; the activity heartbeats so a dead worker is noticed quickly.
const insights = proxyActivities<Activities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '2 minutes',
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});
const mirror = proxyLocalActivities<Activities>({ startToCloseTimeout: '30 seconds' });

function emptyState(): CarriedState {
  return {
    state: 'awaiting_test',
    resumeState: null,
    initialCollectionDone: false,
    lastRun: null,
    attention: null,
    pendingCollection: null,
    continuedAsNewCount: 0,
    quota: {
      used: null,
      max: null,
      usagePercent: null,
      thresholdPercent: 75,
      pausedUntil: null,
      observedAt: null,
    },
    userPaused: false,
    activeRun: null,
  };
}

function setupFailure(error: unknown): AttentionReason | undefined {
  if (
    error instanceof ActivityFailure &&
    error.cause instanceof ApplicationFailure &&
    error.cause.type === 'SalesforceSetupError'
  ) {
    const detail = error.cause.details?.[0] as Partial<AttentionReason> | undefined;
    return {
      code: detail?.code ?? 'salesforce_setup',
      message: detail?.message ?? error.cause.message,
      fix: detail?.fix ?? 'Check the Connected App and its Run As user in Salesforce Setup.',
    };
  }
  return undefined;
}

function failureMessage(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * The life of one integration (one customer org), from connect to disconnect. The workflow only decides;
 * every read and write happens in activities, and PostgreSQL holds the collected data and the cursors.
 */
export async function integrationWorkflow(input: IntegrationWorkflowInput): Promise<void> {
  const { integrationId } = input;
  const s: CarriedState = input.carried ?? emptyState();

  let run: ActiveRun | null = s.activeRun;
  let currentObject: CollectedObject | null = null;
  let credentialsChanged = false;
  let settingsChanged = false;
  let disconnectRequested = false;
  let recheckQuotaNow = false;
  let collectionScope: CancellationScope | null = null;

  const collectingState = (): IntegrationState =>
    run?.kind === 'initial' ? 'initial_collection' : 'incremental_collection';

  async function setState(next: IntegrationState): Promise<void> {
    if (s.state === next) return;
    s.state = next;
    upsertSearchAttributes([{ key: IntegrationStateAttribute, value: next }]);
    await mirror.recordIntegrationState({ integrationId, state: next });
  }

  function applyTestResult(result: ConnectivityResult): void {
    if (result.ok) {
      s.attention = null;
      s.quota.used = result.apiUsage.used;
      s.quota.max = result.apiUsage.max;
      s.quota.usagePercent = result.apiUsage.percent;
      s.quota.observedAt = result.checkedAt;
    } else {
      s.attention = { code: result.code, message: result.message, fix: result.fix };
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
    if (!run || progress.runId !== run.runId) return;
    const previous = run.objects[progress.object];
    run.objects[progress.object] = {
      pages: progress.pages,
      records: progress.records,
      cursor: progress.cursor,
      startedAt: previous?.startedAt ?? null,
      finishedAt: previous?.finishedAt ?? null,
    };
    run.apiCalls = Math.max(run.apiCalls, progress.apiCalls);
  });

  setHandler(testConnectivityUpdate, async () => {
    const result = await connectivity.testConnectivity({ integrationId });
    applyTestResult(result);
    if (result.ok && s.state === 'awaiting_test')
      await setState(s.initialCollectionDone ? 'idle' : 'connected');
    // A passing test also clears an attention problem (the main loop resumes what was interrupted).
    if (result.ok && s.state === 'needs_attention') credentialsChanged = true;
    return result;
  });

  setHandler(
    requestCollectionUpdate,
    async () => {
      if (run) return { runId: run.runId, started: false, kind: run.kind };
      if (s.pendingCollection === null) s.pendingCollection = 'collect_now';
      await condition(() => run !== null || disconnectRequested || s.state === 'needs_attention');
      // Re-read after the wait: handlers and the main loop share `run`.
      const started = run as ActiveRun | null;
      if (!started) {
        throw ApplicationFailure.create({
          type: disconnectRequested ? 'IntegrationDisconnected' : 'IntegrationNeedsAttention',
          message: disconnectRequested
            ? 'The integration was disconnected.'
            : (s.attention?.message ?? 'The integration needs attention.'),
          nonRetryable: true,
        });
      }
      return { runId: started.runId, started: true, kind: started.kind };
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
    const snapshot = await calls.loadIntegrationSnapshot({ integrationId, closeOrphanedRuns: true });
    s.initialCollectionDone = snapshot.initialCollectionDone;
    s.lastRun = snapshot.lastRun;
    s.quota.thresholdPercent = snapshot.quotaThresholdPercent;
    s.userPaused = snapshot.state === 'paused_by_user';
    const restored: IntegrationState = snapshot.connected
      ? snapshot.initialCollectionDone
        ? 'idle'
        : 'connected'
      : 'awaiting_test';
    s.state = 'awaiting_test';
    // Started by the reconciler, the workflow has no search attributes yet; the API sets the same ones.
    upsertSearchAttributes([
      { key: IntegrationIdAttribute, value: integrationId },
      { key: TenantIdAttribute, value: snapshot.tenantId },
      { key: IntegrationDisplayNameAttribute, value: snapshot.displayName },
      { key: IntegrationStateAttribute, value: 'awaiting_test' },
    ]);
    await setState(restored);
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
      if (result.ok) break;
    }
    s.resumeState = null;
    await setState(before);
  }

  async function collectOneObject(object: CollectedObject): Promise<'done' | 'stopped'> {
    let recheckQuota = false;
    for (;;) {
      if (disconnectRequested) return 'stopped';
      await waitWhileUserPaused();
      if (disconnectRequested) return 'stopped';
      currentObject = object;
      const startedAt = (run!.objects[object]?.startedAt ?? null) || new Date().toISOString();
      run!.objects[object] = {
        ...(run!.objects[object] ?? { pages: 0, records: 0, cursor: null, finishedAt: null }),
        startedAt,
      };
      let result: Awaited<ReturnType<Activities['collectObject']>>;
      try {
        collectionScope = new CancellationScope();
        result = await collectionScope.run(() =>
          collection.collectObject({
            integrationId,
            runId: run!.runId,
            object,
            kind: run!.kind,
            recheckQuota,
          }),
        );
      } catch (error) {
        if (isCancellation(error)) continue; // paused or disconnected: the loop decides what next
        const problem = setupFailure(error);
        if (!problem) throw error;
        await calls.recordRunPause({
          runId: run!.runId,
          reason: 'needs_attention',
          detail: problem.message,
          resumeAt: null,
        });
        await waitForAttention(problem);
        await calls.recordRunResumed({ runId: run!.runId });
        continue;
      } finally {
        collectionScope = null;
      }
      recheckQuota = false;
      if (result.outcome === 'completed') {
        // Progress signals replace the entry while the activity runs, so write the final figures afresh.
        run!.objects[object] = {
          pages: result.pages,
          records: result.records,
          cursor: null,
          startedAt,
          finishedAt: new Date().toISOString(),
        };
        if (result.usage) updateQuota(result.usage.used, result.usage.max);
        run!.completedObjects.push(object);
        return 'done';
      }
      // Quota pause: a durable timer until the next day, then a re-check of /limits before any page.
      updateQuota(result.used, result.max);
      s.quota.pausedUntil = result.resumeAt;
      run!.apiCalls = Math.max(run!.apiCalls, result.runApiCalls);
      await calls.recordRunPause({
        runId: run!.runId,
        reason: result.reason,
        detail: `API usage ${result.used}/${result.max} (threshold ${result.thresholdPercent}%), run used ${result.runApiCalls} calls`,
        resumeAt: result.resumeAt,
      });
      const before = s.state;
      await setState('paused_for_quota');
      recheckQuotaNow = false;
      const wait = Math.max(0, Date.parse(result.resumeAt) - Date.now());
      await condition(() => recheckQuotaNow || disconnectRequested || s.userPaused, wait);
      recheckQuotaNow = false;
      recheckQuota = true;
      s.quota.pausedUntil = null;
      await calls.recordRunResumed({ runId: run!.runId });
      await setState(before);
    }
  }

  function updateQuota(used: number, max: number): void {
    s.quota.used = used;
    s.quota.max = max;
    s.quota.usagePercent = max > 0 ? Math.round((used / max) * 1000) / 10 : null;
    s.quota.observedAt = new Date().toISOString();
  }

  async function continueAsNewNow(): Promise<never> {
    await condition(allHandlersFinished);
    s.activeRun = run;
    s.continuedAsNewCount += 1;
    return continueAsNew<typeof integrationWorkflow>({ integrationId, carried: s });
  }

  async function runCollection(trigger: RunTrigger): Promise<void> {
    if (!run) {
      const kind = s.initialCollectionDone ? 'incremental' : 'initial';
      const started = await calls.startCollectionRun({
        integrationId,
        kind,
        trigger,
        workflowId: workflowInfo().workflowId,
      });
      run = {
        findingsSince: kind === 'initial' ? null : started.loginWatermark,
        runId: started.runId,
        kind,
        trigger,
        startedAt: started.startedAt,
        completedObjects: [],
        objects: {},
        apiCalls: 0,
      };
      s.quota.thresholdPercent = started.quotaThresholdPercent;
    }
    s.pendingCollection = null;
    await setState(collectingState());
    try {
      for (const object of collectedObjects) {
        if (run.completedObjects.includes(object)) continue;
        if (workflowInfo().continueAsNewSuggested) await continueAsNewNow();
        if ((await collectOneObject(object)) === 'stopped') break;
      }
      currentObject = null;
      if (disconnectRequested) {
        await calls.finishCollectionRun({
          runId: run.runId,
          status: 'cancelled',
          error: 'Integration disconnected',
        });
        run = null;
        return;
      }
      await insights.recomputeFindings({ integrationId, runId: run.runId, since: run.findingsSince });
      s.lastRun = await calls.finishCollectionRun({ runId: run.runId, status: 'succeeded', error: null });
    } catch (error) {
      if (isCancellation(error)) throw error;
      log.warn('collection run failed', { integrationId, runId: run?.runId, error: failureMessage(error) });
      s.lastRun = await calls.finishCollectionRun({
        runId: run!.runId,
        status: 'failed',
        error: failureMessage(error),
      });
    }
    const wasInitial = run?.kind === 'initial';
    run = null;
    currentObject = null;
    if (wasInitial && s.lastRun?.status === 'succeeded') {
      s.initialCollectionDone = true;
      await calls.ensureDailySchedule({ integrationId });
    }
    await setState(s.initialCollectionDone ? 'idle' : 'connected');
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
    if (s.state === 'paused_by_user' || s.state === 'paused_for_quota')
      await setState(s.initialCollectionDone ? 'idle' : 'connected');
    await condition(
      () =>
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
    if (credentialsChanged && !s.pendingCollection) {
      // New credentials while idle: verify them now rather than at 2 a.m.
      credentialsChanged = false;
      const result = await connectivity.testConnectivity({ integrationId });
      applyTestResult(result);
      if (!result.ok) await waitForAttention({ code: result.code, message: result.message, fix: result.fix });
      continue;
    }
    if (s.pendingCollection && !s.userPaused && !disconnectRequested) {
      await runCollection(s.pendingCollection);
      await continueAsNewNow();
    }
    if (workflowInfo().continueAsNewSuggested) await continueAsNewNow();
  }

  await calls.deleteDailySchedule({ integrationId });
  await setState('disconnected');
  await condition(allHandlersFinished);
}

/** Started by the daily Temporal Schedule: asks the integration's workflow to collect, nothing more. */
export async function scheduledCollectionWorkflow(input: { integrationId: string }): Promise<void> {
  await getExternalWorkflowHandle(integrationWorkflowId(input.integrationId)).signal(collectNowSignal, {
    trigger: 'schedule',
  });
}

/** Started by the reconciler schedule: repairs drift between PostgreSQL and Temporal. */
export async function reconcilerWorkflow(
  input: { tenantId?: string } = {},
): Promise<{ restarted: number; closedRuns: number }> {
  return calls.reconcileIntegrations(input);
}

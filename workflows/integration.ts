import {
  ActivityFailure,
  ApplicationFailure,
  ContinueAsNew,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import {
  collectNowSignal,
  collectionRunWorkflowId,
  credentialsUpdatedSignal,
  disconnectSignal,
  pauseSignal,
  reconcileSignal,
  recheckQuotaSignal,
  requestCollectionUpdate,
  resumeSignal,
  runPhaseSignal,
  settingsUpdatedSignal,
  statusQuery,
  stopRunSignal,
  testConnectivityUpdate,
  type ActiveRun,
  type CarriedState,
  type CollectionRequestResult,
  type CollectionRunOutcome,
  type ConnectivityResult,
  type IntegrationState,
  type IntegrationStatus,
  type IntegrationWorkflowInput,
  type RunPhase,
  type RunSummary,
  type RunTrigger,
} from './definitions';
import {
  bookkeeping,
  connectivity,
  recordIntegrationState,
  recordIntegrationStatus,
} from './activity-proxies';
import { collectionRunWorkflow } from './collection-run';
import { emptyState, failedOnQuotaOnly, failureMessage } from './integration-state';
import {
  IntegrationDisplayNameAttribute,
  IntegrationIdAttribute,
  IntegrationStateAttribute,
  TenantIdAttribute,
} from './search-attributes';

type RunEnd = CollectionRunOutcome | { outcome: 'failed'; error: string };
type Step = 'continue' | 'continue_as_new';

const HOUR_MS = 60 * 60 * 1000;
/** After a failed initial run: 1 h, 2 h, 4 h … up to a day, besides the daily schedule. */
const MAX_INITIAL_RETRY_MS = 24 * HOUR_MS;
/** A trigger arriving later than this into a run is served after it, not dropped. */
const TRIGGER_DEFERRAL_MS = HOUR_MS;
/** A bookkeeping step that keeps failing is retried on this back-off; the entity itself never fails. */
const MAX_STEP_BACKOFF_MS = HOUR_MS;
/** Histories recorded before the status mirror existed replay without its local activities. */
const STATUS_MIRROR_PATCH = 'status-mirror';

/**
 * The life of one integration (one customer org), from connect to disconnect: an entity workflow whose state
 * is one object and whose messages are one method each (the shape of temporalio/samples-typescript's
 * message-passing/safe-message-handlers). Each collection run is a child workflow (collection-run.ts), so hours
 * of paging and days of quota pauses stay out of this history. It continues-as-new only between steps, with
 * the whole state — pending messages and the active run included — in `CarriedState`.
 *
 *   awaiting_test ─test ok→ connected ─Collect Now→ initial_collection ─done→ idle ─daily→ incremental_collection
 *   any collecting state ⇄ paused_for_quota (timer until the next day) · any ⇄ paused_by_user
 *   a setup failure → needs_attention (until new credentials or a passing test) · disconnect → disconnected
 */
export async function integrationWorkflow(input: IntegrationWorkflowInput): Promise<void> {
  const integration = new Integration(input);
  setHandler(statusQuery, () => integration.status());
  setHandler(testConnectivityUpdate, () => integration.testConnectivity());
  setHandler(requestCollectionUpdate, () => integration.requestCollection(), {
    // Rejected in the validator, a refused Collect Now leaves no trace in the history.
    validator: () => integration.validateCollectionRequest(),
  });
  setHandler(collectNowSignal, ({ trigger }) => integration.collectNow(trigger));
  setHandler(pauseSignal, () => integration.pause());
  setHandler(resumeSignal, () => integration.resume());
  setHandler(credentialsUpdatedSignal, () => integration.credentialsUpdated());
  setHandler(settingsUpdatedSignal, () => integration.settingsUpdated());
  setHandler(disconnectSignal, () => integration.disconnect());
  setHandler(runPhaseSignal, (phase) => integration.runPhase(phase));
  // Sent by the reconciler with signal-with-start: its only job is to make sure the workflow exists.
  setHandler(reconcileSignal, () => {});
  await integration.live();
}

class Integration {
  private readonly integrationId: string;
  private readonly carried: CarriedState;
  private disconnectRequested = false;
  private startingRun: Promise<ActiveRun> | null = null;
  private child: ChildWorkflowHandle<typeof collectionRunWorkflow> | null = null;
  private phases: RunPhase[] = [];
  private failedSteps = 0;
  private loaded = false;
  /** The status last written to PostgreSQL (JSON) and how many writes this execution made. */
  private mirrored: string | null = null;
  private mirrorWrites = 0;

  constructor(private readonly input: IntegrationWorkflowInput) {
    this.integrationId = input.integrationId;
    this.carried = { ...emptyState(), ...input.carried };
  }

  // ── Messages ──────────────────────────────────────────────────────────────────────────────────────────────

  status(): IntegrationStatus {
    const { carried } = this;
    const run = carried.activeRun;
    return {
      integrationId: this.integrationId,
      state: carried.state,
      resumeState: carried.resumeState,
      initialCollectionDone: carried.initialCollectionDone,
      currentRun: run
        ? { runId: run.runId, kind: run.kind, trigger: run.trigger, startedAt: run.startedAt }
        : null,
      quota: carried.quota,
      lastRun: carried.lastRun,
      attention: carried.attention,
      retryAt: carried.retryAt,
      continuedAsNewCount: carried.continuedAsNewCount,
    };
  }

  async testConnectivity(): Promise<ConnectivityResult> {
    const result = await connectivity.testConnectivity({ integrationId: this.integrationId });
    this.applyTestResult(result);
    if (result.ok && this.carried.state === 'awaiting_test') await this.setState(this.naturalState());
    // Usage and attention changed even when the state did not; the caller reads the status page next.
    else await this.mirrorStatus();
    return result;
  }

  validateCollectionRequest(): void {
    const { carried } = this;
    const refuse = (type: string, message: string) => {
      throw ApplicationFailure.create({ type, message, nonRetryable: true });
    };
    if (this.disconnectRequested || carried.state === 'disconnected')
      refuse('IntegrationDisconnected', 'The integration is disconnected.');
    if (!carried.connected)
      refuse('IntegrationNotConnected', 'Run Test Connectivity successfully before collecting.');
    if (carried.userPaused) refuse('IntegrationPaused', 'The integration is paused; resume it first.');
    if (carried.attention && !carried.activeRun)
      refuse('IntegrationNeedsAttention', `${carried.attention.message} ${carried.attention.fix}`);
  }

  async requestCollection(): Promise<CollectionRequestResult> {
    const { carried } = this;
    if (carried.activeRun) {
      // Collect Now during a quota pause means "look again now" (the usage may have dropped).
      if (carried.state === 'paused_for_quota') carried.recheckQuota = true;
      return { runId: carried.activeRun.runId, started: false, kind: carried.activeRun.kind };
    }
    const wasStarting = this.startingRun !== null;
    const started = await this.ensureRun('collect_now');
    return { runId: started.runId, started: !wasStarting, kind: started.kind };
  }

  collectNow(trigger: RunTrigger): void {
    const { carried } = this;
    if (carried.state === 'paused_for_quota') carried.recheckQuota = true;
    // A trigger during a run that started minutes ago adds nothing: that run is collecting it. One that arrives
    // while a long run (an initial collection of a day or more) goes on is remembered and follows it.
    const run = carried.activeRun;
    if (run && Date.now() - Date.parse(run.startedAt) < TRIGGER_DEFERRAL_MS) return;
    if (carried.pendingCollection === null && !this.startingRun) carried.pendingCollection = trigger;
  }

  pause(): void {
    this.carried.userPaused = true;
  }

  resume(): void {
    this.carried.userPaused = false;
    this.carried.recheckQuota = true;
  }

  credentialsUpdated(): void {
    this.carried.credentialsChanged = true;
  }

  settingsUpdated(): void {
    // A new threshold may end a quota pause at once.
    this.carried.settingsChanged = true;
    this.carried.recheckQuota = true;
  }

  disconnect(): void {
    this.disconnectRequested = true;
  }

  runPhase(phase: RunPhase): void {
    // A phase from a run that already ended is stale.
    if (phase.runId === this.carried.activeRun?.runId) this.phases.push(phase);
  }

  // ── The lifecycle ─────────────────────────────────────────────────────────────────────────────────────────

  async live(): Promise<void> {
    for (;;) {
      if (this.disconnectRequested) break;
      let step: Step;
      try {
        if (!this.input.carried && !this.loaded) await this.loadSnapshot();
        step = await this.step();
        this.failedSteps = 0;
      } catch (error) {
        if (isCancellation(error) || error instanceof ContinueAsNew) throw error;
        if (integrationGone(error)) {
          log.warn('integration no longer exists; workflow ends', { integrationId: this.integrationId });
          return;
        }
        // No activity failure may end the entity: wait, then take the same step again.
        this.failedSteps += 1;
        const backoff = Math.min(MAX_STEP_BACKOFF_MS, 60_000 * 2 ** (this.failedSteps - 1));
        log.warn('integration step failed; retrying', {
          integrationId: this.integrationId,
          error: failureMessage(error),
          retryInMs: backoff,
        });
        await condition(() => this.disconnectRequested, backoff);
        continue;
      }
      if (step === 'continue_as_new') await this.continueAsNew();
    }
    await this.finishDisconnect();
  }

  /** A fresh start (first connect, or the reconciler restoring a lost workflow): take what PostgreSQL knows. */
  private async loadSnapshot(): Promise<void> {
    const { carried } = this;
    const snapshot = await bookkeeping.loadIntegrationSnapshot({
      integrationId: this.integrationId,
      closeOrphanedRuns: true,
    });
    this.loaded = true;
    // Handlers may already have run while this activity was in flight (a Test Connectivity, a pause), so what
    // they changed wins over the snapshot.
    carried.initialCollectionDone ||= snapshot.initialCollectionDone;
    carried.lastRun ??= snapshot.lastRun;
    carried.quota.thresholdPercent = snapshot.quotaThresholdPercent;
    carried.userPaused ||= snapshot.state === 'paused_by_user';
    carried.connected ||= snapshot.connected;
    if (carried.connected && !carried.attention && snapshot.attention) carried.attention = snapshot.attention;
    // Started by the reconciler, the workflow has no search attributes yet; the API sets the same ones.
    upsertSearchAttributes([
      { key: IntegrationIdAttribute, value: this.integrationId },
      { key: TenantIdAttribute, value: snapshot.tenantId },
      { key: IntegrationDisplayNameAttribute, value: snapshot.displayName },
      { key: IntegrationStateAttribute, value: carried.state },
    ]);
    await this.setState(this.naturalState());
  }

  /** One turn of the lifecycle: act on the most pressing thing, or wait for something to do. */
  private async step(): Promise<Step> {
    const { carried } = this;
    if (carried.settingsChanged) {
      carried.settingsChanged = false;
      await this.applySettings();
      return 'continue';
    }
    if (carried.userPaused) {
      await this.waitWhileUserPaused();
      return 'continue';
    }
    if (carried.credentialsChanged && carried.connected) {
      carried.credentialsChanged = false;
      await this.retest();
      return 'continue';
    }
    if (carried.attention && carried.connected) return this.waitForAttention();
    if (!carried.activeRun && this.retryDue()) carried.pendingCollection ??= 'schedule';
    if (!carried.activeRun && carried.pendingCollection && carried.connected)
      await this.ensureRun(carried.pendingCollection);
    if (carried.activeRun) return this.collect(carried.activeRun);

    if (carried.state !== this.naturalState()) await this.setState(this.naturalState());
    if (workflowInfo().continueAsNewSuggested) return 'continue_as_new';
    const retryIn = carried.retryAt ? Math.max(1000, Date.parse(carried.retryAt) - Date.now()) : undefined;
    await condition(() => this.hasWork(), retryIn);
    return 'continue';
  }

  /** Whether a branch of step() above has something to act on: the idle wait ends when this turns true. */
  private hasWork(): boolean {
    const { carried } = this;
    return (
      this.disconnectRequested ||
      carried.settingsChanged ||
      carried.userPaused ||
      (carried.connected &&
        (carried.credentialsChanged || carried.attention !== null || carried.pendingCollection !== null)) ||
      carried.activeRun !== null ||
      carried.state !== this.naturalState() ||
      workflowInfo().continueAsNewSuggested
    );
  }

  /** Runs the active run's child workflow to its end, passing messages on; then books the outcome. */
  private async collect(active: ActiveRun): Promise<Step> {
    const { carried } = this;
    await this.setState(collectingState(active));
    const { end, stoppedForHistory } = await this.runChild(active);
    carried.quota.pausedUntil = null;
    switch (end.outcome) {
      case 'stopped':
        // Paused, disconnected or making room in the history: the run stays active, its cursors keep the place.
        return stoppedForHistory ? 'continue_as_new' : 'continue';
      case 'needs_attention':
        await bookkeeping.recordRunPause({
          runId: active.runId,
          reason: 'needs_attention',
          detail: end.problem.message,
          resumeAt: null,
        });
        carried.attention = end.problem;
        return 'continue';
      case 'budget_spent':
        await this.finishRun(
          active,
          'partial',
          'Stopped at the per-run API budget (runBudgetCalls); the next run continues from the saved cursors.',
        );
        return 'continue_as_new';
      case 'succeeded':
        await this.finishRun(active, 'succeeded', end.findingsNote);
        return 'continue_as_new';
      case 'failed':
        log.warn('collection run failed', {
          integrationId: this.integrationId,
          runId: active.runId,
          error: end.error,
        });
        await this.finishRun(active, 'failed', end.error);
        return 'continue_as_new';
    }
  }

  private async runChild(active: ActiveRun): Promise<{ end: RunEnd; stoppedForHistory: boolean }> {
    const { carried } = this;
    active.children = (active.children ?? 0) + 1;
    // A run resumed by a new child (after a stop, a pause or a continue-as-new) looks at the quota first: a
    // re-check sent to the previous child may have died with it, and one /limits call is cheap.
    const recheckQuota = carried.recheckQuota || active.children > 1;
    carried.recheckQuota = false;
    const child = await startChild(collectionRunWorkflow, {
      workflowId: `${collectionRunWorkflowId(this.integrationId, active.runId)}-${active.children}`,
      args: [{ integrationId: this.integrationId, run: active, recheckQuota, quotaBackoff: false }],
      typedSearchAttributes: this.identityAttributes(),
      // The entity always waits for its run to end before it continues-as-new or completes; if it is
      // terminated (purge), the run must not outlive it.
      parentClosePolicy: ParentClosePolicy.TERMINATE,
      staticSummary: `${active.kind} collection run ${active.runId}`,
    });
    this.child = child;
    let end: RunEnd | null = null;
    child.result().then(
      (outcome) => (end = outcome),
      (error: unknown) => (end = { outcome: 'failed', error: failureMessage(error) }),
    );
    let stopSent = false;
    let stoppedForHistory = false;
    try {
      for (;;) {
        const mustStop = () =>
          this.disconnectRequested || carried.userPaused || workflowInfo().continueAsNewSuggested;
        await condition(
          () =>
            end !== null ||
            this.phases.length > 0 ||
            carried.settingsChanged ||
            carried.recheckQuota ||
            (!stopSent && mustStop()),
        );
        if (end) break;
        for (const phase of this.phases.splice(0)) await this.applyPhase(active, phase);
        if (carried.settingsChanged) {
          carried.settingsChanged = false;
          await this.applySettings();
        }
        if (carried.recheckQuota) {
          carried.recheckQuota = false;
          await this.tellChild(recheckQuotaSignal);
        }
        if (!stopSent && mustStop()) {
          stopSent = true;
          stoppedForHistory = !this.disconnectRequested && !carried.userPaused;
          await this.tellChild(stopRunSignal);
        }
      }
    } finally {
      this.child = null;
      this.phases = [];
    }
    return { end: end as RunEnd, stoppedForHistory };
  }

  private async tellChild(signal: typeof stopRunSignal | typeof recheckQuotaSignal): Promise<void> {
    try {
      await this.child?.signal(signal);
    } catch (error) {
      // The run just ended on its own; its result arrives next.
      log.info('run no longer takes signals', { error: failureMessage(error) });
    }
  }

  private async applyPhase(active: ActiveRun, phase: RunPhase): Promise<void> {
    const { carried } = this;
    if (phase.usage) this.updateQuota(phase.usage.used, phase.usage.max, phase.usage.observedAt);
    carried.quota.pausedUntil = phase.pausedUntil;
    await this.setState(phase.phase === 'paused_for_quota' ? 'paused_for_quota' : collectingState(active));
  }

  /** The one way a run comes to exist, shared by Collect Now and the loop, serialised so two requests make one. */
  private async ensureRun(trigger: RunTrigger): Promise<ActiveRun> {
    const { carried } = this;
    if (carried.activeRun) return carried.activeRun;
    this.startingRun ??= (async () => {
      const kind = carried.initialCollectionDone ? 'incremental' : 'initial';
      const started = await bookkeeping.startCollectionRun({
        integrationId: this.integrationId,
        kind,
        trigger,
        workflowId: workflowInfo().workflowId,
      });
      carried.quota.thresholdPercent = started.quotaThresholdPercent;
      carried.activeRun = {
        runId: started.runId,
        kind,
        trigger,
        startedAt: started.startedAt,
        findingsSince: started.findingsSince,
        children: 0,
      };
      carried.pendingCollection = null;
      carried.retryAt = null;
      return carried.activeRun;
    })();
    try {
      return await this.startingRun;
    } finally {
      this.startingRun = null;
    }
  }

  private async finishRun(
    active: ActiveRun,
    status: RunSummary['status'],
    error: string | null,
  ): Promise<void> {
    const { carried } = this;
    const finished = await bookkeeping.finishCollectionRun({ runId: active.runId, status, error });
    // Every initial run that did not end by a disconnect gets the daily schedule, so collection keeps going. It
    // exists before the run shows as finished: whoever sees the finished run can rely on the schedule.
    if (active.kind === 'initial' && finished.status !== 'cancelled') await this.ensureDailySchedule();
    carried.lastRun = finished;
    if (active.kind === 'initial') {
      if (carried.lastRun.status === 'succeeded') {
        carried.initialCollectionDone = true;
        carried.failedInitialRuns = 0;
      } else if (carried.lastRun.status === 'failed') {
        // Retried on its own (the cursors keep what was collected), sooner than the daily schedule.
        carried.failedInitialRuns += 1;
        const delay = Math.min(MAX_INITIAL_RETRY_MS, HOUR_MS * 2 ** (carried.failedInitialRuns - 1));
        carried.retryAt = new Date(Date.now() + delay).toISOString();
      }
    }
    carried.activeRun = null;
    await this.setState(this.naturalState());
  }

  private async waitWhileUserPaused(): Promise<void> {
    const { carried } = this;
    carried.resumeState = this.naturalState();
    // Schedule first, state second: whoever sees "paused_by_user" can rely on the schedule being paused.
    await bookkeeping.setDailySchedulePaused({ integrationId: this.integrationId, paused: true });
    await this.setState('paused_by_user');
    await condition(
      () => !carried.userPaused || this.disconnectRequested || workflowInfo().continueAsNewSuggested,
    );
    if (carried.userPaused) return; // disconnect, or a continue-as-new first: the next turn decides
    await bookkeeping.setDailySchedulePaused({ integrationId: this.integrationId, paused: false });
    carried.resumeState = null;
    await this.setState(this.naturalState());
  }

  /** Waits for new credentials or a passing Test Connectivity; whatever was interrupted then carries on. */
  private async waitForAttention(): Promise<Step> {
    const { carried } = this;
    if (carried.state !== 'needs_attention') {
      carried.resumeState = this.stateWithoutAttention();
      await this.setState('needs_attention');
    }
    await condition(
      () =>
        carried.attention === null ||
        carried.credentialsChanged ||
        carried.userPaused ||
        carried.settingsChanged ||
        this.disconnectRequested ||
        workflowInfo().continueAsNewSuggested,
    );
    if (carried.attention === null) {
      // A passing Test Connectivity cleared it (no second test needed).
      if (carried.activeRun) await bookkeeping.recordRunResumed({ runId: carried.activeRun.runId });
      carried.resumeState = null;
      await this.setState(this.naturalState());
    }
    return workflowInfo().continueAsNewSuggested && carried.attention ? 'continue_as_new' : 'continue';
  }

  /** New credentials: test them now rather than at the next run. A flaky test is tried again later. */
  private async retest(): Promise<void> {
    const { carried } = this;
    let result: ConnectivityResult;
    try {
      result = await connectivity.testConnectivity({ integrationId: this.integrationId });
    } catch (error) {
      if (integrationGone(error)) throw error;
      // Salesforce or the worker did not answer: this says nothing about the credentials. Test again later.
      carried.credentialsChanged = true;
      throw error;
    }
    const hadAttention = carried.attention !== null;
    this.applyTestResult(result);
    if (hadAttention && !carried.attention && carried.activeRun)
      await bookkeeping.recordRunResumed({ runId: carried.activeRun.runId });
    carried.resumeState = carried.attention ? this.stateWithoutAttention() : null;
    await this.setState(this.naturalState());
  }

  private applyTestResult(result: ConnectivityResult): void {
    const { carried } = this;
    if (result.ok) {
      carried.connected = true;
      carried.attention = null;
      carried.credentialsChanged = false;
      this.updateQuota(result.apiUsage.used, result.apiUsage.max, result.checkedAt);
    } else if (!failedOnQuotaOnly(result) && !this.child) {
      // Out of daily quota is not a setup problem (the quota guard handles it). During a run, the run finds
      // out for itself at its next call. Before the first passing test the problem is shown, the state stays.
      carried.attention = { code: result.code, message: result.message, fix: result.fix };
    }
  }

  /** New options: the threshold shows in status; the daily schedule follows a new time zone or run hour. */
  private async applySettings(): Promise<void> {
    const { carried } = this;
    const settings = await bookkeeping.loadIntegrationSnapshot({
      integrationId: this.integrationId,
      closeOrphanedRuns: false,
    });
    carried.quota.thresholdPercent = settings.quotaThresholdPercent;
    upsertSearchAttributes([{ key: IntegrationDisplayNameAttribute, value: settings.displayName }]);
    if (carried.initialCollectionDone || carried.lastRun !== null) await this.ensureDailySchedule();
    await this.mirrorStatus();
  }

  private async ensureDailySchedule(): Promise<void> {
    try {
      await bookkeeping.ensureDailySchedule({ integrationId: this.integrationId });
    } catch (error) {
      if (!(error instanceof ActivityFailure) || !(error.cause instanceof ApplicationFailure)) throw error;
      if (error.cause.type !== 'InvalidScheduleSettings') throw error;
      this.carried.attention = {
        code: 'invalid_schedule',
        message: error.cause.message,
        fix: 'Set options.timezone to an IANA time zone name such as Europe/Paris.',
      };
    }
  }

  private async finishDisconnect(): Promise<void> {
    const { carried } = this;
    // A Collect Now in flight may still create a run: let it finish, then cancel whatever is active.
    await condition(allHandlersFinished);
    if (carried.activeRun) {
      await bookkeeping.finishCollectionRun({
        runId: carried.activeRun.runId,
        status: 'cancelled',
        error: 'Integration disconnected',
      });
      carried.activeRun = null;
    }
    await bookkeeping.deleteDailySchedule({ integrationId: this.integrationId });
    await bookkeeping.markIntegrationDisconnected({ integrationId: this.integrationId });
    await this.setState('disconnected');
    await condition(allHandlersFinished);
  }

  /** Only between steps (no child running); every pending flag and the active run are in `carried`. */
  private async continueAsNew(): Promise<void> {
    await condition(allHandlersFinished);
    if (this.disconnectRequested) return;
    this.carried.continuedAsNewCount += 1;
    await continueAsNew<typeof integrationWorkflow>({
      integrationId: this.integrationId,
      carried: this.carried,
    });
  }

  // ── State ─────────────────────────────────────────────────────────────────────────────────────────────────

  private restingState(): IntegrationState {
    return this.carried.initialCollectionDone ? 'idle' : 'connected';
  }

  /** Where the integration goes back to once an attention problem is fixed. */
  private stateWithoutAttention(): IntegrationState {
    return this.carried.activeRun ? collectingState(this.carried.activeRun) : this.restingState();
  }

  /** The state the facts imply, outside a user pause and a quota pause. */
  private naturalState(): IntegrationState {
    const { carried } = this;
    if (!carried.connected) return 'awaiting_test';
    if (carried.attention) return 'needs_attention';
    if (carried.activeRun) return collectingState(carried.activeRun);
    return this.restingState();
  }

  private async setState(next: IntegrationState): Promise<void> {
    if (this.carried.state !== next) {
      this.carried.state = next;
      upsertSearchAttributes([{ key: IntegrationStateAttribute, value: next }]);
      await recordIntegrationState({ integrationId: this.integrationId, state: next });
    }
    // Every caller of setState has just changed something the status shows (a phase's usage, a finished run).
    await this.mirrorStatus();
  }

  /**
   * Writes the status query's answer to PostgreSQL when it changed, so the API's status page reads a row
   * instead of sending a query that waits for a workflow task on the worker (bench/RESULTS.md section 5).
   */
  private async mirrorStatus(): Promise<void> {
    if (!patched(STATUS_MIRROR_PATCH)) return;
    const status = this.status();
    const json = JSON.stringify(status);
    if (json === this.mirrored) return;
    this.mirrored = json;
    this.mirrorWrites += 1;
    await recordIntegrationStatus({
      integrationId: this.integrationId,
      status,
      mirroredAt: new Date().toISOString(),
      seq: this.mirrorWrites,
    });
  }

  private updateQuota(used: number, max: number, observedAt: string): void {
    const { quota } = this.carried;
    // Unknown usage stays unknown rather than showing as 0 of 0.
    if (max <= 0) return;
    quota.used = used;
    quota.max = max;
    // Two decimals, as Test Connectivity reports it, so both views of the same figure agree.
    quota.usagePercent = Math.round((used / max) * 10_000) / 100;
    quota.observedAt = observedAt;
  }

  private retryDue(): boolean {
    return this.carried.retryAt !== null && Date.parse(this.carried.retryAt) <= Date.now();
  }

  private identityAttributes(): SearchAttributePair[] {
    const attributes = workflowInfo().typedSearchAttributes;
    return [IntegrationIdAttribute, TenantIdAttribute].flatMap((key) => {
      const value = attributes.get(key);
      return value === undefined ? [] : [{ key, value } as SearchAttributePair];
    });
  }
}

function collectingState(run: ActiveRun): IntegrationState {
  return run.kind === 'initial' ? 'initial_collection' : 'incremental_collection';
}

/** The integration row is gone (purged): there is nothing left to run for. */
function integrationGone(error: unknown): boolean {
  return (
    error instanceof ActivityFailure &&
    error.cause instanceof ApplicationFailure &&
    error.cause.type === 'IntegrationNotFound'
  );
}

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
import { calls, connectivity, mirror } from './activity-proxies';
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
  private readonly s: CarriedState;
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
    this.s = { ...emptyState(), ...input.carried };
  }

  // ── Messages ──────────────────────────────────────────────────────────────────────────────────────────────

  status(): IntegrationStatus {
    const { s } = this;
    const run = s.activeRun;
    return {
      integrationId: this.integrationId,
      state: s.state,
      resumeState: s.resumeState,
      initialCollectionDone: s.initialCollectionDone,
      currentRun: run
        ? { runId: run.runId, kind: run.kind, trigger: run.trigger, startedAt: run.startedAt }
        : null,
      quota: s.quota,
      lastRun: s.lastRun,
      attention: s.attention,
      retryAt: s.retryAt,
      continuedAsNewCount: s.continuedAsNewCount,
    };
  }

  async testConnectivity(): Promise<ConnectivityResult> {
    const result = await connectivity.testConnectivity({ integrationId: this.integrationId });
    this.applyTestResult(result);
    if (result.ok && this.s.state === 'awaiting_test') await this.setState(this.naturalState());
    // Usage and attention changed even when the state did not; the caller reads the status page next.
    else await this.mirrorStatus();
    return result;
  }

  validateCollectionRequest(): void {
    const { s } = this;
    const refuse = (type: string, message: string) => {
      throw ApplicationFailure.create({ type, message, nonRetryable: true });
    };
    if (this.disconnectRequested || s.state === 'disconnected')
      refuse('IntegrationDisconnected', 'The integration is disconnected.');
    if (!s.connected)
      refuse('IntegrationNotConnected', 'Run Test Connectivity successfully before collecting.');
    if (s.userPaused) refuse('IntegrationPaused', 'The integration is paused; resume it first.');
    if (s.attention && !s.activeRun)
      refuse('IntegrationNeedsAttention', `${s.attention.message} ${s.attention.fix}`);
  }

  async requestCollection(): Promise<CollectionRequestResult> {
    const { s } = this;
    if (s.activeRun) {
      // Collect Now during a quota pause means "look again now" (the usage may have dropped).
      if (s.state === 'paused_for_quota') s.recheckQuota = true;
      return { runId: s.activeRun.runId, started: false, kind: s.activeRun.kind };
    }
    const wasStarting = this.startingRun !== null;
    const started = await this.ensureRun('collect_now');
    return { runId: started.runId, started: !wasStarting, kind: started.kind };
  }

  collectNow(trigger: RunTrigger): void {
    const { s } = this;
    if (s.state === 'paused_for_quota') s.recheckQuota = true;
    // A trigger during a run that started minutes ago adds nothing: that run is collecting it. One that arrives
    // while a long run (an initial collection of a day or more) goes on is remembered and follows it.
    const run = s.activeRun;
    if (run && Date.now() - Date.parse(run.startedAt) < TRIGGER_DEFERRAL_MS) return;
    if (s.pendingCollection === null && !this.startingRun) s.pendingCollection = trigger;
  }

  pause(): void {
    this.s.userPaused = true;
  }

  resume(): void {
    this.s.userPaused = false;
    this.s.recheckQuota = true;
  }

  credentialsUpdated(): void {
    this.s.credentialsChanged = true;
  }

  settingsUpdated(): void {
    // A new threshold may end a quota pause at once.
    this.s.settingsChanged = true;
    this.s.recheckQuota = true;
  }

  disconnect(): void {
    this.disconnectRequested = true;
  }

  runPhase(phase: RunPhase): void {
    // A phase from a run that already ended is stale.
    if (phase.runId === this.s.activeRun?.runId) this.phases.push(phase);
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
    const { s } = this;
    const snapshot = await calls.loadIntegrationSnapshot({
      integrationId: this.integrationId,
      closeOrphanedRuns: true,
    });
    this.loaded = true;
    // Handlers may already have run while this activity was in flight (a Test Connectivity, a pause), so what
    // they changed wins over the snapshot.
    s.initialCollectionDone ||= snapshot.initialCollectionDone;
    s.lastRun ??= snapshot.lastRun;
    s.quota.thresholdPercent = snapshot.quotaThresholdPercent;
    s.userPaused ||= snapshot.state === 'paused_by_user';
    s.connected ||= snapshot.connected;
    if (s.connected && !s.attention && snapshot.attention) s.attention = snapshot.attention;
    // Started by the reconciler, the workflow has no search attributes yet; the API sets the same ones.
    upsertSearchAttributes([
      { key: IntegrationIdAttribute, value: this.integrationId },
      { key: TenantIdAttribute, value: snapshot.tenantId },
      { key: IntegrationDisplayNameAttribute, value: snapshot.displayName },
      { key: IntegrationStateAttribute, value: s.state },
    ]);
    await this.setState(this.naturalState());
  }

  /** One turn of the lifecycle: act on the most pressing thing, or wait for something to do. */
  private async step(): Promise<Step> {
    const { s } = this;
    if (s.settingsChanged) {
      s.settingsChanged = false;
      await this.applySettings();
      return 'continue';
    }
    if (s.userPaused) {
      await this.waitWhileUserPaused();
      return 'continue';
    }
    if (s.credentialsChanged && s.connected) {
      s.credentialsChanged = false;
      await this.retest();
      return 'continue';
    }
    if (s.attention && s.connected) return this.waitForAttention();
    if (!s.activeRun && this.retryDue()) s.pendingCollection ??= 'schedule';
    if (!s.activeRun && s.pendingCollection && s.connected) await this.ensureRun(s.pendingCollection);
    if (s.activeRun) return this.collect(s.activeRun);

    if (s.state !== this.naturalState()) await this.setState(this.naturalState());
    if (workflowInfo().continueAsNewSuggested) return 'continue_as_new';
    const retryIn = s.retryAt ? Math.max(1000, Date.parse(s.retryAt) - Date.now()) : undefined;
    await condition(() => this.hasWork(), retryIn);
    return 'continue';
  }

  /** Whether a branch of step() above has something to act on: the idle wait ends when this turns true. */
  private hasWork(): boolean {
    const { s } = this;
    return (
      this.disconnectRequested ||
      s.settingsChanged ||
      s.userPaused ||
      (s.connected && (s.credentialsChanged || s.attention !== null || s.pendingCollection !== null)) ||
      s.activeRun !== null ||
      s.state !== this.naturalState() ||
      workflowInfo().continueAsNewSuggested
    );
  }

  /** Runs the active run's child workflow to its end, passing messages on; then books the outcome. */
  private async collect(active: ActiveRun): Promise<Step> {
    const { s } = this;
    await this.setState(collectingState(active));
    const { end, stoppedForHistory } = await this.runChild(active);
    s.quota.pausedUntil = null;
    switch (end.outcome) {
      case 'stopped':
        // Paused, disconnected or making room in the history: the run stays active, its cursors keep the place.
        return stoppedForHistory ? 'continue_as_new' : 'continue';
      case 'needs_attention':
        await calls.recordRunPause({
          runId: active.runId,
          reason: 'needs_attention',
          detail: end.problem.message,
          resumeAt: null,
        });
        s.attention = end.problem;
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
    const { s } = this;
    active.children = (active.children ?? 0) + 1;
    // A run resumed by a new child (after a stop, a pause or a continue-as-new) looks at the quota first: a
    // re-check sent to the previous child may have died with it, and one /limits call is cheap.
    const recheckQuota = s.recheckQuota || active.children > 1;
    s.recheckQuota = false;
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
          this.disconnectRequested || s.userPaused || workflowInfo().continueAsNewSuggested;
        await condition(
          () =>
            end !== null ||
            this.phases.length > 0 ||
            s.settingsChanged ||
            s.recheckQuota ||
            (!stopSent && mustStop()),
        );
        if (end) break;
        for (const phase of this.phases.splice(0)) await this.applyPhase(active, phase);
        if (s.settingsChanged) {
          s.settingsChanged = false;
          await this.applySettings();
        }
        if (s.recheckQuota) {
          s.recheckQuota = false;
          await this.tellChild(recheckQuotaSignal);
        }
        if (!stopSent && mustStop()) {
          stopSent = true;
          stoppedForHistory = !this.disconnectRequested && !s.userPaused;
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
    const { s } = this;
    if (phase.usage) this.updateQuota(phase.usage.used, phase.usage.max, phase.usage.observedAt);
    s.quota.pausedUntil = phase.pausedUntil;
    await this.setState(phase.phase === 'paused_for_quota' ? 'paused_for_quota' : collectingState(active));
  }

  /** The one way a run comes to exist, shared by Collect Now and the loop, serialised so two requests make one. */
  private async ensureRun(trigger: RunTrigger): Promise<ActiveRun> {
    const { s } = this;
    if (s.activeRun) return s.activeRun;
    this.startingRun ??= (async () => {
      const kind = s.initialCollectionDone ? 'incremental' : 'initial';
      const started = await calls.startCollectionRun({
        integrationId: this.integrationId,
        kind,
        trigger,
        workflowId: workflowInfo().workflowId,
      });
      s.quota.thresholdPercent = started.quotaThresholdPercent;
      s.activeRun = {
        runId: started.runId,
        kind,
        trigger,
        startedAt: started.startedAt,
        findingsSince: started.findingsSince,
        children: 0,
      };
      s.pendingCollection = null;
      s.retryAt = null;
      return s.activeRun;
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
    const { s } = this;
    const finished = await calls.finishCollectionRun({ runId: active.runId, status, error });
    // Every initial run that did not end by a disconnect gets the daily schedule, so collection keeps going. It
    // exists before the run shows as finished: whoever sees the finished run can rely on the schedule.
    if (active.kind === 'initial' && finished.status !== 'cancelled') await this.ensureDailySchedule();
    s.lastRun = finished;
    if (active.kind === 'initial') {
      if (s.lastRun.status === 'succeeded') {
        s.initialCollectionDone = true;
        s.failedInitialRuns = 0;
      } else if (s.lastRun.status === 'failed') {
        // Retried on its own (the cursors keep what was collected), sooner than the daily schedule.
        s.failedInitialRuns += 1;
        const delay = Math.min(MAX_INITIAL_RETRY_MS, HOUR_MS * 2 ** (s.failedInitialRuns - 1));
        s.retryAt = new Date(Date.now() + delay).toISOString();
      }
    }
    s.activeRun = null;
    await this.setState(this.naturalState());
  }

  private async waitWhileUserPaused(): Promise<void> {
    const { s } = this;
    s.resumeState = this.naturalState();
    // Schedule first, state second: whoever sees "paused_by_user" can rely on the schedule being paused.
    await calls.setDailySchedulePaused({ integrationId: this.integrationId, paused: true });
    await this.setState('paused_by_user');
    await condition(() => !s.userPaused || this.disconnectRequested || workflowInfo().continueAsNewSuggested);
    if (s.userPaused) return; // disconnect, or a continue-as-new first: the next turn decides
    await calls.setDailySchedulePaused({ integrationId: this.integrationId, paused: false });
    s.resumeState = null;
    await this.setState(this.naturalState());
  }

  /** Waits for new credentials or a passing Test Connectivity; whatever was interrupted then carries on. */
  private async waitForAttention(): Promise<Step> {
    const { s } = this;
    if (s.state !== 'needs_attention') {
      s.resumeState = this.stateWithoutAttention();
      await this.setState('needs_attention');
    }
    await condition(
      () =>
        s.attention === null ||
        s.credentialsChanged ||
        s.userPaused ||
        s.settingsChanged ||
        this.disconnectRequested ||
        workflowInfo().continueAsNewSuggested,
    );
    if (s.attention === null) {
      // A passing Test Connectivity cleared it (no second test needed).
      if (s.activeRun) await calls.recordRunResumed({ runId: s.activeRun.runId });
      s.resumeState = null;
      await this.setState(this.naturalState());
    }
    return workflowInfo().continueAsNewSuggested && s.attention ? 'continue_as_new' : 'continue';
  }

  /** New credentials: test them now rather than at the next run. A flaky test is tried again later. */
  private async retest(): Promise<void> {
    const { s } = this;
    let result: ConnectivityResult;
    try {
      result = await connectivity.testConnectivity({ integrationId: this.integrationId });
    } catch (error) {
      if (integrationGone(error)) throw error;
      // Salesforce or the worker did not answer: this says nothing about the credentials. Test again later.
      s.credentialsChanged = true;
      throw error;
    }
    const hadAttention = s.attention !== null;
    this.applyTestResult(result);
    if (hadAttention && !s.attention && s.activeRun)
      await calls.recordRunResumed({ runId: s.activeRun.runId });
    s.resumeState = s.attention ? this.stateWithoutAttention() : null;
    await this.setState(this.naturalState());
  }

  private applyTestResult(result: ConnectivityResult): void {
    const { s } = this;
    if (result.ok) {
      s.connected = true;
      s.attention = null;
      s.credentialsChanged = false;
      this.updateQuota(result.apiUsage.used, result.apiUsage.max, result.checkedAt);
    } else if (!failedOnQuotaOnly(result) && !this.child) {
      // Out of daily quota is not a setup problem (the quota guard handles it). During a run, the run finds
      // out for itself at its next call. Before the first passing test the problem is shown, the state stays.
      s.attention = { code: result.code, message: result.message, fix: result.fix };
    }
  }

  /** New options: the threshold shows in status; the daily schedule follows a new time zone or run hour. */
  private async applySettings(): Promise<void> {
    const { s } = this;
    const settings = await calls.loadIntegrationSnapshot({
      integrationId: this.integrationId,
      closeOrphanedRuns: false,
    });
    s.quota.thresholdPercent = settings.quotaThresholdPercent;
    upsertSearchAttributes([{ key: IntegrationDisplayNameAttribute, value: settings.displayName }]);
    if (s.initialCollectionDone || s.lastRun !== null) await this.ensureDailySchedule();
    await this.mirrorStatus();
  }

  private async ensureDailySchedule(): Promise<void> {
    try {
      await calls.ensureDailySchedule({ integrationId: this.integrationId });
    } catch (error) {
      if (!(error instanceof ActivityFailure) || !(error.cause instanceof ApplicationFailure)) throw error;
      if (error.cause.type !== 'InvalidScheduleSettings') throw error;
      this.s.attention = {
        code: 'invalid_schedule',
        message: error.cause.message,
        fix: 'Set options.timezone to an IANA time zone name such as Europe/Paris.',
      };
    }
  }

  private async finishDisconnect(): Promise<void> {
    const { s } = this;
    // A Collect Now in flight may still create a run: let it finish, then cancel whatever is active.
    await condition(allHandlersFinished);
    if (s.activeRun) {
      await calls.finishCollectionRun({
        runId: s.activeRun.runId,
        status: 'cancelled',
        error: 'Integration disconnected',
      });
      s.activeRun = null;
    }
    await calls.deleteDailySchedule({ integrationId: this.integrationId });
    await calls.markIntegrationDisconnected({ integrationId: this.integrationId });
    await this.setState('disconnected');
    await condition(allHandlersFinished);
  }

  /** Only between steps (no child running); every pending flag and the active run are in `s`. */
  private async continueAsNew(): Promise<void> {
    await condition(allHandlersFinished);
    if (this.disconnectRequested) return;
    this.s.continuedAsNewCount += 1;
    await continueAsNew<typeof integrationWorkflow>({ integrationId: this.integrationId, carried: this.s });
  }

  // ── State ─────────────────────────────────────────────────────────────────────────────────────────────────

  private restingState(): IntegrationState {
    return this.s.initialCollectionDone ? 'idle' : 'connected';
  }

  /** Where the integration goes back to once an attention problem is fixed. */
  private stateWithoutAttention(): IntegrationState {
    return this.s.activeRun ? collectingState(this.s.activeRun) : this.restingState();
  }

  /** The state the facts imply, outside a user pause and a quota pause. */
  private naturalState(): IntegrationState {
    const { s } = this;
    if (!s.connected) return 'awaiting_test';
    if (s.attention) return 'needs_attention';
    if (s.activeRun) return collectingState(s.activeRun);
    return this.restingState();
  }

  private async setState(next: IntegrationState): Promise<void> {
    if (this.s.state !== next) {
      this.s.state = next;
      upsertSearchAttributes([{ key: IntegrationStateAttribute, value: next }]);
      await mirror.recordIntegrationState({ integrationId: this.integrationId, state: next });
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
    await mirror.recordIntegrationStatus({
      integrationId: this.integrationId,
      status,
      mirroredAt: new Date().toISOString(),
      seq: this.mirrorWrites,
    });
  }

  private updateQuota(used: number, max: number, observedAt: string): void {
    const { quota } = this.s;
    // Unknown usage stays unknown rather than showing as 0 of 0.
    if (max <= 0) return;
    quota.used = used;
    quota.max = max;
    // Two decimals, as Test Connectivity reports it, so both views of the same figure agree.
    quota.usagePercent = Math.round((used / max) * 10_000) / 100;
    quota.observedAt = observedAt;
  }

  private retryDue(): boolean {
    return this.s.retryAt !== null && Date.parse(this.s.retryAt) <= Date.now();
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

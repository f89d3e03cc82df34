import {
  ApplicationFailure,
  ContinueAsNew,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  collectNowSignal,
  credentialsUpdatedSignal,
  disconnectSignal,
  pauseSignal,
  reconcileSignal,
  requestCollectionUpdate,
  resumeSignal,
  runPhaseSignal,
  settingsUpdatedSignal,
  statusQuery,
  testConnectivityUpdate,
  type CollectionRequestResult,
  type ConnectivityResult,
  type IntegrationWorkflowInput,
  type RunPhase,
  type RunTrigger,
} from './definitions';
import { bookkeeping, connectivity } from './activity-proxies';
import { failureMessage } from './integration-state';
import { integrationGone, type Step } from './integration-record';
import { IntegrationRuns } from './integration-runs';

const HOUR_MS = 60 * 60 * 1000;
/** A trigger arriving later than this into a run is served after it, not dropped. */
const TRIGGER_DEFERRAL_MS = HOUR_MS;
/** A bookkeeping step that keeps failing is retried on this back-off; the entity itself never fails. */
const MAX_STEP_BACKOFF_MS = HOUR_MS;

/**
 * The life of one integration (one customer org), from connect to disconnect: an entity workflow whose state
 * is one object and whose messages are one method each (the shape of temporalio/samples-typescript's
 * message-passing/safe-message-handlers). Each collection run is a child workflow (collection-run.ts), so hours
 * of paging and days of quota pauses stay out of this history. It continues-as-new only between steps, with
 * the whole state — pending messages and the active run included — in `CarriedState`.
 *
 * Its class is built in layers along the lifecycle, the state held by the first: the state and what follows from it
 * (integration-record.ts), setup, attention, pause and settings (integration-setup.ts), collection runs
 * (integration-runs.ts), and here the messages and the lifecycle loop.
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

class Integration extends IntegrationRuns {
  // ── Messages (status: integration-record.ts) ──────────────────────────────────────────────────────────────

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
}

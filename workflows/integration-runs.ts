import { ParentClosePolicy, condition, log, patched, startChild, workflowInfo } from '@temporalio/workflow';
import {
  collectionRunWorkflowId,
  recheckQuotaSignal,
  stopRunSignal,
  type ActiveRun,
  type CollectionRunOutcome,
  type RunPhase,
  type RunSummary,
  type RunTrigger,
} from './definitions';
import { bookkeeping } from './activity-proxies';
import { collectionRunWorkflow } from './collection-run';
import { failureMessage } from './integration-state';
import { collectingState, type Step } from './integration-record';
import { IntegrationSetup } from './integration-setup';

type RunEnd = CollectionRunOutcome | { outcome: 'failed'; error: string };

/** Histories recorded before a run failing during a disconnect was left to it book that run as failed. */
const DISCONNECT_DURING_RUN_PATCH = 'disconnect-during-run';

const HOUR_MS = 60 * 60 * 1000;
/** After a failed initial run: 1 h, 2 h, 4 h … up to a day, besides the daily schedule. */
const MAX_INITIAL_RETRY_MS = 24 * HOUR_MS;

/**
 * Collection runs: how one comes to exist, how its child workflow is driven to its end with the entity's
 * messages passed on, and how its outcome is booked.
 */
export abstract class IntegrationRuns extends IntegrationSetup {
  /** The one way a run comes to exist, shared by Collect Now and the loop, serialised so two requests make one. */
  protected async ensureRun(trigger: RunTrigger): Promise<ActiveRun> {
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

  /** Runs the active run's child workflow to its end, passing messages on; then books the outcome. */
  protected async collect(active: ActiveRun): Promise<Step> {
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
        // A disconnect marks the integration row right after its signal, so a slice that starts before the run
        // hears its stop fails on the missing integration: the disconnect ended that run, and closes it as
        // cancelled (finishDisconnect).
        if (this.disconnectRequested && patched(DISCONNECT_DURING_RUN_PATCH)) return 'continue';
        log.warn('collection run failed', {
          integrationId: this.integrationId,
          runId: active.runId,
          error: end.error,
        });
        await this.finishRun(active, 'failed', end.error);
        return 'continue_as_new';
    }
  }

  protected async runChild(active: ActiveRun): Promise<{ end: RunEnd; stoppedForHistory: boolean }> {
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

  protected async tellChild(signal: typeof stopRunSignal | typeof recheckQuotaSignal): Promise<void> {
    try {
      await this.child?.signal(signal);
    } catch (error) {
      // The run just ended on its own; its result arrives next.
      log.info('run no longer takes signals', { error: failureMessage(error) });
    }
  }

  protected async applyPhase(active: ActiveRun, phase: RunPhase): Promise<void> {
    const { carried } = this;
    if (phase.usage) this.updateQuota(phase.usage.used, phase.usage.max, phase.usage.observedAt);
    carried.quota.pausedUntil = phase.pausedUntil;
    await this.setState(phase.phase === 'paused_for_quota' ? 'paused_for_quota' : collectingState(active));
  }

  protected async finishRun(
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
}

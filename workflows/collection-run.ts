import {
  ActivityFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  collectedObjects,
  recheckQuotaSignal,
  runPhaseSignal,
  segmentedObjects,
  stopRunSignal,
  type CollectedObject,
  type CollectionRunInput,
  type CollectionRunOutcome,
  type RunPhase,
} from './definitions';
import { bookkeeping, collectionActivities } from './activity-proxies';
import { failureMessage, setupFailure } from './integration-state';

/** However the quota timer's deadline was computed, never wake sooner than this (no hot loop). */
const MIN_QUOTA_WAIT_MS = 60_000;

type SliceResult = Awaited<ReturnType<Activities['collectObject']>>;
type QuotaPause = Extract<SliceResult, { outcome: 'quota_paused' }>;

/**
 * One collection run: every object's pass in order, through quota pauses, until done. A child of the
 * integration's entity workflow (as Airbyte's connection manager runs each sync as a child), so its events —
 * one activity per time slice, one timer per quota pause — never weigh on the entity's long-lived history. It
 * continues-as-new on its own between slices; every position lives in PostgreSQL, so nothing is carried but the
 * quota flags and which objects are done.
 */
export async function collectionRunWorkflow(input: CollectionRunInput): Promise<CollectionRunOutcome> {
  const run = new CollectionRun(input);
  setHandler(stopRunSignal, () => run.stop());
  setHandler(recheckQuotaSignal, () => run.recheckQuota());
  return run.execute();
}

class CollectionRun {
  private readonly activities = collectionActivities();
  // By workflow id only: the signal reaches the entity's current execution, whatever its continue-as-new.
  private readonly entity = getExternalWorkflowHandle(workflowInfo().parent!.workflowId);
  private stopRequested = false;
  private recheckRequested = false;
  private recheckBeforeNextPage: boolean;
  private quotaBackoff: boolean;
  private scope: CancellationScope | null = null;
  /** Quota wake-ups in this execution: names the re-check that parallel segments share. */
  private wakeUps = 0;
  private readonly completed: CollectedObject[];

  constructor(private readonly input: CollectionRunInput) {
    this.recheckBeforeNextPage = input.recheckQuota;
    this.quotaBackoff = input.quotaBackoff;
    this.completed = [...(input.completedObjects ?? [])];
  }

  stop(): void {
    this.stopRequested = true;
    this.scope?.cancel();
  }

  recheckQuota(): void {
    this.recheckRequested = true;
  }

  async execute(): Promise<CollectionRunOutcome> {
    for (const object of collectedObjects) {
      if (this.completed.includes(object)) continue;
      // Histories recorded before segments existed collect every object sequentially (README: versioning).
      const outcome =
        segmentedObjects.includes(object) && patched('parallel-segments')
          ? await this.collectSegmented(object)
          : await this.collect(object);
      if (outcome) return outcome;
    }
    if (this.stopRequested) return { outcome: 'stopped' };
    return { outcome: 'succeeded', findingsNote: await this.recomputeFindings() };
  }

  /** One object's pass, slice by slice; returns an outcome only when the run must end here. */
  private async collect(object: CollectedObject): Promise<CollectionRunOutcome | null> {
    const { integrationId, run } = this.input;
    for (;;) {
      if (this.stopRequested) return { outcome: 'stopped' };
      if (workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        // A stop that arrived meanwhile must not be lost to the next execution.
        if (this.stopRequested) return { outcome: 'stopped' };
        await this.continueAsNew();
      }
      let slice: SliceResult;
      try {
        this.scope = new CancellationScope();
        slice = await this.scope.run(() =>
          this.activities.collection.collectObject({
            integrationId,
            runId: run.runId,
            object,
            kind: run.kind,
            recheckQuota: this.recheckBeforeNextPage,
            quotaBackoff: this.quotaBackoff,
          }),
        );
      } catch (error) {
        // Once a stop was asked for, a cancelled attempt or one that died while cancelling (heartbeat timeout on
        // a dead worker) is the stop, not a failure: the cursor holds the place.
        if (this.stopRequested && (isCancellation(error) || error instanceof ActivityFailure))
          return { outcome: 'stopped' };
        const problem = setupFailure(error);
        if (problem) return { outcome: 'needs_attention', problem };
        throw error;
      } finally {
        this.scope = null;
      }
      // An object already finished (a retry, or a pass before a continue-as-new) makes no call, so it does not
      // count as the re-check: the next object that calls Salesforce does it.
      if (slice.outcome !== 'completed' || slice.apiCalls > 0) this.recheckBeforeNextPage = false;
      switch (slice.outcome) {
        case 'completed':
          this.completed.push(object);
          return null;
        case 'yielded':
          // Its time slice is over: back of the queue, so every org collecting on this fleet makes progress.
          continue;
        case 'quota_paused':
          if (slice.reason === 'run_budget') return { outcome: 'budget_spent' };
          if (slice.collectedPages > 0) this.quotaBackoff = false;
          await this.waitForQuota(slice);
      }
    }
  }

  /**
   * A long pass split into time segments collected in parallel (planSegments decides; a short pass falls back
   * to one cursor). Lanes take segments from a queue, one activity per segment slice; a segment that yields
   * goes to the back. A quota pause stops every lane at its next page (the guard is shared), then one timer
   * pauses them all; a stop, a failure or a continue-as-new lets the in-flight slices settle first (their
   * positions are saved with every page). The plan is asked again afterwards, so the pass is complete only when
   * the database says so.
   */
  private async collectSegmented(object: CollectedObject): Promise<CollectionRunOutcome | null> {
    const { integrationId, run } = this.input;
    for (;;) {
      if (this.stopRequested) return { outcome: 'stopped' };
      if (workflowInfo().continueAsNewSuggested) await this.continueAsNewWhenSafe();
      if (this.stopRequested) return { outcome: 'stopped' };
      const plan = await this.activities.collection.planSegments({
        integrationId,
        runId: run.runId,
        object,
        kind: run.kind,
      });
      if (plan.outcome === 'completed') {
        this.completed.push(object);
        return null;
      }
      if (plan.outcome === 'sequential') return this.collect(object);

      const queue = [...plan.segments];
      let pause: QuotaPause | null = null;
      let ending: CollectionRunOutcome | null = null;
      let failure: unknown = null;
      let failed = false;
      const scope = new CancellationScope();
      this.scope = scope;
      const lane = async (): Promise<void> => {
        for (;;) {
          if (this.stopRequested || failed || ending || pause) return;
          if (workflowInfo().continueAsNewSuggested) return;
          const segment = queue.shift();
          if (segment === undefined) return;
          let slice: SliceResult;
          try {
            slice = await scope.run(() =>
              this.activities.collection.collectObject({
                integrationId,
                runId: run.runId,
                object,
                kind: run.kind,
                segment,
                recheckQuota: this.recheckBeforeNextPage,
                recheckKey: `${workflowInfo().runId}:${this.wakeUps}`,
                quotaBackoff: this.quotaBackoff,
              }),
            );
          } catch (error) {
            queue.push(segment);
            if (!failed) {
              failed = true;
              failure = error;
              // The other lanes' slices stop at their next page instead of running out their time slice.
              scope.cancel();
            }
            return;
          }
          if (slice.outcome !== 'completed' || slice.apiCalls > 0) this.recheckBeforeNextPage = false;
          switch (slice.outcome) {
            case 'completed':
              continue;
            case 'yielded':
              queue.push(segment);
              continue;
            case 'quota_paused':
              queue.push(segment);
              if (slice.reason === 'run_budget') ending = { outcome: 'budget_spent' };
              else {
                if (slice.collectedPages > 0) this.quotaBackoff = false;
                pause ??= slice;
              }
              return;
          }
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(plan.parallel, queue.length) }, lane));
      } finally {
        this.scope = null;
      }
      if (failed) {
        if (this.stopRequested && (isCancellation(failure) || failure instanceof ActivityFailure))
          return { outcome: 'stopped' };
        const problem = setupFailure(failure);
        if (problem) return { outcome: 'needs_attention', problem };
        throw failure;
      }
      if (this.stopRequested) return { outcome: 'stopped' };
      if (ending) return ending;
      if (pause) await this.waitForQuota(pause);
      // Otherwise every segment completed, or a continue-as-new is due: plan again (it is idempotent).
    }
  }

  /** Continue-as-new once every handler finished; a stop that arrived meanwhile is kept, not carried. */
  private async continueAsNewWhenSafe(): Promise<void> {
    await condition(allHandlersFinished);
    if (this.stopRequested) return;
    await this.continueAsNew();
  }

  /** A durable timer until the next day (or the back-off), woken early by a re-check or a stop. */
  private async waitForQuota(pause: QuotaPause): Promise<void> {
    const { run } = this.input;
    await bookkeeping.recordRunPause({
      runId: run.runId,
      reason: pause.reason,
      detail: `API usage ${pause.used}/${pause.max} (threshold ${pause.thresholdPercent}%), run used ${pause.runApiCalls} calls`,
      resumeAt: pause.resumeAt,
    });
    const usage = pause.max > 0 ? { used: pause.used, max: pause.max, observedAt: pause.observedAt } : null;
    await this.tellEntity({
      runId: run.runId,
      phase: 'paused_for_quota',
      pausedUntil: pause.resumeAt,
      usage,
    });
    this.recheckRequested = false;
    // Date.now() in a workflow is the deterministic workflow clock (the sandbox replaces it), so replay agrees.
    const wait = Math.max(MIN_QUOTA_WAIT_MS, Date.parse(pause.resumeAt) - Date.now());
    const woken = await condition(() => this.recheckRequested || this.stopRequested, wait);
    // The timer fired: the day turned, but the rolling 24-hour window may still be over the threshold.
    if (!woken) this.quotaBackoff = true;
    this.recheckRequested = false;
    this.recheckBeforeNextPage = true;
    this.wakeUps += 1;
    await bookkeeping.recordRunResumed({ runId: run.runId });
    await this.tellEntity({ runId: run.runId, phase: 'collecting', pausedUntil: null, usage: null });
  }

  private async tellEntity(phase: RunPhase): Promise<void> {
    try {
      await this.entity.signal(runPhaseSignal, phase);
    } catch (error) {
      // The entity is closing (disconnect, purge): it stops this run next; the phase is only for display.
      log.warn('could not tell the integration workflow about the run phase', {
        error: failureMessage(error),
      });
    }
  }

  /** Findings over the new logins; a failing recompute is reported on the run, never holds it open. */
  private async recomputeFindings(): Promise<string | null> {
    const { integrationId, run } = this.input;
    try {
      await this.activities.insights.recomputeFindings({
        integrationId,
        runId: run.runId,
        since: run.findingsSince,
      });
      await bookkeeping.markFindingsComputed({ integrationId });
      return null;
    } catch (error) {
      if (isCancellation(error)) throw error;
      log.warn('findings recompute failed', {
        integrationId,
        runId: run.runId,
        error: failureMessage(error),
      });
      return `Collected, but findings were not recomputed: ${failureMessage(error)}. The next run retries them.`;
    }
  }

  /** Only between slices, where nothing is in flight; the quota flags are all there is to carry. */
  private continueAsNew(): Promise<never> {
    return continueAsNew<typeof collectionRunWorkflow>({
      ...this.input,
      recheckQuota: this.recheckBeforeNextPage || this.recheckRequested,
      quotaBackoff: this.quotaBackoff,
      completedObjects: this.completed,
    });
  }
}

import {
  ActivityFailure,
  ApplicationFailure,
  patched,
  upsertSearchAttributes,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import type {
  ActiveRun,
  CarriedState,
  IntegrationState,
  IntegrationStatus,
  IntegrationWorkflowInput,
  RunPhase,
} from './definitions';
import { recordIntegrationState, recordIntegrationStatus } from './activity-proxies';
import type { collectionRunWorkflow } from './collection-run';
import { emptyState } from './integration-state';
import { IntegrationIdAttribute, IntegrationStateAttribute, TenantIdAttribute } from './search-attributes';

/** What one turn of the lifecycle leads to. */
export type Step = 'continue' | 'continue_as_new';

/** Histories recorded before the status mirror existed replay without its local activities. */
const STATUS_MIRROR_PATCH = 'status-mirror';

/**
 * The integration entity's state, the one place it is held (the layers above, integration-setup.ts,
 * integration-runs.ts and integration.ts, add behaviour, no state), and what follows from it: the state the facts
 * imply, the status answer, and how a change of state reaches the search attribute and PostgreSQL.
 */
export abstract class IntegrationRecord {
  protected readonly integrationId: string;
  protected readonly carried: CarriedState;
  protected disconnectRequested = false;
  protected startingRun: Promise<ActiveRun> | null = null;
  protected child: ChildWorkflowHandle<typeof collectionRunWorkflow> | null = null;
  protected phases: RunPhase[] = [];
  protected failedSteps = 0;
  protected loaded = false;
  /** The status last written to PostgreSQL (JSON) and how many writes this execution made. */
  private mirrored: string | null = null;
  private mirrorWrites = 0;

  constructor(protected readonly input: IntegrationWorkflowInput) {
    this.integrationId = input.integrationId;
    this.carried = { ...emptyState(), ...input.carried };
  }

  /** The status query's answer, and what mirrorStatus writes to PostgreSQL. */
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

  protected restingState(): IntegrationState {
    return this.carried.initialCollectionDone ? 'idle' : 'connected';
  }

  /** Where the integration goes back to once an attention problem is fixed. */
  protected stateWithoutAttention(): IntegrationState {
    return this.carried.activeRun ? collectingState(this.carried.activeRun) : this.restingState();
  }

  /** The state the facts imply, outside a user pause and a quota pause. */
  protected naturalState(): IntegrationState {
    const { carried } = this;
    if (!carried.connected) return 'awaiting_test';
    if (carried.attention) return 'needs_attention';
    if (carried.activeRun) return collectingState(carried.activeRun);
    return this.restingState();
  }

  protected async setState(next: IntegrationState): Promise<void> {
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
  protected async mirrorStatus(): Promise<void> {
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

  protected updateQuota(used: number, max: number, observedAt: string): void {
    const { quota } = this.carried;
    // Unknown usage stays unknown rather than showing as 0 of 0.
    if (max <= 0) return;
    quota.used = used;
    quota.max = max;
    // Two decimals, as Test Connectivity reports it, so both views of the same figure agree.
    quota.usagePercent = Math.round((used / max) * 10_000) / 100;
    quota.observedAt = observedAt;
  }

  protected retryDue(): boolean {
    return this.carried.retryAt !== null && Date.parse(this.carried.retryAt) <= Date.now();
  }

  protected identityAttributes(): SearchAttributePair[] {
    const attributes = workflowInfo().typedSearchAttributes;
    return [IntegrationIdAttribute, TenantIdAttribute].flatMap((key) => {
      const value = attributes.get(key);
      return value === undefined ? [] : [{ key, value } as SearchAttributePair];
    });
  }
}

export function collectingState(run: ActiveRun): IntegrationState {
  return run.kind === 'initial' ? 'initial_collection' : 'incremental_collection';
}

/** The integration row is gone (purged): there is nothing left to run for. */
export function integrationGone(error: unknown): boolean {
  return (
    error instanceof ActivityFailure &&
    error.cause instanceof ApplicationFailure &&
    error.cause.type === 'IntegrationNotFound'
  );
}

import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/**
 * The integration workflow's contract, imported by the workflow and by every client (API, reconciler,
 * schedule trigger). Nothing here carries a secret: credentials are read by activities from PostgreSQL.
 */

export type IntegrationState =
  | 'awaiting_test'
  | 'connected'
  | 'initial_collection'
  | 'idle'
  | 'incremental_collection'
  | 'paused_by_user'
  | 'paused_for_quota'
  | 'needs_attention'
  | 'disconnected';

export const collectedObjects = [
  'UserLicense',
  'PermissionSet',
  'User',
  'UserLogin',
  'PermissionSetAssignment',
  'LoginHistory',
] as const;
export type CollectedObject = (typeof collectedObjects)[number];

/**
 * Objects whose long passes may be split into time segments collected in parallel (collection_segments): the
 * only one that reaches millions of rows. Small and full re-read objects keep one cursor.
 */
export const segmentedObjects: readonly CollectedObject[] = ['LoginHistory'];

export type RunKind = 'initial' | 'incremental';
export type RunTrigger = 'collect_now' | 'schedule';

export interface ObjectProgress {
  pages: number;
  records: number;
  /** Where the pass stands, e.g. "LoginTime 2026-05-01T10:00:00Z / 0Ya…" (no record contents). */
  cursor: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface QuotaStatus {
  used: number | null;
  max: number | null;
  usagePercent: number | null;
  thresholdPercent: number;
  pausedUntil: string | null;
  observedAt: string | null;
}

/** Every status a collection run row can hold (collection_runs.status); the last four are outcomes. */
export const runStatuses = ['running', 'paused', 'succeeded', 'partial', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof runStatuses)[number];
/** How a run ended: every status but the two of an active run. */
export const runOutcomeStatuses = [
  'succeeded',
  'partial',
  'failed',
  'cancelled',
] as const satisfies readonly RunStatus[];
export type RunOutcomeStatus = (typeof runOutcomeStatuses)[number];

export interface RunSummary {
  runId: string;
  kind: RunKind;
  status: RunOutcomeStatus;
  startedAt: string;
  finishedAt: string;
  apiCalls: number;
  records: Partial<Record<CollectedObject, number>>;
  error: string | null;
}

export interface AttentionReason {
  code: string;
  message: string;
  /** The Salesforce setup step the admin must fix. */
  fix: string;
}

export interface IntegrationStatus {
  integrationId: string;
  state: IntegrationState;
  /** The state to return to after a user pause or an attention problem is cleared. */
  resumeState: IntegrationState | null;
  initialCollectionDone: boolean;
  /**
   * The active run, if any. Its per-object progress lives in PostgreSQL (collection_runs.progress, written with
   * every page); the API reads it from there so progress never grows workflow history.
   */
  currentRun: {
    runId: string;
    kind: RunKind;
    trigger: RunTrigger;
    startedAt: string;
  } | null;
  quota: QuotaStatus;
  lastRun: RunSummary | null;
  attention: AttentionReason | null;
  /** When a failed initial collection is retried automatically (null: no retry pending). */
  retryAt: string | null;
  continuedAsNewCount: number;
}

/** One requirement Test Connectivity checks; `skipped` when an earlier failure made it impossible to check. */
// A type alias, not an interface: it is stored as JSON (sql.json needs an index signature).
export type ConnectivityCheck = {
  name: string;
  title: string;
  status: 'pass' | 'fail' | 'skipped';
  detail?: string;
  /** On failure: the Salesforce setup step that fixes it. */
  fix?: string;
};

export type ConnectivityResult =
  | {
      ok: true;
      message: 'Connected!';
      edition: string;
      orgId: string;
      apiUsage: { used: number; max: number; percent: number };
      /** Absent in results recorded before the checklist existed. */
      checks?: ConnectivityCheck[];
      checkedAt: string;
    }
  | {
      ok: false;
      code: string;
      message: string;
      fix: string;
      checks?: ConnectivityCheck[];
      checkedAt: string;
    };

export interface CollectionRequestResult {
  runId: string;
  /** False when a run was already active and is returned instead of starting another. */
  started: boolean;
  kind: RunKind;
}

export const collectNowSignal = defineSignal<[{ trigger: RunTrigger }]>('collectNow');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const credentialsUpdatedSignal = defineSignal('credentialsUpdated');
/** Options or display name changed: the workflow re-reads them and brings its schedule and search attributes in line. */
export const settingsUpdatedSignal = defineSignal('settingsUpdated');
export const disconnectSignal = defineSignal('disconnect');

/** Sent by the reconciler with signal-with-start; it only makes sure the workflow exists. */
export const reconcileSignal = defineSignal('reconcile');

export const statusQuery = defineQuery<IntegrationStatus>('status');

/** Synchronous Test Connectivity for the API: runs the checks and answers with the result. */
export const testConnectivityUpdate = defineUpdate<ConnectivityResult>('testConnectivity');
/** Collect Now for the API: answers with the run that was started, or the one already active. */
export const requestCollectionUpdate = defineUpdate<CollectionRequestResult>('requestCollection');

export interface IntegrationWorkflowInput {
  integrationId: string;
  /** State carried across continue-as-new; absent on the very first start. */
  carried?: CarriedState;
}

/**
 * The integration's unfinished run. It outlives any one child workflow (a user pause, an attention problem or a
 * continue-as-new stops the child; the next one resumes from the cursors saved in PostgreSQL).
 */
export interface ActiveRun {
  runId: string;
  kind: RunKind;
  trigger: RunTrigger;
  startedAt: string;
  /** LoginHistory rows from here on are new to this run; findings are recomputed over them (null: all). */
  findingsSince: string | null;
  /** Child workflows started for this run so far (each gets its own id: `…-run-<runId>-<n>`). */
  children: number;
}

/** The entity workflow's whole state: one object, carried as is across continue-as-new. */
export interface CarriedState {
  state: IntegrationState;
  resumeState: IntegrationState | null;
  initialCollectionDone: boolean;
  lastRun: RunSummary | null;
  attention: AttentionReason | null;
  /** One remembered trigger (Collect Now or the schedule) not yet served; a trigger during a run waits here. */
  pendingCollection: RunTrigger | null;
  continuedAsNewCount: number;
  quota: QuotaStatus;
  userPaused: boolean;
  /** Test Connectivity has passed once: collection may start. */
  connected: boolean;
  activeRun: ActiveRun | null;
  /** Messages that arrived and are not acted on yet: carried, so a continue-as-new never drops one. */
  settingsChanged: boolean;
  credentialsChanged: boolean;
  recheckQuota: boolean;
  /** A failed initial run is retried at this time (ISO), besides the daily schedule. */
  retryAt: string | null;
  /** Consecutive failed initial runs, for the retry back-off. */
  failedInitialRuns: number;
}

/** One collection run's worker: a child workflow, so each run's events stay out of the entity's history. */
export interface CollectionRunInput {
  integrationId: string;
  run: ActiveRun;
  /** Ask /limits before the first page (after a pause, a resume or a Collect Now while paused). */
  recheckQuota: boolean;
  /**
   * The last quota timer fired and usage may still be over the threshold: Salesforce's window is rolling, so the
   * next re-check comes on a short back-off rather than another whole day later.
   */
  quotaBackoff: boolean;
  /** Objects whose pass this run already finished (carried across the run workflow's continue-as-new). */
  completedObjects?: CollectedObject[];
}

export type CollectionRunOutcome =
  | { outcome: 'succeeded'; findingsNote: string | null }
  | { outcome: 'budget_spent' }
  | { outcome: 'needs_attention'; problem: AttentionReason }
  /** The entity asked it to stop (user pause, disconnect, its own continue-as-new); the cursors keep the place. */
  | { outcome: 'stopped' };

/** What the run tells the entity (a few events a day): collecting, or paused for quota until a time. */
export interface RunPhase {
  runId: string;
  phase: 'collecting' | 'paused_for_quota';
  pausedUntil: string | null;
  usage: { used: number; max: number; observedAt: string } | null;
}
export const runPhaseSignal = defineSignal<[RunPhase]>('runPhase');
/** Entity → run: stop at the next safe point (the activity is cancelled; its cursor is saved per page). */
export const stopRunSignal = defineSignal('stopRun');
/** Entity → run: look at the quota again now (a settings change, Resume or Collect Now during a quota pause). */
export const recheckQuotaSignal = defineSignal('recheckQuota');

export function collectionRunWorkflowId(integrationId: string, runId: string): string {
  return `integration-${integrationId}-run-${runId}`;
}

/**
 * Bulk collection activities run on their own task queue, so hours of paging never take the slots that Test
 * Connectivity and run bookkeeping need (https://docs.temporal.io/develop/worker-performance).
 */
export function collectionTaskQueue(taskQueue: string): string {
  return `${taskQueue}-collection`;
}

export const workflowTypes = {
  integration: 'integrationWorkflow',
  collectionRun: 'collectionRunWorkflow',
  scheduledCollection: 'scheduledCollectionWorkflow',
  reconciler: 'reconcilerWorkflow',
  purge: 'purgeIntegrationWorkflow',
} as const;

/** One purge per integration: a repeated purge request or the reconciler joins the running one. */
export function purgeWorkflowId(integrationId: string): string {
  return `purge-${integrationId}`;
}

export function integrationWorkflowId(integrationId: string): string {
  return `integration-${integrationId}`;
}

export function dailyScheduleId(integrationId: string): string {
  return `integration-${integrationId}-daily`;
}

/**
 * The task-queue priority an integration workflow is started with: its tenant as fairness key. Its activities,
 * its collection runs (child workflows) and their slices inherit it, and continue-as-new keeps it, so when the
 * collection queue has a backlog Temporal dispatches slices round-robin across tenants instead of first come,
 * first served: a tenant with many orgs collecting at once cannot hold every worker slot while another tenant's
 * single org waits (https://docs.temporal.io/develop/task-queue-priority-fairness; the server needs
 * `matching.enableFairness`, see README).
 */
export function tenantFairness(tenantId: string): { fairnessKey: string } {
  return { fairnessKey: `tenant:${tenantId}`.slice(0, 64) };
}

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

export interface RunSummary {
  runId: string;
  kind: RunKind;
  status: 'succeeded' | 'partial' | 'failed' | 'cancelled';
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
  currentRun: {
    runId: string;
    kind: RunKind;
    trigger: RunTrigger;
    startedAt: string;
    currentObject: CollectedObject | null;
    objects: Partial<Record<CollectedObject, ObjectProgress>>;
    apiCalls: number;
  } | null;
  quota: QuotaStatus;
  lastRun: RunSummary | null;
  attention: AttentionReason | null;
  continuedAsNewCount: number;
}

export type ConnectivityResult =
  | {
      ok: true;
      message: 'Connected!';
      edition: string;
      orgId: string;
      apiUsage: { used: number; max: number; percent: number };
      checkedAt: string;
    }
  | {
      ok: false;
      code: string;
      message: string;
      fix: string;
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

/** Sent by a collecting activity at most every 30 s so the status query shows live progress. */
export interface CollectionProgress {
  runId: string;
  object: CollectedObject;
  pages: number;
  records: number;
  cursor: string | null;
  apiCalls: number;
}
export const collectionProgressSignal = defineSignal<[CollectionProgress]>('collectionProgress');
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

/** A run interrupted by continue-as-new; the next execution finishes it. */
export interface ActiveRun {
  runId: string;
  kind: RunKind;
  trigger: RunTrigger;
  startedAt: string;
  completedObjects: CollectedObject[];
  objects: Partial<Record<CollectedObject, ObjectProgress>>;
  apiCalls: number;
  /** LoginHistory rows from here on are new to this run; findings are recomputed over them (null: all). */
  findingsSince: string | null;
}

export interface CarriedState {
  state: IntegrationState;
  resumeState: IntegrationState | null;
  initialCollectionDone: boolean;
  lastRun: RunSummary | null;
  attention: AttentionReason | null;
  pendingCollection: RunTrigger | null;
  continuedAsNewCount: number;
  quota: QuotaStatus;
  userPaused: boolean;
  activeRun: ActiveRun | null;
}

export function integrationWorkflowId(integrationId: string): string {
  return `integration-${integrationId}`;
}

export function dailyScheduleId(integrationId: string): string {
  return `integration-${integrationId}-daily`;
}

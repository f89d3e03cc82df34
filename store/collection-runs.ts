import type { Queryable } from '../platform/database';
import type {
  CollectedObject,
  ObjectProgress,
  RunKind,
  RunStatus,
  RunTrigger,
} from '../workflows/definitions';

/**
 * One row of `collection_runs` (migrations 00001, 00004), the only description of that table in TypeScript:
 * readers select the columns they need and type them as `Pick<CollectionRunRow, …>`. The status check
 * constraint lists exactly `runStatuses` (workflows/definitions.ts).
 */
export interface CollectionRunRow {
  id: string;
  integration_id: string;
  kind: RunKind;
  trigger: RunTrigger;
  status: RunStatus;
  started_at: Date;
  finished_at: Date | null;
  /** Salesforce calls of every attempt and segment of the run, added with each page. */
  api_calls: number;
  /** Per object, written with each page in the page's transaction; older rows may lack fields. */
  progress: Partial<Record<CollectedObject, Partial<ObjectProgress>>>;
  /** Each quota or budget pause, appended by recordRunPause and stamped by recordRunResumed. */
  pauses: StoredRunPause[];
  error: string | null;
  workflow_id: string;
}

/** A pause as recordRunPause writes it; rows written before `detail` existed carry usage, max and threshold. */
export interface StoredRunPause {
  reason: string;
  detail?: string;
  usage?: number | null;
  max?: number | null;
  threshold?: number | null;
  at: string;
  resumeAt: string | null;
  resumedAt: string | null;
}

/** The columns a run's outcome is summarised from (activities/runs.ts toRunSummary). */
export const runSummaryColumns = [
  'id',
  'kind',
  'status',
  'started_at',
  'finished_at',
  'api_calls',
  'progress',
  'error',
] as const satisfies readonly (keyof CollectionRunRow)[];

export type RunSummaryRow = Pick<CollectionRunRow, (typeof runSummaryColumns)[number]>;

/** The columns a run resource shows (api/resource-mappers.ts toRun): all but the workflow id. */
export const runResourceColumns = [
  ...runSummaryColumns,
  'integration_id',
  'trigger',
  'pauses',
] as const satisfies readonly (keyof CollectionRunRow)[];

export type CollectionRunResourceRow = Pick<CollectionRunRow, (typeof runResourceColumns)[number]>;

/**
 * Closes the active runs of one integration (or one run) as failed because the workflow that ran them is gone:
 * a fresh workflow closes its predecessor's (recoverOrphanedRuns), the reconciler those whose workflow is not
 * running. Their cursors stay, so the next run resumes the work. Returns how many were closed.
 */
export async function closeOrphanedRuns(
  sql: Queryable,
  which: { integrationId: string } | { runId: string },
  finishedAt: Date,
): Promise<number> {
  const closed = await sql`
    update collection_runs
    set status = 'failed', finished_at = ${finishedAt},
        error = 'The workflow running this collection ended unexpectedly; the next run resumes from the saved cursors.'
    where ${'runId' in which ? sql`id = ${which.runId}` : sql`integration_id = ${which.integrationId}`}
      and status in ('running', 'paused')`;
  return closed.count;
}

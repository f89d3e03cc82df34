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

/** The columns a run resource shows (api/resource-mappers.ts toRun): all but the workflow id. */
export const runResourceColumns = [
  'id',
  'integration_id',
  'kind',
  'trigger',
  'status',
  'started_at',
  'finished_at',
  'api_calls',
  'progress',
  'pauses',
  'error',
] as const satisfies readonly (keyof CollectionRunRow)[];

export type CollectionRunResourceRow = Pick<CollectionRunRow, (typeof runResourceColumns)[number]>;

import type postgres from 'postgres';
import { z } from 'zod';
import type { Sql } from '../../platform/database';
import type { CollectedObject, ObjectProgress } from '../../workflows/definitions';
import type { SqlHandle } from './objects';

/**
 * Where a pass stands (collection_cursors.position). The database is the source of truth for resuming after a
 * crash, a retry or a quota pause; heartbeat details only carry the small fallback copy.
 */
export const positionSchema = z.object({
  /** Salesforce query locator of the next page; null means "re-query from the keyset". */
  nextRecordsUrl: z.string().nullable(),
  /** Keyset of the last row written (or the pass's lower bound before the first page). */
  lastAt: z.string().nullable(),
  lastId: z.string().nullable(),
  pages: z.number().int().nonnegative(),
  records: z.number().int().nonnegative(),
  /** The pass's lower bound (ISO) for incremental/windowed objects; null for a full read. */
  windowStart: z.string().nullable(),
  /** Exclusive upper bound (ISO) of a segment of a pass collected in parallel; absent or null: open-ended. */
  windowEnd: z.string().nullable().optional(),
  startedAt: z.string(),
});
export type Position = z.infer<typeof positionSchema>;

export interface CursorRow {
  watermarkAt: string | null;
  watermarkId: string | null;
  runId: string | null;
  position: Position | null;
}

export async function loadCursor(
  sql: Sql,
  integrationId: string,
  object: CollectedObject,
): Promise<CursorRow | null> {
  const [row] = await sql<
    { watermark_at: Date | null; watermark_id: string | null; run_id: string | null; position: unknown }[]
  >`
    select watermark_at, watermark_id, run_id, position
    from collection_cursors where integration_id = ${integrationId} and object = ${object}`;
  if (!row) return null;
  const position = positionSchema.safeParse(row.position);
  return {
    watermarkAt: row.watermark_at?.toISOString() ?? null,
    watermarkId: row.watermark_id,
    runId: row.run_id,
    position: position.success ? position.data : null,
  };
}

export async function savePosition(
  sql: SqlHandle,
  integrationId: string,
  object: CollectedObject,
  runId: string,
  position: Position,
): Promise<void> {
  await sql`
    insert into collection_cursors (integration_id, object, run_id, position, updated_at)
    values (${integrationId}, ${object}, ${runId}, ${sql.json(position)}, now())
    on conflict (integration_id, object) do update
    set run_id = excluded.run_id, position = excluded.position, updated_at = excluded.updated_at`;
}

/** Ends a pass: the watermark moves (only forward) and the position is cleared, in the caller's transaction. */
export async function completePass(
  sql: SqlHandle,
  integrationId: string,
  object: CollectedObject,
  runId: string,
  watermark: { at: string; id: string } | null,
): Promise<void> {
  await sql`
    insert into collection_cursors (integration_id, object, watermark_at, watermark_id, run_id, position, updated_at)
    values (${integrationId}, ${object}, ${watermark?.at ?? null}, ${watermark?.id ?? null}, ${runId}, null, now())
    on conflict (integration_id, object) do update
    set watermark_at = coalesce(excluded.watermark_at, collection_cursors.watermark_at),
        watermark_id = case when excluded.watermark_at is null then collection_cursors.watermark_id else excluded.watermark_id end,
        run_id = excluded.run_id, position = null, updated_at = excluded.updated_at`;
}

export interface RunRow {
  apiCalls: number;
  progress: Partial<Record<CollectedObject, ObjectProgress>>;
}

export async function loadRun(sql: Sql, runId: string, integrationId: string): Promise<RunRow | null> {
  const [row] = await sql<
    { api_calls: number; progress: Partial<Record<CollectedObject, ObjectProgress>> }[]
  >`
    select api_calls, progress from collection_runs where id = ${runId} and integration_id = ${integrationId}`;
  return row ? { apiCalls: row.api_calls, progress: row.progress ?? {} } : null;
}

/**
 * Adds this attempt's not-yet-recorded Salesforce calls to the run and sets the object's progress; returns the
 * run's calls so far (every attempt and parallel segment included), which the run budget is judged on.
 */
export async function recordRunProgress(
  sql: SqlHandle,
  runId: string,
  object: CollectedObject,
  progress: ObjectProgress,
  newCalls: number,
): Promise<number> {
  const [row] = await sql<{ api_calls: number }[]>`
    update collection_runs
    set api_calls = api_calls + ${newCalls},
        progress = progress || ${sql.json({ [object]: { ...progress } } as postgres.JSONValue)}
    where id = ${runId}
    returning api_calls`;
  return row?.api_calls ?? 0;
}

export async function recordRunCalls(sql: SqlHandle, runId: string, newCalls: number): Promise<void> {
  // Negative: bookings made against the run budget and never spent are given back (run-budget.ts).
  if (newCalls === 0) return;
  await sql`update collection_runs set api_calls = api_calls + ${newCalls} where id = ${runId}`;
}

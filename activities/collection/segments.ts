import { ApplicationFailure } from '@temporalio/common';
import type { Sql } from '../../platform/database';
import type { CollectedObject, ObjectProgress, RunKind } from '../../workflows/definitions';
import type { ActivityDependencies } from '../dependencies';
import { loadIntegration } from '../integration-repository';
import { loadCursor, loadRun, positionSchema, type Position } from './cursor-store';
import { objectSpecs, type SqlHandle } from './objects';
import { startingPosition } from './pass-start';

/**
 * A long keyset pass (LoginHistory's six months) is split into LoginTime segments collected at the same time,
 * one activity each: at ~1 s per Salesforce page one cursor is latency-bound, N cursors are N times faster.
 * Each segment keeps its own keyset position in `collection_segments`, written in the same transaction as its
 * rows, so every segment resumes exactly after its last page; rows are inserted once (ON CONFLICT on the
 * Salesforce Id), and segments are disjoint anyway ([lower, next lower)).
 *
 * Salesforce bounds that make this safe (Salesforce Developer Limits and Allocations Quick Reference,
 * https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm):
 * since API v56.0 query cursors last two days with no per-user cap on open cursors (before: 10 per user), and
 * an org may run 25 long-running (20 s or more) requests at once (5 in Developer Edition and trials). A page is
 * far below 20 s, and `parallelSegments` (at most 25) bounds the cursors open at once.
 */

/** A segment shorter than this is not worth a cursor of its own (a daily incremental pass stays sequential). */
export const MIN_SEGMENT_MS = 24 * 60 * 60 * 1000;
/**
 * Where the split starts when the pass has no lower bound (the whole history): Salesforce shows six months of
 * login history; anything older lands in the first segment, which has no lower bound.
 */
export const ASSUMED_HISTORY_MS = 183 * 24 * 60 * 60 * 1000;

export interface PlanSegmentsInput {
  integrationId: string;
  runId: string;
  object: CollectedObject;
  kind: RunKind;
}

export type PlanSegmentsResult =
  /** The pass already completed in this run. */
  | { outcome: 'completed' }
  /** Too short to split: one cursor, as collectObject without a segment. */
  | { outcome: 'sequential' }
  /** Collect these (unfinished) segments, at most `parallel` at once. */
  | { outcome: 'segmented'; segments: number[]; parallel: number };

/**
 * Splits the object's pass into segments, once per pass: an existing plan (this run's after a restart or a
 * continue-as-new, or an unfinished pass of an earlier run, whose rows stay valid) is adopted as it is. A pass
 * that already started sequentially (an older release, or a pass that was too short) keeps its progress: its
 * first segment starts at the saved keyset position.
 */
export async function planSegments(
  deps: ActivityDependencies,
  input: PlanSegmentsInput,
): Promise<PlanSegmentsResult> {
  const { integrationId, runId, object } = input;
  const spec = objectSpecs[object];
  const { options } = await loadIntegration(deps, integrationId);
  const run = await loadRun(deps.sql, runId, integrationId);
  if (!run)
    throw ApplicationFailure.nonRetryable(`Collection run ${runId} does not exist`, 'CollectionRunNotFound');
  if (run.progress[object]?.finishedAt) return { outcome: 'completed' };
  const parallel = options.parallelSegments;

  return deps.sql.begin(async (tx) => {
    // Serialises planners of one object (a retried attempt racing a slow one), via the cursor row.
    await tx`
      insert into collection_cursors (integration_id, object, run_id)
      values (${integrationId}, ${object}, ${runId})
      on conflict (integration_id, object) do nothing`;
    await tx`
      select 1 from collection_cursors where integration_id = ${integrationId} and object = ${object} for update`;
    const existing = await tx<{ segment: number; finished: boolean }[]>`
      update collection_segments set run_id = ${runId}
      where integration_id = ${integrationId} and object = ${object}
      returning segment, finished_at is not null as finished`;
    if (existing.length > 0) {
      const segments = existing
        .filter((s) => !s.finished)
        .map((s) => s.segment)
        .sort((a, b) => a - b);
      return { outcome: 'segmented', segments, parallel };
    }
    if (!spec.keyset || parallel < 2) return { outcome: 'sequential' };

    const now = deps.now();
    const cursor = await loadCursor(tx as unknown as Sql, integrationId, object);
    const { position } = startingPosition({
      spec,
      cursor,
      runId,
      kind: input.kind,
      options,
      now,
      heartbeatDetails: undefined,
    });
    const from = position.lastAt ? Date.parse(position.lastAt) : now.getTime() - ASSUMED_HISTORY_MS;
    const count = Math.min(parallel, Math.floor((now.getTime() - from) / MIN_SEGMENT_MS));
    if (count < 2) return { outcome: 'sequential' };

    const step = (now.getTime() - from) / count;
    const bound = (i: number) => new Date(Math.round(from + i * step)).toISOString();
    const positions: Position[] = [];
    for (let i = 0; i < count; i++) {
      const windowEnd = i === count - 1 ? null : bound(i + 1);
      positions.push(
        i === 0
          ? // A sequential position's locator runs past the segment's end: re-query from its keyset instead.
            { ...position, nextRecordsUrl: null, windowEnd }
          : {
              nextRecordsUrl: null,
              lastAt: bound(i),
              lastId: null,
              pages: 0,
              records: 0,
              windowStart: bound(i),
              windowEnd,
              startedAt: now.toISOString(),
            },
      );
    }
    for (const [segment, p] of positions.entries()) {
      await tx`
        insert into collection_segments (integration_id, object, segment, run_id, position)
        values (${integrationId}, ${object}, ${segment}, ${runId}, ${tx.json(p)})`;
    }
    // The segments hold the pass's place now; the cursor row keeps only the watermark.
    await tx`
      update collection_cursors set run_id = ${runId}, position = null, updated_at = now()
      where integration_id = ${integrationId} and object = ${object}`;
    return { outcome: 'segmented', segments: positions.map((_, i) => i), parallel };
  });
}

export interface SegmentRow {
  position: Position;
  finished: boolean;
}

export async function loadSegment(
  sql: Sql,
  integrationId: string,
  object: CollectedObject,
  segment: number,
): Promise<SegmentRow | null> {
  const [row] = await sql<{ position: unknown; finished: boolean }[]>`
    select position, finished_at is not null as finished from collection_segments
    where integration_id = ${integrationId} and object = ${object} and segment = ${segment}`;
  if (!row) return null;
  return { position: positionSchema.parse(row.position), finished: row.finished };
}

export async function saveSegment(
  sql: SqlHandle,
  integrationId: string,
  object: CollectedObject,
  segment: number,
  position: Position,
  finished: boolean,
): Promise<void> {
  await sql`
    update collection_segments
    set position = ${sql.json(position)}, finished_at = ${finished ? sql`now()` : null}
    where integration_id = ${integrationId} and object = ${object} and segment = ${segment}`;
}

/**
 * After a segment's last page, in its transaction: whether every segment of the pass has finished. The cursor
 * row is locked first, so of two segments finishing at once exactly one sees the other's commit and completes
 * the pass (READ COMMITTED takes a fresh snapshot per statement, after the lock was granted).
 */
export async function allSegmentsFinished(
  sql: SqlHandle,
  integrationId: string,
  object: CollectedObject,
): Promise<{ done: boolean; watermark: { at: string; id: string } | null }> {
  await sql`
    select 1 from collection_cursors where integration_id = ${integrationId} and object = ${object} for update`;
  const [left] = await sql<{ n: number }[]>`
    select count(*)::int as n from collection_segments
    where integration_id = ${integrationId} and object = ${object} and finished_at is null`;
  if (left!.n > 0) return { done: false, watermark: null };
  // The pass's highest (timestamp, Id) over every segment that wrote a row.
  const [top] = await sql<{ at: string; id: string }[]>`
    select position->>'lastAt' as at, position->>'lastId' as id from collection_segments
    where integration_id = ${integrationId} and object = ${object}
      and (position->>'records')::int > 0 and position->>'lastId' is not null
    order by (position->>'lastAt')::timestamptz desc, position->>'lastId' desc
    limit 1`;
  return { done: true, watermark: top ? { at: new Date(top.at).toISOString(), id: top.id } : null };
}

/** Ends a segmented pass, after its progress was recorded. */
export async function dropSegments(sql: SqlHandle, integrationId: string, object: CollectedObject) {
  await sql`delete from collection_segments where integration_id = ${integrationId} and object = ${object}`;
}

/** The object's progress over all its segments, for the run's progress (what the API shows). */
export async function segmentedProgress(
  sql: SqlHandle,
  integrationId: string,
  object: CollectedObject,
  finishedAt: string | null,
  fallback: ObjectProgress,
): Promise<ObjectProgress> {
  const [row] = await sql<
    { total: number; finished: number; pages: number; records: number; started: string | null }[]
  >`
    select count(*)::int as total, count(finished_at)::int as finished,
      coalesce(sum((position->>'pages')::int), 0)::int as pages,
      coalesce(sum((position->>'records')::int), 0)::int as records,
      min(position->>'startedAt') as started
    from collection_segments where integration_id = ${integrationId} and object = ${object}`;
  if (!row || row.total === 0) return { ...fallback, finishedAt };
  return {
    pages: row.pages,
    records: row.records,
    cursor: `${row.finished} of ${row.total} segments done`,
    startedAt: row.started,
    finishedAt,
  };
}

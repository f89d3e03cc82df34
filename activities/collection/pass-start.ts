import { z } from 'zod';
import type { IntegrationOptions } from '../../platform/integration-options';
import type { RunKind } from '../../workflows/definitions';
import type { CursorRow, Position } from './cursor-store';
import type { ObjectSpec } from './objects';

const heartbeatSchema = z.object({
  pages: z.number().int().nonnegative(),
  records: z.number().int().nonnegative(),
  lastAt: z.string().nullable(),
  lastId: z.string().nullable(),
});
export type CollectionHeartbeat = z.infer<typeof heartbeatSchema>;

/**
 * Where this attempt starts. In order: the saved position of a pass in progress (this run's, or for keyset
 * objects an unfinished pass of an earlier run, whose rows stay valid); the last heartbeat of this activity if
 * the database has nothing (keyset objects only); otherwise a new pass from the watermark (minus the overlap),
 * the LoginHistory window, or the beginning. Full re-reads never adopt another run's pass: their deletions rely
 * on every row of the pass carrying this run's id.
 */
export function startingPosition(args: {
  spec: ObjectSpec<unknown>;
  cursor: CursorRow | null;
  runId: string;
  kind: RunKind;
  options: IntegrationOptions;
  now: Date;
  heartbeatDetails: unknown;
}): { position: Position; resumed: 'database' | 'heartbeat' | null } {
  const { spec, cursor, runId, kind, options, now } = args;
  const saved = cursor?.position ?? null;
  if (saved && (cursor?.runId === runId || spec.keyset)) return { position: saved, resumed: 'database' };

  const fresh = freshPosition(spec, cursor, kind, options, now);
  const beat = heartbeatSchema.safeParse(args.heartbeatDetails);
  // Only keyset objects: a heartbeat has no locator, and full re-reads never continue from `Id > 'x'`.
  if (spec.keyset && beat.success && beat.data.lastId && beat.data.lastAt) {
    return {
      position: { ...fresh, ...beat.data, nextRecordsUrl: null },
      resumed: 'heartbeat',
    };
  }
  return { position: fresh, resumed: null };
}

function freshPosition(
  spec: ObjectSpec<unknown>,
  cursor: CursorRow | null,
  kind: RunKind,
  options: IntegrationOptions,
  now: Date,
): Position {
  const base = { nextRecordsUrl: null, pages: 0, records: 0, startedAt: now.toISOString() };
  if (!spec.keyset) return { ...base, lastAt: null, lastId: null, windowStart: null };
  if (kind === 'incremental' && cursor?.watermarkAt) {
    // Re-read the overlap so rows that became visible after the last pass (late commits) are not missed
    // (Airbyte #27146); with no overlap, continue strictly after the watermark row.
    const overlapMs = options.incrementalOverlapMinutes * 60_000;
    const start = new Date(Date.parse(cursor.watermarkAt) - overlapMs).toISOString();
    const lastId = overlapMs === 0 ? cursor.watermarkId : null;
    return { ...base, lastAt: start, lastId, windowStart: start };
  }
  if (spec.object === 'LoginHistory' && options.loginHistoryDays !== null) {
    const start = new Date(now.getTime() - options.loginHistoryDays * 86_400_000).toISOString();
    return { ...base, lastAt: start, lastId: null, windowStart: start };
  }
  return { ...base, lastAt: null, lastId: null, windowStart: null };
}

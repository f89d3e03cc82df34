import { DateTime } from 'luxon';
import { parseIntegrationOptions } from '../platform/integration-options';
import { dailyScheduleId } from '../workflows/definitions';
import type { ApiDependencies } from './dependencies';
import { toIntegration, toRun } from './resource-mappers';
import { runResourceColumns, type CollectionRunResourceRow } from '../store/collection-runs';
import type { IntegrationRow, IntegrationWithoutSecret } from '../store/integrations';

/** How many upcoming daily runs the status lists (Temporal's schedule description lists a few as well). */
const NEXT_RUN_TIMES = 5;

type MirrorRow = Pick<IntegrationRow, 'status_mirror' | 'status_mirrored_at'> & {
  /** An initial run ended other than by a disconnect, so the workflow created the daily schedule. */
  scheduled: boolean;
};

/**
 * The integration's details page, read from PostgreSQL only: the stored row, the status the workflow last
 * mirrored (state, quota, pause, attention: workflows/integration.ts mirrorStatus), the active and last runs
 * with the progress the collection activities write with every page, and the daily schedule as the workflow set
 * it up. No Temporal call is made, so the page costs a few index lookups and answers while Temporal is
 * unreachable; `statusUpdatedAt` says when the workflow last changed what it shows. Actions still go through
 * the workflow, which stays the authority.
 */
export async function describeIntegration(
  deps: ApiDependencies,
  row: IntegrationWithoutSecret,
  now = new Date(),
) {
  const { sql } = deps;
  const [[mirrorRow], runs] = await Promise.all([
    sql<MirrorRow[]>`
      select status_mirror, status_mirrored_at,
             exists (select 1 from collection_runs r
                     where r.integration_id = i.id and r.kind = 'initial'
                       and r.status in ('succeeded', 'partial', 'failed')) as scheduled
      from integrations i where i.id = ${row.id}`,
    sql<CollectionRunResourceRow[]>`
      (select ${sql(runResourceColumns)} from collection_runs
        where integration_id = ${row.id} and status in ('running', 'paused') order by started_at desc limit 1)
      union all
      (select ${sql(runResourceColumns)} from collection_runs
        where integration_id = ${row.id} and status not in ('running', 'paused') order by started_at desc limit 1)`,
  ]);
  const base = toIntegration(row);
  const active = runs.find((r) => r.status === 'running' || r.status === 'paused');
  const finished = runs.find((r) => r !== active);
  const current = active ? toRun(active) : undefined;
  const last = finished ? toRun(finished) : undefined;
  const mirrored = row.enabled ? (mirrorRow?.status_mirror ?? null) : null;
  const schedule = dailySchedule(row, mirrored?.state ?? row.state, mirrorRow?.scheduled ?? false, now);
  const runView = {
    currentRun: current
      ? {
          runId: current.id,
          kind: current.kind,
          trigger: current.trigger,
          startedAt: current.startedAt,
          ...runProgress(current),
        }
      : null,
    lastRun: last
      ? {
          runId: last.id,
          kind: last.kind,
          status: last.status,
          startedAt: last.startedAt,
          finishedAt: last.finishedAt,
          apiCalls: last.apiCalls,
          records: last.records,
          error: last.error,
        }
      : null,
  };

  if (mirrored) {
    return {
      ...base,
      state: mirrored.state,
      statusSource: 'mirror' as const,
      statusUpdatedAt: mirrorRow!.status_mirrored_at?.toISOString() ?? null,
      statusNote:
        mirrored.attention?.code === 'invalid_schedule'
          ? 'The daily schedule could not be updated to the current options.'
          : null,
      resumeState: mirrored.resumeState,
      initialCollectionDone: mirrored.initialCollectionDone,
      ...runView,
      quota: mirrored.quota,
      pausedUntil: mirrored.quota.pausedUntil,
      attention: mirrored.attention,
      schedule,
    };
  }

  return {
    ...base,
    statusSource: 'database' as const,
    statusUpdatedAt: null,
    statusNote:
      (row.enabled
        ? 'The integration workflow has not reported its status yet.'
        : 'The integration is disconnected.') + ' State and runs are from stored data.',
    resumeState: null,
    initialCollectionDone: null,
    ...runView,
    quota: null,
    pausedUntil: null,
    attention: null,
    schedule,
  };
}

/**
 * The daily incremental schedule as the workflow keeps it: created when the initial run ends (unless by a
 * disconnect), at `dailyRunHour`:00 in `timezone` (activities/schedules.ts), paused while the integration is
 * paused by the user, deleted on disconnect. The next run times are computed from the same options instead of
 * asking Temporal; on a day when the clock skips that hour (daylight saving) the time shown is the hour after.
 */
function dailySchedule(row: IntegrationWithoutSecret, state: string, scheduled: boolean, now: Date) {
  if (!row.enabled || !scheduled) return null;
  const options = parseIntegrationOptions(row.options);
  const nextRunTimes: string[] = [];
  let day = DateTime.fromJSDate(now).setZone(options.timezone).startOf('day');
  // Bounded: a zone luxon does not know gives invalid dates (and the workflow reports invalid_schedule).
  for (let i = 0; i <= NEXT_RUN_TIMES && nextRunTimes.length < NEXT_RUN_TIMES; i += 1) {
    const at = day.set({ hour: options.dailyRunHour, minute: 0, second: 0, millisecond: 0 });
    if (at.isValid && at.toMillis() > now.getTime()) nextRunTimes.push(at.toJSDate().toISOString());
    day = day.plus({ days: 1 });
  }
  return { id: dailyScheduleId(row.id), paused: state === 'paused_by_user', nextRunTimes };
}

/** Per-object progress of a run as stored with every page; the object being paged is the one not finished. */
function runProgress(run: ReturnType<typeof toRun>) {
  return {
    currentObject:
      Object.entries(run.progress).find(([, p]) => p.startedAt !== null && p.finishedAt === null)?.[0] ??
      null,
    objects: run.progress,
    apiCalls: run.apiCalls,
  };
}

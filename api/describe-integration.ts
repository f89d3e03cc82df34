import { DateTime } from 'luxon';
import { parseIntegrationOptions } from '../platform/integration-options';
import { dailyScheduleId } from '../workflows/definitions';
import type { ApiDependencies } from './dependencies';
import { toIntegration, toRun } from './resource-mappers';
import { runResourceColumns, type CollectionRunResourceRow } from '../store/collection-runs';
import {
  integrationColumnsWithoutSecret,
  type IntegrationRow,
  type IntegrationWithoutSecret,
} from '../store/integrations';
import { notFound } from './errors';

/** How many upcoming daily runs the status lists (Temporal's schedule description lists a few as well). */
const NEXT_RUN_TIMES = 5;

type MirrorColumns = Pick<IntegrationRow, 'status_mirror' | 'status_mirrored_at' | 'workflow_missing_since'>;

/**
 * The integration's details page, read from PostgreSQL only: the stored row, the status the workflow last
 * mirrored (state, quota, pause, attention, current and last run: workflows/integration-record.ts
 * mirrorStatus), the progress the collection activities write with every page, and the daily schedule as the
 * workflow set it up.
 * No Temporal call is made, so the page costs a few index lookups and answers while Temporal is unreachable;
 * `statusUpdatedAt` says when the workflow last changed what it shows. Actions still go through the workflow,
 * which stays the authority.
 *
 * Which run is current and which is last comes from the same mirrored snapshot as the state, never from the run
 * rows: the workflow closes a run's row a moment before it records the state it moves to (and creates the daily
 * schedule in between), so rows and mirror read side by side could show a succeeded run under a collecting
 * state. Only the current run's progress, which the mirror never holds, is read from its row.
 */
export async function describeIntegration(
  deps: ApiDependencies,
  tenantId: string,
  id: string,
  now = new Date(),
) {
  const { sql } = deps;
  // The tenant check, the stored row and the mirrored status in one round trip (an idle integration's page is
  // this one query); a foreign, unknown or purged id answers 404 like findTenantIntegration.
  const [found] = await sql<(IntegrationWithoutSecret & MirrorColumns)[]>`
    select ${sql(integrationColumnsWithoutSecret)}, status_mirror, status_mirrored_at, workflow_missing_since
    from integrations
    where id = ${id} and tenant_id = ${tenantId} and purge_requested_at is null`;
  if (!found) throw notFound();
  const { status_mirror, status_mirrored_at, workflow_missing_since: missingSince, ...row } = found;
  const base = toIntegration(row);
  const mirrored = row.enabled && !missingSince ? status_mirror : null;

  if (mirrored) {
    const active = mirrored.currentRun;
    const [activeRow] = active
      ? await sql<CollectionRunResourceRow[]>`
          select ${sql(runResourceColumns)} from collection_runs where id = ${active.runId}`
      : [];
    // The workflow creates the daily schedule when a run has ended (applySettings keeps it from then on).
    const scheduled = mirrored.initialCollectionDone || mirrored.lastRun !== null;
    return {
      ...base,
      state: mirrored.state,
      statusSource: 'mirror' as const,
      statusUpdatedAt: status_mirrored_at?.toISOString() ?? null,
      statusNote:
        mirrored.attention?.code === 'invalid_schedule'
          ? 'The daily schedule could not be updated to the current options.'
          : null,
      workflowRunning: true,
      resumeState: mirrored.resumeState,
      initialCollectionDone: mirrored.initialCollectionDone,
      currentRun: active
        ? { ...active, ...runProgress(activeRow ? toRun(activeRow) : { progress: {}, apiCalls: 0 }) }
        : null,
      lastRun: mirrored.lastRun,
      quota: mirrored.quota,
      pausedUntil: mirrored.quota.pausedUntil,
      attention: mirrored.attention,
      schedule: dailySchedule(row, mirrored.state, scheduled, now),
    };
  }

  const [runs, [initialRunEnded]] = await Promise.all([
    sql<CollectionRunResourceRow[]>`
      (select ${sql(runResourceColumns)} from collection_runs
        where integration_id = ${row.id} and status in ('running', 'paused') order by started_at desc limit 1)
      union all
      (select ${sql(runResourceColumns)} from collection_runs
        where integration_id = ${row.id} and status not in ('running', 'paused') order by started_at desc limit 1)`,
    // An initial run ended other than by a disconnect, so the workflow created the daily schedule.
    sql<{ scheduled: boolean }[]>`
      select exists (select 1 from collection_runs
                     where integration_id = ${row.id} and kind = 'initial'
                       and status in ('succeeded', 'partial', 'failed')) as scheduled`,
  ]);
  const activeRow = runs.find((r) => r.status === 'running' || r.status === 'paused');
  const finishedRow = runs.find((r) => r !== activeRow);
  const current = activeRow ? toRun(activeRow) : undefined;
  const last = finishedRow ? toRun(finishedRow) : undefined;
  return {
    ...base,
    statusSource: 'database' as const,
    statusUpdatedAt: null,
    statusNote: `${databaseReason(row.enabled, missingSince)} State and runs are from stored data.`,
    // Null: not known yet (the workflow has not reported, and the reconciler has not found it missing).
    workflowRunning: row.enabled && !missingSince ? null : false,
    resumeState: null,
    initialCollectionDone: null,
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
    quota: null,
    pausedUntil: null,
    attention: null,
    schedule: dailySchedule(row, row.state, initialRunEnded?.scheduled ?? false, now),
  };
}

function databaseReason(enabled: boolean, missingSince: Date | null): string {
  if (!enabled) return 'The integration is disconnected.';
  if (missingSince)
    return (
      `No integration workflow was running at ${missingSince.toISOString()} (terminated or lost); the ` +
      'reconciler has restarted it, and its status shows here once it reports.'
    );
  return 'The integration workflow has not reported its status yet.';
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
function runProgress(run: Pick<ReturnType<typeof toRun>, 'progress' | 'apiCalls'>) {
  return {
    currentObject:
      Object.entries(run.progress).find(([, p]) => p.startedAt !== null && p.finishedAt === null)?.[0] ??
      null,
    objects: run.progress,
    apiCalls: run.apiCalls,
  };
}

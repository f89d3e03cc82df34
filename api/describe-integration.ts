import type { ApiDependencies } from './dependencies';
import type { IntegrationWorkflowCommands } from './integration-workflow';
import { toIntegration, toRun } from './resource-mappers';
import { runResourceColumns, type CollectionRunResourceRow } from '../store/collection-runs';
import type { IntegrationWithoutSecret } from '../store/integrations';

/**
 * The integration's details page: the stored row, the workflow's live status and the daily schedule. The
 * workflow is the authority while it runs; when it cannot be queried the page is built from stored runs and
 * says so, because a status page that fails is worse than one that is a little stale.
 */
export async function describeIntegration(
  deps: ApiDependencies,
  workflow: IntegrationWorkflowCommands,
  row: IntegrationWithoutSecret,
  requestId: string,
) {
  const base = toIntegration(row);
  const [live, schedule] = row.enabled
    ? await Promise.all([
        workflow.status(row.id),
        workflow.schedule(row.id).catch((error: unknown) => {
          deps.logger.warn('could not describe the integration schedule', {
            requestId,
            integrationId: row.id,
            error,
          });
          return undefined;
        }),
      ])
    : [{ unavailable: 'The integration is disconnected.' }, null];

  if ('status' in live) {
    const s = live.status;
    // The workflow knows which run is active; its per-page progress is in PostgreSQL, written with each page.
    const [activeRow] = s.currentRun
      ? await deps.sql<CollectionRunResourceRow[]>`
          select ${deps.sql(runResourceColumns)} from collection_runs where id = ${s.currentRun.runId}`
      : [];
    return {
      ...base,
      state: s.state,
      statusSource: 'workflow' as const,
      statusNote: schedule === undefined ? 'The schedule could not be read.' : null,
      resumeState: s.resumeState,
      initialCollectionDone: s.initialCollectionDone,
      currentRun: s.currentRun
        ? {
            ...s.currentRun,
            ...(activeRow
              ? runProgress(toRun(activeRow))
              : { currentObject: null, objects: {}, apiCalls: 0 }),
          }
        : null,
      lastRun: s.lastRun
        ? {
            ...s.lastRun,
            records: Object.fromEntries(
              Object.entries(s.lastRun.records).filter((e): e is [string, number] => e[1] !== undefined),
            ),
          }
        : null,
      quota: s.quota,
      pausedUntil: s.quota.pausedUntil,
      attention: s.attention,
      schedule: schedule ?? null,
    };
  }

  const runs = await deps.sql<CollectionRunResourceRow[]>`
    (select ${deps.sql(runResourceColumns)} from collection_runs
      where integration_id = ${row.id} and status in ('running', 'paused') order by started_at desc limit 1)
    union all
    (select ${deps.sql(runResourceColumns)} from collection_runs
      where integration_id = ${row.id} and status not in ('running', 'paused') order by started_at desc limit 1)`;
  const active = runs.find((r) => r.status === 'running' || r.status === 'paused');
  const finished = runs.find((r) => r !== active);
  const current = active ? toRun(active) : undefined;
  const last = finished ? toRun(finished) : undefined;
  return {
    ...base,
    statusSource: 'database' as const,
    statusNote: live.unavailable + ' State and runs are from stored data.',
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
    schedule: schedule ?? null,
  };
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

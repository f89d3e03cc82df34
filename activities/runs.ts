import type { ActivityDependencies } from './dependencies';
import {
  runOutcomeStatuses,
  type IntegrationState,
  type IntegrationStatus,
  type RunKind,
  type RunOutcomeStatus,
  type RunSummary,
  type RunTrigger,
} from '../workflows/definitions';
import { parseIntegrationOptions } from '../platform/integration-options';
import { closeOrphanedRuns, runSummaryColumns, type RunSummaryRow } from '../store/collection-runs';
import type { IntegrationRow } from '../store/integrations';
import { ApplicationFailure } from '@temporalio/common';

export function toRunSummary(row: RunSummaryRow): RunSummary {
  return {
    runId: row.id,
    kind: row.kind,
    // Only finished runs are summarised (finishCollectionRun, the snapshot's last outcome).
    status: row.status as RunOutcomeStatus,
    startedAt: row.started_at.toISOString(),
    finishedAt: (row.finished_at ?? row.started_at).toISOString(),
    apiCalls: row.api_calls,
    records: Object.fromEntries(Object.entries(row.progress).map(([object, p]) => [object, p?.records ?? 0])),
    error: row.error,
  };
}

/** Bookkeeping of collection runs and the integration row: small, idempotent writes. */
export function createRunActivities({
  sql,
  now,
  metrics,
}: Pick<ActivityDependencies, 'sql' | 'now' | 'metrics'>) {
  async function readIntegrationSnapshot(input: { integrationId: string }) {
    const [integration] = await sql<
      Pick<IntegrationRow, 'state' | 'last_test' | 'options' | 'enabled' | 'display_name' | 'tenant_id'>[]
    >`
      select state, last_test, options, enabled, display_name, tenant_id from integrations where id = ${input.integrationId}`;
    if (!integration)
      throw ApplicationFailure.nonRetryable(
        `Integration ${input.integrationId} does not exist`,
        'IntegrationNotFound',
      );
    const [initial] = await sql<{ count: number }[]>`
      select count(*)::int as count from collection_runs
      where integration_id = ${input.integrationId} and kind = 'initial' and status = 'succeeded'`;
    const [last] = await sql<RunSummaryRow[]>`
      select ${sql(runSummaryColumns)} from collection_runs
      where integration_id = ${input.integrationId} and status in ${sql(runOutcomeStatuses)}
      order by started_at desc limit 1`;
    return {
      state: integration.state,
      connected: integration.last_test?.ok === true || integration.state !== 'awaiting_test',
      // A lost workflow that was waiting for new credentials comes back waiting for them, not idle.
      attention:
        integration.state === 'needs_attention' && integration.last_test?.ok === false
          ? {
              code: integration.last_test.code ?? 'salesforce_setup',
              message: integration.last_test.message ?? 'The last Test Connectivity failed.',
              fix: integration.last_test.fix ?? 'Update the credentials and run Test Connectivity.',
            }
          : null,
      initialCollectionDone: (initial?.count ?? 0) > 0,
      lastRun: last ? toRunSummary(last) : null,
      quotaThresholdPercent: parseIntegrationOptions(integration.options).quotaThresholdPercent,
      displayName: integration.display_name,
      tenantId: integration.tenant_id,
    };
  }

  return {
    /** Creates the run, or returns the integration's unfinished one (a retried activity must not add a second). */
    async startCollectionRun(input: {
      integrationId: string;
      kind: RunKind;
      trigger: RunTrigger;
      workflowId: string;
    }) {
      const [integration] = await sql<
        Pick<IntegrationRow, 'options'>[]
      >`select options from integrations where id = ${input.integrationId}`;
      if (!integration)
        throw ApplicationFailure.nonRetryable(
          `Integration ${input.integrationId} does not exist`,
          'IntegrationNotFound',
        );
      const options = parseIntegrationOptions(integration.options);
      const [row] = await sql<{ id: string; started_at: Date }[]>`
        insert into collection_runs (integration_id, kind, trigger, status, workflow_id, started_at)
        values (${input.integrationId}, ${input.kind}, ${input.trigger}, 'running', ${input.workflowId}, ${now()})
        on conflict (integration_id) where status in ('running', 'paused') do update set status = collection_runs.status
        returning id, started_at`;
      // Findings are recomputed over logins from the last successful recompute on (minus the overlap that
      // collection re-reads, where late rows land), so a run whose recompute failed leaves nothing unexamined.
      const [integrationRow] = await sql<Pick<IntegrationRow, 'findings_through'>[]>`
        select findings_through from integrations where id = ${input.integrationId}`;
      const through = integrationRow?.findings_through ?? null;
      const overlapMs = options.incrementalOverlapMinutes * 60_000;
      return {
        runId: row!.id,
        startedAt: row!.started_at.toISOString(),
        quotaThresholdPercent: options.quotaThresholdPercent,
        findingsSince: through ? new Date(through.getTime() - overlapMs).toISOString() : null,
      };
    },

    /** Called after a successful findings recompute: every login collected so far has been examined. */
    async markFindingsComputed(input: { integrationId: string }) {
      await sql`
        update integrations
        set findings_through = (select max(login_time) from sf_login_history where integration_id = ${input.integrationId})
        where id = ${input.integrationId}`;
    },

    async markIntegrationDisconnected(input: { integrationId: string }) {
      await sql`
        update integrations set enabled = false, disconnected_at = coalesce(disconnected_at, ${now()})
        where id = ${input.integrationId}`;
    },

    async recordRunPause(input: { runId: string; reason: string; detail: string; resumeAt: string | null }) {
      const pause = {
        reason: input.reason,
        detail: input.detail,
        at: now().toISOString(),
        resumeAt: input.resumeAt,
        resumedAt: null,
      };
      await sql`
        update collection_runs
        set status = 'paused', pauses = pauses || ${sql.json([pause])}
        where id = ${input.runId} and status in ('running', 'paused')`;
    },

    async recordRunResumed(input: { runId: string }) {
      // Stamp the latest pause as resumed; jsonb_set on the last element keeps the history of pauses.
      await sql`
        update collection_runs
        set status = 'running',
            pauses = case when jsonb_array_length(pauses) = 0 then pauses
                          else jsonb_set(pauses, array[(jsonb_array_length(pauses) - 1)::text, 'resumedAt'], to_jsonb(${now().toISOString()}::text)) end
        where id = ${input.runId} and status = 'paused'`;
    },

    async finishCollectionRun(input: {
      runId: string;
      status: RunOutcomeStatus;
      error: string | null;
    }): Promise<RunSummary> {
      const finishedAt = now();
      const [row] = await sql<(RunSummaryRow & { just_finished: boolean })[]>`
        update collection_runs
        set status = case when status in ('running', 'paused') then ${input.status} else status end,
            finished_at = coalesce(finished_at, ${finishedAt}),
            error = coalesce(error, ${input.error})
        where id = ${input.runId}
        returning ${sql(runSummaryColumns)}, finished_at = ${finishedAt} as just_finished`;
      if (!row)
        throw ApplicationFailure.nonRetryable(
          `Collection run ${input.runId} does not exist`,
          'IntegrationNotFound',
        );
      if (row.just_finished) {
        metrics?.runFinished(row.kind, row.status, (finishedAt.getTime() - row.started_at.getTime()) / 1000);
      }
      return toRunSummary(row);
    },

    async recordIntegrationState(input: { integrationId: string; state: IntegrationState }) {
      await sql`update integrations set state = ${input.state}, updated_at = ${now()} where id = ${input.integrationId}`;
    },

    /**
     * The workflow's status for the API's status page (migration 00013). `mirroredAt` is workflow time and `seq`
     * counts writes within one execution: a retried or overtaken write older than the stored one is ignored. A
     * write is proof of a running workflow, so it clears the reconciler's "workflow missing" mark (00014).
     */
    async recordIntegrationStatus(input: {
      integrationId: string;
      status: IntegrationStatus;
      mirroredAt: string;
      seq: number;
    }) {
      await sql`
        update integrations
        set status_mirror = ${sql.json(input.status as unknown as Parameters<typeof sql.json>[0])},
            status_mirrored_at = ${input.mirroredAt}, status_mirror_seq = ${input.seq},
            workflow_missing_since = null
        where id = ${input.integrationId}
          and (status_mirrored_at is null
               or (status_mirrored_at, status_mirror_seq) < (${input.mirroredAt}::timestamptz, ${input.seq}::int))`;
    },

    /**
     * A workflow starting fresh (first connect, or restored by the reconciler) closes the runs a previous
     * execution left unfinished, before it reads the snapshot: nothing else will finish them.
     */
    async recoverOrphanedRuns(input: { integrationId: string }) {
      return { closedRuns: await closeOrphanedRuns(sql, input, now()) };
    },

    /** What PostgreSQL knows about an integration: for a workflow starting fresh, and for new settings. */
    readIntegrationSnapshot,

    /**
     * Superseded by recoverOrphanedRuns and readIntegrationSnapshot (workflow patch 'recover-orphaned-runs');
     * kept registered for histories recorded before the split and for tasks scheduled by them.
     */
    async loadIntegrationSnapshot(input: { integrationId: string; closeOrphanedRuns?: boolean }) {
      if (input.closeOrphanedRuns !== false) await closeOrphanedRuns(sql, input, now());
      return readIntegrationSnapshot(input);
    },
  };
}

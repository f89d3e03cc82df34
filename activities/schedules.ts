import { ScheduleNotFoundError, ScheduleOverlapPolicy, WorkflowNotFoundError } from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import type { ActivityDependencies } from './dependencies';
import {
  dailyScheduleId,
  integrationWorkflowId,
  purgeWorkflowId,
  reconcileSignal,
  tenantFairness,
  workflowTypes,
} from '../workflows/definitions';
import { ApplicationFailure } from '@temporalio/common';
import { isGrpcServiceError } from '@temporalio/client';
import { IntegrationIdAttribute, TenantIdAttribute } from '../workflows/search-attributes';
import { parseIntegrationOptions } from '../platform/integration-options';
import { closeOrphanedRuns } from '../store/collection-runs';

async function ignoreMissing(work: Promise<unknown>): Promise<void> {
  try {
    await work;
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
}

/** Temporal Schedules: the daily incremental run per integration (visible in the Temporal UI) and the reconciler. */
export function createScheduleActivities({
  sql,
  temporal,
  logger,
  taskQueue,
  now,
}: Pick<ActivityDependencies, 'sql' | 'temporal' | 'logger' | 'taskQueue' | 'now'>) {
  /** Creates the daily schedule, or brings an existing one in line with the integration's options. */
  async function ensureDailySchedule({ integrationId }: { integrationId: string }): Promise<void> {
    const [row] = await sql<{ options: unknown; display_name: string; tenant_id: string }[]>`
      select options, display_name, tenant_id from integrations where id = ${integrationId}`;
    if (!row) return;
    const options = parseIntegrationOptions(row.options);
    const scheduleId = dailyScheduleId(integrationId);
    const spec = { calendars: [{ hour: options.dailyRunHour, minute: 0 }], timezone: options.timezone };
    const action = {
      type: 'startWorkflow' as const,
      workflowType: workflowTypes.scheduledCollection,
      workflowId: `${integrationWorkflowId(integrationId)}-scheduled`,
      args: [{ integrationId }],
      taskQueue,
      // So the daily trigger's workflows are found by integration and tenant in the Temporal UI, like the rest.
      typedSearchAttributes: [
        { key: IntegrationIdAttribute, value: integrationId },
        { key: TenantIdAttribute, value: row.tenant_id },
      ],
    };
    try {
      try {
        await temporal.schedule.create({
          scheduleId,
          spec,
          action,
          // The integration workflow already refuses a second concurrent run; SKIP also keeps triggers from piling up.
          policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
          state: { note: `Daily incremental collection for ${row.display_name}` },
        });
      } catch (error) {
        if ((error as Error).name !== 'ScheduleAlreadyRunning') throw error;
        await temporal.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
      }
    } catch (error) {
      // INVALID_ARGUMENT (3), e.g. a zone name the server's time-zone database does not know: no retry fixes it.
      if (isGrpcServiceError(error) && error.code === 3) {
        throw ApplicationFailure.nonRetryable(
          `Temporal refused the daily schedule (time zone ${options.timezone}, hour ${options.dailyRunHour}): ${error.message}`,
          'InvalidScheduleSettings',
        );
      }
      throw error;
    }
  }

  /**
   * Purges marked by the API whose workflow never started (Temporal was unreachable at that moment, or the API
   * stopped in between): started now. A running or finished purge is joined, not repeated.
   */
  async function startPendingPurges(tenantId: string | undefined): Promise<number> {
    const pending = await sql<{ id: string }[]>`
      select id from integrations
      where purge_requested_at is not null ${tenantId ? sql`and tenant_id = ${tenantId}` : sql``}`;
    for (const { id } of pending) {
      await temporal.workflow.start(workflowTypes.purge, {
        workflowId: purgeWorkflowId(id),
        taskQueue,
        args: [{ integrationId: id }],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      });
    }
    if (pending.length > 0) logger.info('reconciler ensured pending purges run', { count: pending.length });
    return pending.length;
  }

  return {
    ensureDailySchedule,

    async setDailySchedulePaused({ integrationId, paused }: { integrationId: string; paused: boolean }) {
      const handle = temporal.schedule.getHandle(dailyScheduleId(integrationId));
      await ignoreMissing(
        paused ? handle.pause('Integration paused by user') : handle.unpause('Integration resumed'),
      );
    },

    async deleteDailySchedule({ integrationId }: { integrationId: string }) {
      await ignoreMissing(temporal.schedule.getHandle(dailyScheduleId(integrationId)).delete());
    },

    /**
     * Repairs drift between PostgreSQL and Temporal: runs whose workflow is no longer running are closed as
     * failed, every enabled integration gets its workflow back if it is gone (signal-with-start is a no-op for a
     * running one; the mirrored status of a gone one is marked as not live until the new workflow writes its
     * own), and every integration past its initial run gets its daily schedule back if it was deleted.
     * One visibility query finds the running workflows, so a fleet costs a few calls, not one per integration.
     */
    async reconcileIntegrations(input: { tenantId?: string } = {}) {
      const isRunning = async (workflowId: string) => {
        try {
          return (await temporal.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
        } catch (error) {
          // Only "no such workflow" means gone; any other error must not mark a live run as failed.
          if (error instanceof WorkflowNotFoundError) return false;
          throw error;
        }
      };
      const inScope = input.tenantId
        ? sql`and integration_id in (select id from integrations where tenant_id = ${input.tenantId})`
        : sql``;
      // Orphaned runs first: a workflow restarted below would otherwise look like their owner.
      const stale = await sql<{ id: string; workflow_id: string }[]>`
        select id, workflow_id from collection_runs where status in ('running', 'paused') ${inScope}`;
      let closedRuns = 0;
      for (const staleRun of stale) {
        if (await isRunning(staleRun.workflow_id)) continue;
        closedRuns += await closeOrphanedRuns(sql, { runId: staleRun.id }, now());
      }

      const listed = new Set<string>();
      const query = `WorkflowType = '${workflowTypes.integration}' AND ExecutionStatus = 'Running'${
        input.tenantId ? ` AND TenantId = '${input.tenantId.replace(/'/g, '')}'` : ''
      }`;
      for await (const execution of temporal.workflow.list({ query })) listed.add(execution.workflowId);

      let restarted = 0;
      const integrations = await sql<{ id: string; tenant_id: string; scheduled: boolean }[]>`
        select i.id, i.tenant_id,
               exists (select 1 from collection_runs r where r.integration_id = i.id and r.kind = 'initial'
                       and r.status in ('succeeded', 'partial', 'failed')) as scheduled
        from integrations i
        where i.enabled ${input.tenantId ? sql`and i.tenant_id = ${input.tenantId}` : sql``}`;
      for (const { id, tenant_id: tenantId } of integrations) {
        const workflowId = integrationWorkflowId(id);
        const checkedAt = now();
        // Visibility lags a little: confirm before restarting one it does not list.
        if (listed.has(workflowId) || (await isRunning(workflowId))) continue;
        // Its mirrored status is the last one a now-gone workflow wrote: the status page says so until the
        // restarted workflow writes its own. A status written since the check above came from a live workflow.
        await sql`
          update integrations set workflow_missing_since = coalesce(workflow_missing_since, ${checkedAt})
          where id = ${id} and (status_mirrored_at is null or status_mirrored_at < ${checkedAt})`;
        await temporal.workflow.signalWithStart(workflowTypes.integration, {
          workflowId,
          taskQueue,
          args: [{ integrationId: id }],
          signal: reconcileSignal,
          signalArgs: [],
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
          priority: tenantFairness(tenantId),
        });
        restarted += 1;
        logger.warn('reconciler restarted a missing integration workflow', { integrationId: id });
      }

      let schedulesRepaired = 0;
      const needSchedule = integrations.filter((i) => i.scheduled);
      if (needSchedule.length > 0) {
        const existing = new Set<string>();
        for await (const schedule of temporal.schedule.list()) existing.add(schedule.scheduleId);
        for (const { id } of needSchedule) {
          if (existing.has(dailyScheduleId(id))) continue;
          await ensureDailySchedule({ integrationId: id });
          schedulesRepaired += 1;
          logger.warn('reconciler restored a missing daily schedule', { integrationId: id });
        }
      }
      const purgesPending = await startPendingPurges(input.tenantId);
      return { restarted, closedRuns, schedulesRepaired, purgesPending };
    },
  };
}

/** Created once at worker start-up: runs the reconciler every 10 minutes. */
export async function ensureReconcilerSchedule(
  temporal: ActivityDependencies['temporal'],
  taskQueue: string,
): Promise<void> {
  try {
    await temporal.schedule.create({
      // One reconciler per task queue, so deployments sharing a namespace do not fight over it.
      scheduleId: `${taskQueue}-reconciler`,
      spec: { intervals: [{ every: '10 minutes' }] },
      action: {
        type: 'startWorkflow',
        workflowType: workflowTypes.reconciler,
        workflowId: `${taskQueue}-reconciler`,
        args: [],
        taskQueue,
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      state: { note: 'Restores missing integration workflows and closes orphaned runs' },
    });
  } catch (error) {
    if ((error as Error).name !== 'ScheduleAlreadyRunning') throw error;
  }
}

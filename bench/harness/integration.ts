import type { WorkflowHandle } from '@temporalio/client';
import type { CreatedOrg } from '../../simulator';
import type { Sql } from '../../platform/database';
import {
  integrationWorkflowId,
  requestCollectionUpdate,
  statusQuery,
  testConnectivityUpdate,
  type IntegrationStatus,
  runOutcomeStatuses,
} from '../../workflows/definitions';
import type { Stack } from './stack';
import { createTestIntegration, createTestTenant } from '../../test/support/factories';
import { startIntegrationWorkflow } from '../../test/support/integrations';

export interface BenchIntegration {
  tenantId: string;
  integrationId: string;
  handle: WorkflowHandle;
}

/**
 * A tenant and an integration inserted the way the API does (secret encrypted with the worker's key), and its
 * workflow started on the bench's task queue in state awaiting_test.
 */
export async function createIntegration(
  stack: Stack,
  org: Pick<CreatedOrg, 'salesforceUrl' | 'consumerKey' | 'consumerSecret'>,
  options: Record<string, unknown> = {},
  label = 'bench',
  taskQueue = stack.taskQueue,
): Promise<BenchIntegration> {
  const { sql } = stack.pg;
  const ids = await createTestIntegration(sql, {
    secrets: stack.secrets.box,
    org: {
      salesforceUrl: org.salesforceUrl,
      consumerKey: org.consumerKey,
      consumerSecret: org.consumerSecret,
    },
    options,
    tenantId: (await createTestTenant(sql, label)).id,
    displayName: label,
  });
  const handle = await startIntegrationWorkflow(stack.temporal.client, ids, taskQueue);
  return { ...ids, handle };
}

/** Test Connectivity through the workflow (as the API's POST /test does); throws unless it connects. */
export async function connect(integration: BenchIntegration): Promise<void> {
  const result = await integration.handle.executeUpdate(testConnectivityUpdate);
  if (!result.ok) throw new Error(`Test Connectivity failed: ${result.code} ${result.message}`);
}

/** Collect Now through the workflow (as the API's POST /collect does); returns the run id. */
export async function requestCollection(integration: BenchIntegration): Promise<string> {
  const { runId } = await integration.handle.executeUpdate(requestCollectionUpdate);
  return runId;
}

export interface RunRow {
  status: string;
  apiCalls: number;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
}

/** The run as PostgreSQL records it; null while PostgreSQL is unreachable (a drill may have stopped it). */
export async function readRun(sql: Sql, runId: string): Promise<RunRow | null> {
  try {
    const [row] = await sql<RunRow[]>`
      select status, api_calls as "apiCalls", started_at as "startedAt", finished_at as "finishedAt", error
      from collection_runs where id = ${runId}`;
    return row ?? null;
  } catch {
    return null;
  }
}

/** Waits for the run to finish (succeeded/failed/cancelled) and the workflow to settle in `idle`. */
export async function waitForRun(
  sql: Sql,
  integration: BenchIntegration,
  runId: string,
  timeoutMs: number,
  onTick?: () => Promise<void> | void,
): Promise<RunRow> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await readRun(sql, runId);
    if (run && (runOutcomeStatuses as readonly string[]).includes(run.status)) {
      await waitForState(integration, (s) => s.state === 'idle' || s.state === 'connected', 60_000);
      return run;
    }
    if (Date.now() > deadline)
      throw new Error(`run ${runId} did not finish within ${timeoutMs / 1000} s (${run?.status})`);
    await onTick?.();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Polls the workflow's status query (no history written) until `predicate` holds. */
export async function waitForState(
  integration: BenchIntegration,
  predicate: (status: IntegrationStatus) => boolean,
  timeoutMs: number,
): Promise<IntegrationStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: IntegrationStatus | undefined;
  for (;;) {
    try {
      last = await integration.handle.query(statusQuery);
      if (predicate(last)) return last;
    } catch {
      // between continue-as-new executions, or the worker is down
    }
    if (Date.now() > deadline)
      throw new Error(`workflow did not reach the expected state; last ${JSON.stringify(last?.state)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export interface HistoryCost {
  executions: number;
  continuedAsNew: number;
  eventsPerExecution: number[];
  largestHistory: number;
}

/**
 * Every execution of the integration's workflow (visibility list by WorkflowId), each history's event count,
 * and how many ended in continue-as-new. Visibility is eventually consistent, so wait for `minExecutions`.
 */
export async function historyCost(
  stack: Stack,
  integration: BenchIntegration,
  minExecutions: number,
): Promise<HistoryCost> {
  const workflowId = integrationWorkflowId(integration.integrationId);
  const deadline = Date.now() + 30_000;
  let executions: Array<{ runId: string; status: string; startTime: Date }> = [];
  for (;;) {
    executions = [];
    for await (const execution of stack.temporal.client.workflow.list({
      query: `WorkflowId = "${workflowId}"`,
    })) {
      executions.push({
        runId: execution.runId,
        status: execution.status.name,
        startTime: execution.startTime,
      });
    }
    if (executions.length >= minExecutions || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  executions.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  const eventsPerExecution: number[] = [];
  for (const execution of executions) {
    const history = await stack.temporal.client.workflow
      .getHandle(workflowId, execution.runId)
      .fetchHistory();
    eventsPerExecution.push(history.events?.length ?? 0);
  }
  return {
    executions: executions.length,
    continuedAsNew: executions.filter((e) => e.status === 'CONTINUED_AS_NEW').length,
    eventsPerExecution,
    largestHistory: Math.max(0, ...eventsPerExecution),
  };
}

/** Waits until every collected object's pass of the run has finished (the tables are then final). */
export async function waitForObjects(
  sql: Sql,
  runId: string,
  objects: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const [row] = await sql<{ done: number; status: string }[]>`
        select (select count(*)::int from jsonb_each(progress) p where p.value->>'finishedAt' is not null) as done,
          status
        from collection_runs where id = ${runId}`;
      if (row && (row.done >= objects || ['failed', 'cancelled'].includes(row.status))) return;
    } catch {
      // PostgreSQL briefly unavailable (a drill may have stopped it)
    }
    if (Date.now() > deadline)
      throw new Error(`run ${runId}: objects not collected within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

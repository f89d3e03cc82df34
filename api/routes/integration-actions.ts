import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  cooldownRemainingSeconds,
  DEFAULT_ACTION_COOLDOWNS,
  SingleFlight,
  throttled,
} from '../action-throttle';
import type { ApiEnv } from '../context';
import type { ApiDependencies } from '../dependencies';
import { integrationWorkflowCommands } from '../integration-workflow';
import { bearerSecurity, errorResponses, IntegrationIdParams } from '../openapi';
import { toRun } from '../resource-mappers';
import { runResourceColumns, type CollectionRunResourceRow } from '../../store/collection-runs';
import { ConnectivityResultSchema } from '../schemas/integration';
import { CollectionRunSchema } from '../schemas/run';
import { findTenantIntegration } from '../tenant-integrations';
import { disconnectedError } from './integrations';

const tags = ['Integration actions'];

const CollectionRequestSchema = z
  .object({
    runId: z.string(),
    started: z
      .boolean()
      .openapi({ description: 'False when a run was already active and is returned instead.' }),
    kind: z.enum(['initial', 'incremental']),
    run: CollectionRunSchema.nullable().openapi({
      description: 'The run as recorded so far; null if the workflow has not recorded it yet (poll its URL).',
    }),
  })
  .openapi('CollectionRequest');
export type CollectionRequest = z.infer<typeof CollectionRequestSchema>;

const SignalAcceptedSchema = z
  .object({
    integrationId: z.uuid(),
    requested: z.enum(['pause', 'resume']),
  })
  .openapi('SignalAccepted');
export type SignalAccepted = z.infer<typeof SignalAcceptedSchema>;

/** The dashboard's buttons: Test Connectivity, Collect Now, Pause and Resume. */
export function integrationActionRoutes(deps: ApiDependencies) {
  const app = new OpenAPIHono<ApiEnv>();
  const { sql } = deps;
  const workflow = integrationWorkflowCommands(deps.temporal, deps.config);
  const cooldowns = { ...DEFAULT_ACTION_COOLDOWNS, ...deps.config.actionCooldowns };
  const inFlight = new SingleFlight();
  const now = () => deps.now().getTime();

  /** A running run while the integration is collecting (not paused, not needing attention), if any. */
  const activeRun = async (integrationId: string, state: string) => {
    if (state !== 'initial_collection' && state !== 'incremental_collection') return undefined;
    const [run] = await sql<CollectionRunResourceRow[]>`
      select ${sql(runResourceColumns)} from collection_runs
      where integration_id = ${integrationId} and status = 'running'`;
    return run;
  };

  const enabledIntegration = async (tenantId: string, id: string) => {
    const row = await findTenantIntegration(sql, tenantId, id);
    if (!row.enabled) throw disconnectedError();
    return row;
  };

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/test',
      tags,
      summary: 'Test Connectivity',
      description:
        "Asks the workflow to sign in to Salesforce and read the org's edition and API usage. The answer is " +
        'always 200 when the test ran: `ok: true` with "Connected!", the edition and API usage, or `ok: false` ' +
        'with the classified failure (`code`) and `fix`, the Salesforce setup step to correct. A test that ' +
        'could not run at all is an error (409, 503). Each test spends Salesforce API calls, so tests of one ' +
        'integration are spaced: within 15 s of the last result the answer is 429 with `Retry-After` and that ' +
        'result in `error.details.lastResult`; simultaneous requests share one test.',
      security: bearerSecurity,
      request: { params: IntegrationIdParams },
      responses: {
        200: {
          description: 'The test result',
          content: { 'application/json': { schema: ConnectivityResultSchema } },
        },
        ...errorResponses(404, 409, 503),
      },
    }),
    async (c) => {
      const row = await enabledIntegration(c.get('tenantId'), c.req.valid('param').id);
      const checkedAt =
        typeof row.last_test?.checkedAt === 'string' ? new Date(row.last_test.checkedAt) : null;
      const wait = cooldownRemainingSeconds(checkedAt, cooldowns.testConnectivityMs, now());
      if (wait > 0) {
        throw throttled('Test Connectivity ran moments ago; its result is in details.lastResult', wait, {
          lastResult: row.last_test,
        });
      }
      const updateId = c.get('requestId');
      const result = await inFlight.run(`test:${row.id}`, () =>
        workflow.testConnectivity(row.id, { updateId: `test:${updateId}` }),
      );
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/collect',
      tags,
      summary: 'Collect Now',
      description:
        'Starts a collection run (the initial collection first, then incremental ones) and answers 202 with it. ' +
        'While a run is active no second run is started: the active one is returned with `started: false`. ' +
        '409 when the integration has not passed Test Connectivity, is paused, needs attention or is disconnected. ' +
        'Runs spend Salesforce API calls, so within 60 s of the start of the last Collect Now run the answer is ' +
        '429 with `Retry-After`.',
      security: bearerSecurity,
      request: { params: IntegrationIdParams },
      responses: {
        202: {
          description: 'The run that was started, or the one already active',
          content: { 'application/json': { schema: CollectionRequestSchema } },
        },
        ...errorResponses(404, 409, 503),
      },
    }),
    async (c) => {
      const row = await enabledIntegration(c.get('tenantId'), c.req.valid('param').id);
      const active = await activeRun(row.id, row.state);
      if (active) {
        // The workflow would return this same run; answering from the database spends no workflow update.
        c.header('Location', `/v1/integrations/${row.id}/runs/${active.id}`);
        return c.json({ runId: active.id, started: false, kind: active.kind, run: toRun(active) }, 202);
      }
      const [last] = await sql<{ started_at: Date; finished_at: Date | null }[]>`
        select started_at, finished_at from collection_runs
        where integration_id = ${row.id} and trigger = 'collect_now'
        order by started_at desc limit 1`;
      // An unfinished (paused) run is the workflow's to answer for: it returns it or says why not (409).
      const wait = last?.finished_at
        ? cooldownRemainingSeconds(last.started_at, cooldowns.collectNowMs, now())
        : 0;
      if (wait > 0) {
        throw throttled('Collect Now started a run moments ago (see GET …/runs)', wait, {
          lastStartedAt: last!.started_at.toISOString(),
        });
      }
      const updateId = c.get('requestId');
      const result = await inFlight.run(`collect:${row.id}`, () =>
        workflow.requestCollection(row.id, { updateId: `collect:${updateId}` }),
      );
      const [run] = await sql<CollectionRunResourceRow[]>`
        select ${sql(runResourceColumns)} from collection_runs
        where integration_id = ${row.id} and id::text = ${result.runId}`;
      c.header('Location', `/v1/integrations/${row.id}/runs/${result.runId}`);
      return c.json(
        { runId: result.runId, started: result.started, kind: result.kind, run: run ? toRun(run) : null },
        202,
      );
    },
  );

  for (const requested of ['pause', 'resume'] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/{id}/${requested}`,
        tags,
        summary: requested === 'pause' ? 'Pause collection' : 'Resume collection',
        description:
          requested === 'pause'
            ? 'Pauses the integration: an active run stops at its next page boundary and the daily schedule is skipped until resumed. Asynchronous: poll GET /v1/integrations/{id} for the state.'
            : 'Resumes a paused integration where it left off. Asynchronous: poll GET /v1/integrations/{id} for the state.',
        security: bearerSecurity,
        request: { params: IntegrationIdParams },
        responses: {
          202: {
            description: 'Sent to the workflow',
            content: { 'application/json': { schema: SignalAcceptedSchema } },
          },
          ...errorResponses(404, 409),
        },
      }),
      async (c) => {
        const row = await enabledIntegration(c.get('tenantId'), c.req.valid('param').id);
        await (requested === 'pause' ? workflow.pause(row.id) : workflow.resume(row.id));
        return c.json({ integrationId: row.id, requested }, 202);
      },
    );
  }

  return app;
}

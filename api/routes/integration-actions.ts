import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { ApiEnv } from '../context';
import type { ApiDependencies } from '../dependencies';
import { integrationWorkflowCommands } from '../integration-workflow';
import { bearerSecurity, errorResponses, IntegrationIdParams } from '../openapi';
import { RUN_COLUMNS, toRun, type RunRow } from '../resources';
import { ConnectivityResultSchema } from '../schemas/integration';
import { CollectionRunSchema } from '../schemas/run';
import { findTenantIntegration } from '../tenancy';
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

const SignalAcceptedSchema = z
  .object({
    integrationId: z.uuid(),
    requested: z.enum(['pause', 'resume']),
  })
  .openapi('SignalAccepted');

/** The dashboard's buttons: Test Connectivity, Collect Now, Pause and Resume. */
export function integrationActionRoutes(deps: ApiDependencies) {
  const app = new OpenAPIHono<ApiEnv>();
  const { sql } = deps;
  const workflow = integrationWorkflowCommands(deps.temporal, deps.config);

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
        'could not run at all is an error (409, 503).',
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
      return c.json(await workflow.testConnectivity(row.id), 200);
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
        '409 when the integration has not passed Test Connectivity, is paused, needs attention or is disconnected.',
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
      const result = await workflow.requestCollection(row.id);
      const [run] = await sql<RunRow[]>`
        select ${sql(RUN_COLUMNS)} from collection_runs
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

import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { ApiEnv } from '../context';
import type { ApiDependencies } from '../dependencies';
import { notFound } from '../errors';
import { bearerSecurity, errorResponses, IntegrationIdParams } from '../openapi';
import { CURSOR_TIME_FORMAT, cursorPart, decodeCursor, pageQuery, pageSchema, toPage } from '../pagination';
import { toRun } from '../resource-mappers';
import { runResourceColumns, type CollectionRunResourceRow } from '../../store/collection-runs';
import { CollectionRunSchema, RunIdParams } from '../schemas/run';
import { findTenantIntegration } from '../tenant-integrations';
import { runStatuses } from '../../workflows/definitions';

const tags = ['Collection runs'];

/** Collection runs: progress per object, record counts, API calls, quota pauses and outcome. */
export function runRoutes(deps: ApiDependencies) {
  const app = new OpenAPIHono<ApiEnv>();
  const { sql } = deps;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/runs',
      tags,
      summary: 'List collection runs',
      description: 'Newest first.',
      security: bearerSecurity,
      request: {
        params: IntegrationIdParams,
        query: z.object({
          ...pageQuery,
          status: z.enum(runStatuses).optional(),
        }),
      },
      responses: {
        200: {
          description: 'A page of runs',
          content: { 'application/json': { schema: pageSchema(CollectionRunSchema, 'CollectionRunPage') } },
        },
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const integration = await findTenantIntegration(sql, c.get('tenantId'), c.req.valid('param').id);
      const { limit, cursor, status } = c.req.valid('query');
      const before = decodeCursor('runs', cursor, [cursorPart.timestamp, cursorPart.uuid]);
      const rows = await sql<(CollectionRunResourceRow & { cursor_time: string })[]>`
        select ${sql(runResourceColumns)}, to_char(started_at at time zone 'UTC', ${CURSOR_TIME_FORMAT}) as cursor_time
        from collection_runs
        where integration_id = ${integration.id}
          ${status ? sql`and status = ${status}` : sql``}
          ${before ? sql`and (started_at, id) < (${before[0]!}::text::timestamptz, ${before[1]!}::uuid)` : sql``}
        order by started_at desc, id desc
        limit ${limit + 1}`;
      return c.json(
        toPage(rows, limit, 'runs', (r) => [r.cursor_time, r.id], toRun),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/runs/{runId}',
      tags,
      summary: 'Show a collection run',
      security: bearerSecurity,
      request: { params: RunIdParams },
      responses: {
        200: { description: 'The run', content: { 'application/json': { schema: CollectionRunSchema } } },
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const { id, runId } = c.req.valid('param');
      const integration = await findTenantIntegration(sql, c.get('tenantId'), id);
      const [row] = await sql<CollectionRunResourceRow[]>`
        select ${sql(runResourceColumns)} from collection_runs where integration_id = ${integration.id} and id = ${runId}`;
      if (!row) throw notFound('collection run');
      return c.json(toRun(row), 200);
    },
  );

  return app;
}

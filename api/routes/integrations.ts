import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { integrationOptionsSchema, parseIntegrationOptions } from '../../platform/integration-options';
import type { ApiEnv } from '../context';
import type { ApiDependencies } from '../dependencies';
import { ApiError } from '../errors';
import { integrationWorkflowCommands } from '../integration-workflow';
import { bearerSecurity, errorResponses, IntegrationIdParams } from '../openapi';
import { CURSOR_TIME_FORMAT, cursorPart, decodeCursor, pageQuery, pageSchema, toPage } from '../pagination';
import { toIntegration } from '../resource-mappers';
import {
  createIntegrationBodySchema,
  IntegrationDetailSchema,
  IntegrationSchema,
  IntegrationStateSchema,
  PurgeAcceptedSchema,
  UpdateIntegrationBodySchema,
} from '../schemas/integration';
import { findTenantIntegration } from '../tenant-integrations';
import {
  consumerSecretAssignment,
  insertIntegration,
  integrationColumnsWithoutSecret,
  type IntegrationWithoutSecret,
} from '../../store/integrations';
import { describeIntegration } from '../describe-integration';

const tags = ['Integrations'];

/** Add, list, show, change and disconnect integrations (the dashboard's Add Integration and details pages). */
export function integrationRoutes(deps: ApiDependencies) {
  const app = new OpenAPIHono<ApiEnv>();
  const { sql } = deps;
  const workflow = integrationWorkflowCommands(deps.temporal, deps.config);

  app.openapi(
    createRoute({
      method: 'post',
      path: '/',
      tags,
      summary: 'Add an integration',
      description:
        "Stores the connection (the consumer secret encrypted at rest) and starts the integration's workflow in " +
        'state `awaiting_test`. Next step: POST /v1/integrations/{id}/test. A tenant cannot add a second active ' +
        'integration for the same Salesforce URL (409 integration_exists).',
      security: bearerSecurity,
      request: {
        body: {
          required: true,
          content: {
            'application/json': { schema: createIntegrationBodySchema(deps.config.allowLocalSalesforceUrls) },
          },
        },
      },
      responses: {
        201: { description: 'Created', content: { 'application/json': { schema: IntegrationSchema } } },
        ...errorResponses(409, 413, 415, 503),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const tenantId = c.get('tenantId');
      const options = body.options ?? parseIntegrationOptions({});
      const row = await sql.begin(async (tx) => {
        // Serialises concurrent creates of the same org for this tenant, so the duplicate check is reliable.
        await tx`select pg_advisory_xact_lock(hashtext(${`${tenantId} ${body.salesforceUrl}`}))`;
        const [existing] = await tx<{ id: string }[]>`
          select id from integrations
          where tenant_id = ${tenantId} and salesforce_url = ${body.salesforceUrl} and enabled`;
        if (existing) {
          throw new ApiError('integration_exists', 'This Salesforce org already has an active integration', {
            integrationId: existing.id,
          });
        }
        const limit = deps.config.maxIntegrationsPerTenant ?? DEFAULT_MAX_INTEGRATIONS_PER_TENANT;
        // Under the tenant-wide lock, so two concurrent creates cannot both take the last place.
        await tx`select pg_advisory_xact_lock(hashtext(${`integrations of ${tenantId}`}))`;
        const [counted] = await tx<{ active: number }[]>`
          select count(*)::int as active from integrations where tenant_id = ${tenantId} and enabled`;
        const active = counted!.active;
        if (active >= limit) {
          throw new ApiError(
            'tenant_limit_reached',
            `This tenant already has ${active} active integrations, the most it may have (${limit}); disconnect one, or ask the operator to raise MAX_INTEGRATIONS_PER_TENANT`,
            { limit, active },
          );
        }
        return insertIntegration(
          tx,
          deps.secrets,
          { tenantId, ...body, options },
          integrationColumnsWithoutSecret,
        );
      });
      try {
        await workflow.start({ integrationId: row.id, tenantId, displayName: row.display_name });
      } catch (error) {
        // Without its workflow the integration could never be tested or collected: undo, and let the caller retry.
        await sql`delete from integrations where id = ${row.id}`;
        deps.logger.error('could not start the integration workflow', {
          requestId: c.get('requestId'),
          integrationId: row.id,
          error,
        });
        throw new ApiError(
          'workflow_unavailable',
          'Could not start the integration; nothing was saved. Retry later',
        );
      }
      c.header('Location', `/v1/integrations/${row.id}`);
      return c.json(toIntegration(row), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags,
      summary: 'List integrations',
      description:
        'Oldest first (by creation time, then id), including disconnected ones unless filtered by state.',
      security: bearerSecurity,
      request: { query: z.object({ ...pageQuery, state: IntegrationStateSchema.optional() }) },
      responses: {
        200: {
          description: 'A page of integrations',
          content: { 'application/json': { schema: pageSchema(IntegrationSchema, 'IntegrationPage') } },
        },
        ...errorResponses(),
      },
    }),
    async (c) => {
      const { limit, cursor, state } = c.req.valid('query');
      const after = decodeCursor('integrations', cursor, [cursorPart.timestamp, cursorPart.uuid]);
      const rows = await sql<(IntegrationWithoutSecret & { cursor_time: string })[]>`
        select ${sql(integrationColumnsWithoutSecret)}, to_char(created_at at time zone 'UTC', ${CURSOR_TIME_FORMAT}) as cursor_time
        from integrations
        where tenant_id = ${c.get('tenantId')} and purge_requested_at is null
          ${state ? sql`and state = ${state}` : sql``}
          ${after ? sql`and (created_at, id) > (${after[0]!}::text::timestamptz, ${after[1]!}::uuid)` : sql``}
        order by created_at, id
        limit ${limit + 1}`;
      return c.json(
        toPage(rows, limit, 'integrations', (r) => [r.cursor_time, r.id], toIntegration),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      tags,
      summary: 'Show an integration with its status',
      description:
        'The stored integration plus the status its workflow mirrors into PostgreSQL whenever it changes (state, ' +
        'quota usage against the threshold, paused-until, attention reason; `statusUpdatedAt` says when), the ' +
        'current run with its progress per object as written with every page, the last run, and the daily ' +
        'schedule. Read from PostgreSQL only: it answers while Temporal is unreachable. Before the workflow has ' +
        'reported, once the reconciler found its workflow not running, or once disconnected, the answer is built ' +
        'from stored runs, with statusSource=database, workflowRunning and statusNote saying why.',
      security: bearerSecurity,
      request: { params: IntegrationIdParams },
      responses: {
        200: {
          description: 'The integration',
          content: { 'application/json': { schema: IntegrationDetailSchema } },
        },
        ...errorResponses(404),
      },
    }),
    async (c) => {
      return c.json(await describeIntegration(deps, c.get('tenantId'), c.req.valid('param').id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/{id}',
      tags,
      summary: 'Change the display name, options or credentials',
      description:
        'Options are merged: only the options named change. New credentials are encrypted, bump ' +
        'credentialsVersion and are signalled to the workflow, which uses them from its next Salesforce call ' +
        '(run Test Connectivity to check them). A disconnected integration cannot be changed (409).',
      security: bearerSecurity,
      request: {
        params: IntegrationIdParams,
        body: { required: true, content: { 'application/json': { schema: UpdateIntegrationBodySchema } } },
      },
      responses: {
        200: {
          description: 'The updated integration',
          content: { 'application/json': { schema: IntegrationSchema } },
        },
        ...errorResponses(404, 409, 413, 415),
      },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const current = await findTenantIntegration(sql, tenantId, c.req.valid('param').id);
      if (!current.enabled) throw disconnectedError();
      const { displayName, options, credentials } = c.req.valid('json');
      const mergedOptions = options
        ? integrationOptionsSchema.parse({ ...parseIntegrationOptions(current.options), ...options })
        : undefined;
      const [row] = await sql<IntegrationWithoutSecret[]>`
        update integrations set updated_at = now()
          ${displayName !== undefined ? sql`, display_name = ${displayName}` : sql``}
          ${mergedOptions ? sql`, options = ${sql.json(mergedOptions)}` : sql``}
          ${credentials?.consumerKey ? sql`, consumer_key = ${credentials.consumerKey}` : sql``}
          ${
            credentials?.consumerSecret
              ? sql`, ${consumerSecretAssignment(sql, deps.secrets, current.id, credentials.consumerSecret)}`
              : sql``
          }
          ${credentials ? sql`, credentials_version = credentials_version + 1` : sql``}
        where id = ${current.id} and tenant_id = ${tenantId} and enabled
        returning ${sql(integrationColumnsWithoutSecret)}`;
      if (!row) throw disconnectedError();
      // The change is committed: a Temporal outage now must not turn it into an error the client would retry
      // (a retried credentials PATCH bumps credentialsVersion again). Activities read settings and credentials
      // from PostgreSQL, so a missed signal only delays the workflow's reaction; the response says so.
      const notify = async (what: string, send: () => Promise<'signalled' | 'not_running' | void>) => {
        try {
          if ((await send()) === 'not_running') {
            deps.logger.warn(`${what} changed but the integration workflow is not running`, {
              requestId: c.get('requestId'),
              integrationId: row.id,
            });
          }
          return true;
        } catch (error) {
          deps.logger.warn(`${what} saved but the integration workflow could not be told`, {
            requestId: c.get('requestId'),
            integrationId: row.id,
            error: { name: (error as Error).name, message: (error as Error).message },
          });
          return false;
        }
      };
      let notified = true;
      if (mergedOptions || displayName !== undefined) {
        // The workflow re-reads settings: new threshold, timezone or run hour reach the quota guard and schedule.
        notified = (await notify('settings', () => workflow.settingsUpdated(row.id))) && notified;
      }
      if (credentials) {
        notified = (await notify('credentials', () => workflow.credentialsUpdated(row.id))) && notified;
      }
      if (!notified) c.header('X-Workflow-Notified', 'false');
      return c.json(toIntegration(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/{id}',
      tags,
      summary: 'Disconnect an integration',
      description:
        'Stops collecting: the workflow is told to disconnect (it deletes its daily schedule and finishes) and ' +
        'the integration is marked disconnected. **Collected data is kept** (users, logins, runs stay readable) ' +
        'until the integration is purged. With `purge=true` the workflow and schedule are stopped at once, the ' +
        'integration leaves every listing and its id answers 404 from then on, and a background purge deletes ' +
        'everything collected for it, then the integration itself (202; minutes for an org with millions of ' +
        'logins, never holding one long transaction). Idempotent.',
      security: bearerSecurity,
      request: {
        params: IntegrationIdParams,
        query: z.object({
          purge: z
            .enum(['true', 'false'])
            .default('false')
            .transform((v) => v === 'true')
            .openapi({ description: 'Also delete all collected data (irreversible).' }),
        }),
      },
      responses: {
        202: {
          description: 'Purge accepted: the integration is gone from the API; its data is being deleted',
          content: { 'application/json': { schema: PurgeAcceptedSchema } },
        },
        204: { description: 'Disconnected' },
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const tenantId = c.get('tenantId');
      const row = await findTenantIntegration(sql, tenantId, c.req.valid('param').id);
      const { purge } = c.req.valid('query');
      if (row.enabled && (await workflow.disconnect(row.id)) === 'not_running') {
        // Nobody is left to delete the daily schedule; it would start a failing trigger every day.
        await workflow.deleteSchedule(row.id);
      }
      if (purge) {
        await workflow.terminate(row.id, 'integration purged through the API');
        // Marked first, so the integration leaves the tenant's view at once and the reconciler never revives
        // it; the rows (millions on a big org) are deleted by the worker in batches.
        await sql`
          update integrations set enabled = false, state = 'disconnected',
            disconnected_at = coalesce(disconnected_at, now()), purge_requested_at = now(), updated_at = now()
          where id = ${row.id} and tenant_id = ${tenantId}`;
        try {
          await workflow.startPurge(row.id);
        } catch (error) {
          // The mark is durable: the reconciler starts a purge that was marked but not started (≤ 10 min).
          deps.logger.warn('purge workflow not started; the reconciler will start it', {
            requestId: c.get('requestId'),
            integrationId: row.id,
            error: (error as Error).message,
          });
        }
        deps.logger.info('integration purge requested', {
          requestId: c.get('requestId'),
          integrationId: row.id,
          tenantId,
        });
        return c.json({ id: row.id, status: 'purging' as const }, 202);
      } else if (row.enabled) {
        await sql`
          update integrations set enabled = false, state = 'disconnected', disconnected_at = now(), updated_at = now()
          where id = ${row.id} and tenant_id = ${tenantId}`;
      }
      deps.logger.info('integration disconnected', {
        requestId: c.get('requestId'),
        integrationId: row.id,
        tenantId,
      });
      return c.body(null, 204);
    },
  );

  return app;
}

/** Each integration holds a workflow, a daily schedule and collection slots; a tenant cannot add them without end. */
export const DEFAULT_MAX_INTEGRATIONS_PER_TENANT = 100;

export function disconnectedError(): ApiError {
  return new ApiError(
    'integration_disconnected',
    'The integration is disconnected; add it again to resume collecting (its collected data is kept)',
  );
}

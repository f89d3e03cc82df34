import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { ApiEnv } from '../context';
import type { ApiDependencies } from '../dependencies';
import { bearerSecurity, errorResponses, IntegrationIdParams } from '../openapi';
import { cursorPart, decodeCursor, pageQuery, pageSchema, toPage } from '../pagination';
import {
  LoginEventSchema,
  LoginQuerySchema,
  SalesforceUserSchema,
  UserQuerySchema,
} from '../schemas/collected';
import { confirmTenantIntegration, tenantIntegrationId } from '../tenant-integrations';
import { selectLogins, selectUsers, toLogin, toUser } from '../collected-queries';

const tags = ['Collected data'];
/** The collected Salesforce users and login history of one integration (kept after disconnect until purge). */
export function collectedDataRoutes(deps: ApiDependencies) {
  const app = new OpenAPIHono<ApiEnv>();
  const { sql } = deps;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/users',
      tags,
      summary: 'List collected users',
      description: 'Ordered by username, then id. Filters combine with AND.',
      security: bearerSecurity,
      request: { params: IntegrationIdParams, query: UserQuerySchema.extend(pageQuery) },
      responses: {
        200: {
          description: 'A page of users',
          content: { 'application/json': { schema: pageSchema(SalesforceUserSchema, 'SalesforceUserPage') } },
        },
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const tenantId = c.get('tenantId');
      const q = c.req.valid('query');
      const after = decodeCursor('users', q.cursor, [cursorPart.text, cursorPart.text]);
      const rows = await selectUsers(sql, tenantIntegrationId(sql, tenantId, id), q, {
        after,
        limit: q.limit,
      });
      await confirmTenantIntegration(sql, tenantId, id, rows);
      return c.json(
        toPage(rows, q.limit, 'users', (r) => [r.username, r.id], toUser),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/logins',
      tags,
      summary: 'List collected login events',
      description: 'LoginHistory, newest first (login time, then id, descending). Filters combine with AND.',
      security: bearerSecurity,
      request: { params: IntegrationIdParams, query: LoginQuerySchema.extend(pageQuery) },
      responses: {
        200: {
          description: 'A page of login events',
          content: { 'application/json': { schema: pageSchema(LoginEventSchema, 'LoginEventPage') } },
        },
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const tenantId = c.get('tenantId');
      const q = c.req.valid('query');
      const before = decodeCursor('logins', q.cursor, [cursorPart.timestamp, cursorPart.text]);
      const rows = await selectLogins(sql, tenantIntegrationId(sql, tenantId, id), q, {
        after: before,
        limit: q.limit,
      });
      await confirmTenantIntegration(sql, tenantId, id, rows);
      return c.json(
        toPage(rows, q.limit, 'logins', (r) => [r.cursor_time, r.id], toLogin),
        200,
      );
    },
  );

  return app;
}

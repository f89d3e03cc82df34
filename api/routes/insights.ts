import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  failingIpColumns,
  failingUserColumns,
  topFailingIps,
  topFailingUsers,
} from '../../insights/auth-activity/failures';
import { resolveRange } from '../../insights/auth-activity/range';
import { authActivitySummary, authSummaryColumns } from '../../insights/auth-activity/summary';
import { loginTimeline, timelineColumns } from '../../insights/auth-activity/timeline';
import {
  findingColumns,
  getFinding,
  listFindings,
  setFindingStatus,
  type FindingFilter,
} from '../../insights/findings';
import { loadIntegrationOptions } from '../../insights/integration-settings';
import { reclaimableUserColumns, unusedAccounts } from '../../insights/unused-accounts';
import type { ApiEnv } from '../context';
import type { ApiDependencies } from '../dependencies';
import { ApiError, notFound } from '../errors';
import { bearerSecurity, errorResponses, IntegrationIdParams } from '../openapi';
import { cursorPart, decodeCursor, encodeCursor } from '../pagination';
import {
  AuthActivityQuery,
  AuthActivitySchema,
  csvContent,
  FindingPageSchema,
  FindingParams,
  FindingStatusBody,
  FindingWithHistorySchema,
  IntegrationFindingsQuery,
  TenantFindingsQuery,
  UnusedAccountsQuery,
  UnusedAccountsSchema,
  type AuthActivity,
} from '../schemas/insights';
import { confirmTenantIntegration, findTenantIntegration } from '../tenant-integrations';
import { trustedNetworkRoutes } from './insights/trusted-networks';
import { respond, wantsCsv } from './insights/respond';

const tags = ['Identity insights'];

/** Cursor listings and the formats of their key parts (api/pagination.ts). */
const cursors = {
  findings: ['findings', [cursorPart.timestamp, cursorPart.uuid]],
  timeline: ['login-timeline', [cursorPart.timestamp, cursorPart.text]],
  unusedUsers: [
    'unused-users',
    [cursorPart.text, /^(|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)$/, cursorPart.text],
  ],
} as const;

/**
 * Identity insights: licence reclamation, the authentication review and unauthorized-access findings.
 * Paths are absolute (mounted at the root in api/app.ts).
 */
export function insightRoutes(deps: ApiDependencies) {
  const app = new OpenAPIHono<ApiEnv>();
  // Every insight is a report (api/endpoint-classes.ts): it runs on the report pool and its longer timeout.
  const sql = deps.reportSql ?? deps.sql;
  const { now } = deps;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/integrations/{id}/unused-accounts',
      tags,
      summary: 'Unused accounts and licence reclamation',
      description:
        'Active users with no successful login for `days` (LoginHistory, else User.LastLoginDate), never-logged-in ' +
        'users created more than `days` ago, API-only integration users on a paid licence with no successful login ' +
        'for `days` (api_only_unused), and frozen users still holding a licence, grouped by UserLicense with ' +
        'estimated monthly savings from options.licenseMonthlyPrices. Seats that cannot be reclaimed are left out: ' +
        'UserType Guest, AutomatedProcess, CloudIntegrationUser, CsnOnly (Chatter) and SelfService, free licences ' +
        '(Chatter, guest, Salesforce Integration, Analytics Cloud Integration User) and login-based licences (name ' +
        'ending in " Login"). Every API-only user is also listed in apiOnlyUsers. ' +
        'JSON lists `limit` users per page (usersTruncated and nextCursor say when more follow); the CSV lists every ' +
        'reclaimable user. Freshness: the LoginHistory side (last successful login per user) comes from a rollup ' +
        'refreshed at the end of every collection run, so the report reflects the last finished run; logins collected ' +
        'by a run in progress appear when it finishes.',
      security: bearerSecurity,
      request: { params: IntegrationIdParams, query: UnusedAccountsQuery },
      responses: {
        200: {
          description: 'The report',
          content: { 'application/json': { schema: UnusedAccountsSchema }, ...csvContent },
        },
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const integration = await findTenantIntegration(sql, c.get('tenantId'), c.req.valid('param').id);
      const { days, limit, cursor, format } = c.req.valid('query');
      const [listing, parts] = cursors.unusedUsers;
      const after = decodeCursor(listing, cursor, parts);
      const csv = wantsCsv(c, format);
      const { next, ...report } = await unusedAccounts(sql, integration.id, {
        days,
        // The CSV is the auditor's full list: every reclaimable user, never a page.
        limit: csv ? null : limit,
        asOf: now(),
        after: after ? { license: after[0]!, lastLoginAt: after[1] || null, userId: after[2]! } : undefined,
      });
      const nextCursor = next
        ? encodeCursor(listing, [next.license, next.lastLoginAt ?? '', next.userId])
        : null;
      return respond(c, format, {
        name: 'unused-accounts',
        columns: reclaimableUserColumns,
        rows: report.users,
        nextCursor,
        json: { ...report, nextCursor },
      });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/integrations/{id}/auth-activity',
      tags,
      summary: 'Authentication activity review',
      description:
        'view=summary: logins per day or ISO week by status (Success and each failure reason), login type, ' +
        'application and country, in whole days of `timeZone` (from the rollup refreshed after each collection run ' +
        "in the integration's time zone). view=top-users / top-ips: most failed logins; whole UTC days come from a " +
        'daily failure rollup refreshed after each collection run, the partial first and last day are read live, so ' +
        "counts equal LoginHistory as of the last finished run. view=timeline&userId=…: one user's logins (live), " +
        'newest first, `limit` per page with `cursor` for the next (`truncated`, `nextCursor`). Range [from, to) ' +
        'defaults to the last 30 days; a date-only from/to is midnight in `timeZone`.',
      security: bearerSecurity,
      request: { params: IntegrationIdParams, query: AuthActivityQuery },
      responses: {
        200: {
          description: 'The requested view; `view` tells the shape apart',
          content: { 'application/json': { schema: AuthActivitySchema }, ...csvContent },
        },
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const integration = await findTenantIntegration(sql, c.get('tenantId'), c.req.valid('param').id);
      const query = c.req.valid('query');
      const timeZone =
        query.timeZone ?? (await loadIntegrationOptions(sql, integration.id))?.timezone ?? 'UTC';
      const { from, to } = rangeOrThrow(query, now(), timeZone);
      const range = { from: from.toISOString(), to: to.toISOString(), timeZone };
      switch (query.view) {
        case 'summary': {
          const rows = await authActivitySummary(sql, integration.id, {
            groupBy: query.groupBy,
            from,
            to,
            timeZone,
          });
          const json: AuthActivity = { view: 'summary', ...range, groupBy: query.groupBy, rows };
          return respond(c, query.format, {
            name: `auth-activity-${query.groupBy}`,
            columns: authSummaryColumns,
            rows,
            json,
          });
        }
        case 'top-users': {
          const rows = await topFailingUsers(sql, integration.id, { from, to, limit: query.limit ?? 50 });
          const json: AuthActivity = { view: 'top-users', ...range, rows };
          return respond(c, query.format, {
            name: 'top-failing-users',
            columns: failingUserColumns,
            rows,
            json,
          });
        }
        case 'top-ips': {
          const rows = await topFailingIps(sql, integration.id, { from, to, limit: query.limit ?? 50 });
          const json: AuthActivity = { view: 'top-ips', ...range, rows };
          return respond(c, query.format, { name: 'top-failing-ips', columns: failingIpColumns, rows, json });
        }
        case 'timeline': {
          if (!query.userId) {
            throw new ApiError(
              'invalid_request',
              'The request is not valid (userId is required for view=timeline)',
              [{ path: 'query.userId', message: 'required for view=timeline' }],
            );
          }
          const [listing, parts] = cursors.timeline;
          const after = decodeCursor(listing, query.cursor, parts);
          const { rows, next } = await loginTimeline(sql, integration.id, {
            userId: query.userId,
            from,
            to,
            limit: query.limit ?? 1000,
            after: after ? { loginTime: after[0]!, id: after[1]! } : undefined,
          });
          const nextCursor = next ? encodeCursor(listing, [next.loginTime, next.id]) : null;
          const json: AuthActivity = {
            view: 'timeline',
            ...range,
            userId: query.userId,
            rows,
            truncated: nextCursor !== null,
            nextCursor,
          };
          return respond(c, query.format, {
            name: `login-timeline-${query.userId}`,
            columns: timelineColumns,
            rows,
            nextCursor,
            json,
          });
        }
      }
    },
  );

  /**
   * One handler for both findings listings (one integration, or the tenant's integrations): a page in JSON, and
   * the same page in CSV ending with a truncation marker row when more follow.
   */
  async function findingsPage(
    c: Context<ApiEnv>,
    filter: Omit<FindingFilter, 'tenantId' | 'after'> & { cursor?: string },
    format: 'json' | 'csv' | undefined,
    /** Set for `/v1/integrations/{id}/findings`: an empty page of an integration not the tenant's is a 404. */
    pathIntegrationId?: string,
  ) {
    const { cursor, ...rest } = filter;
    const tenantId = c.get('tenantId');
    const [listing, parts] = cursors.findings;
    const after = decodeCursor(listing, cursor, parts);
    // listFindings is scoped to the tenant in SQL, so the integration's ownership is checked in the same round trip.
    const page = await listFindings(sql, {
      ...rest,
      tenantId,
      after: after ? { firstSeenAt: after[0]!, id: after[1]! } : undefined,
    });
    if (pathIntegrationId) await confirmTenantIntegration(sql, tenantId, pathIntegrationId, page.findings);
    const nextCursor = page.next ? encodeCursor(listing, [page.next.firstSeenAt, page.next.id]) : null;
    return respond(c, format, {
      name: 'findings',
      columns: findingColumns,
      rows: page.findings,
      nextCursor,
      json: { data: page.findings, nextCursor },
    });
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/integrations/{id}/findings',
      tags,
      summary: 'List unauthorized-access findings of an integration',
      description:
        'Newest incident first (first seen). Recomputed after each collection run; status is yours. CSV is the ' +
        'same page; when more follow it ends with a marker row and carries X-Truncated / X-Next-Cursor.',
      security: bearerSecurity,
      request: { params: IntegrationIdParams, query: IntegrationFindingsQuery },
      responses: {
        200: {
          description: 'A page of findings',
          content: { 'application/json': { schema: FindingPageSchema }, ...csvContent },
        },
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { format, ...filter } = c.req.valid('query');
      return findingsPage(c, { ...filter, integrationId: id }, format, id);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/integrations/{id}/findings/{findingId}',
      tags,
      summary: 'Acknowledge or resolve a finding',
      description:
        'The status survives recomputation until new activity is added to the incident: the finding then ' +
        'reopens, recorded in statusHistory. The API key making the change is recorded.',
      security: bearerSecurity,
      request: {
        params: FindingParams,
        body: { required: true, content: { 'application/json': { schema: FindingStatusBody } } },
      },
      responses: {
        200: {
          description: 'The finding with its status history',
          content: { 'application/json': { schema: FindingWithHistorySchema } },
        },
        ...errorResponses(404, 415),
      },
    }),
    async (c) => {
      const { id, findingId } = c.req.valid('param');
      const integration = await findTenantIntegration(sql, c.get('tenantId'), id);
      const { status, note } = c.req.valid('json');
      const finding = await setFindingStatus(sql, {
        tenantId: c.get('tenantId'),
        integrationId: integration.id,
        findingId,
        status,
        note,
        actor: { apiKeyId: c.get('apiKeyId') },
        now: now(),
      });
      if (!finding) throw notFound('finding');
      return c.json(finding, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/integrations/{id}/findings/{findingId}',
      tags,
      summary: 'One finding with its status history',
      security: bearerSecurity,
      request: { params: FindingParams },
      responses: {
        200: {
          description: 'The finding with its status history',
          content: { 'application/json': { schema: FindingWithHistorySchema } },
        },
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const { id, findingId } = c.req.valid('param');
      const integration = await findTenantIntegration(sql, c.get('tenantId'), id);
      const finding = await getFinding(sql, {
        tenantId: c.get('tenantId'),
        integrationId: integration.id,
        findingId,
      });
      if (!finding) throw notFound('finding');
      return c.json(finding, 200);
    },
  );

  app.route('/', trustedNetworkRoutes(deps));

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/findings',
      tags,
      summary: "List findings across the tenant's integrations",
      description:
        'Like the per-integration listing, over every integration of the tenant (or `integrationId`).',
      security: bearerSecurity,
      request: { query: TenantFindingsQuery },
      responses: {
        200: {
          description: 'A page of findings',
          content: { 'application/json': { schema: FindingPageSchema }, ...csvContent },
        },
        ...errorResponses(),
      },
    }),
    async (c) => {
      const { format, ...filter } = c.req.valid('query');
      return findingsPage(c, filter, format);
    },
  );

  return app;
}

function rangeOrThrow(query: { from?: string; to?: string }, now: Date, timeZone: string) {
  const range = resolveRange(query, now, timeZone);
  if (range.from >= range.to) {
    throw new ApiError('invalid_request', 'The request is not valid (from must be before to)', [
      { path: 'query.from', message: 'must be before to' },
    ]);
  }
  return range;
}

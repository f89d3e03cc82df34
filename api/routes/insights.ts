import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  authActivitySummary,
  loginTimeline,
  resolveRange,
  topFailingIps,
  topFailingUsers,
} from '../../insights/auth-activity';
import { toCsv } from '../../insights/csv';
import { findingKinds, findingSeverities, findingStatuses } from '../../insights/finding-kinds';
import { getFinding, listFindings, setFindingStatus, type Finding } from '../../insights/findings';
import { trustedNetworkRoutes } from './insights/trusted-networks';
import { unusedAccounts, unusedReasons } from '../../insights/unused-accounts';
import type { ApiEnv } from '../context';
import type { ApiDependencies } from '../dependencies';
import { ApiError, notFound } from '../errors';
import { bearerSecurity, errorResponses, IntegrationIdParams } from '../openapi';
import { cursorPart, decodeCursor, encodeCursor, pageQuery, pageSchema } from '../pagination';
import { findTenantIntegration } from '../tenancy';

const tags = ['Identity insights'];

const FormatQuery = z
  .enum(['json', 'csv'])
  .optional()
  .openapi({ description: 'csv for auditors (same as sending Accept: text/csv); default json.' });

const Timestamp = z.iso
  .datetime({ offset: true })
  .or(z.iso.date())
  .openapi({ description: 'ISO 8601 date or date-time (UTC when no offset).', example: '2026-05-01' });

// ---- Schemas -------------------------------------------------------------------------------------------

const LicenseUsageSchema = z
  .object({
    license: z.string().openapi({ description: 'UserLicense.Name' }),
    totalLicenses: z.number().int().nullable(),
    usedLicenses: z.number().int().nullable(),
    unused: z.number().int(),
    neverLoggedIn: z.number().int(),
    apiOnlyUnused: z.number().int(),
    frozenWithLicense: z.number().int(),
    reclaimable: z.number().int(),
    monthlyPrice: z.number().nullable().openapi({ description: 'From options.licenseMonthlyPrices.' }),
    estimatedMonthlySavings: z.number().nullable(),
  })
  .openapi('LicenseUsage');

const UnusedAccountsSchema = z
  .object({
    asOf: z.string(),
    days: z.number().int(),
    totals: z.object({
      unused: z.number().int(),
      neverLoggedIn: z.number().int(),
      apiOnlyUnused: z.number().int(),
      frozenWithLicense: z.number().int(),
      reclaimable: z.number().int(),
      estimatedMonthlySavings: z.number().nullable(),
    }),
    licenses: z.array(LicenseUsageSchema),
    users: z.array(
      z.object({
        userId: z.string(),
        username: z.string(),
        name: z.string().nullable(),
        license: z.string(),
        profileName: z.string().nullable(),
        userType: z.string().nullable().openapi({ description: 'User.UserType' }),
        reasons: z.array(z.enum(unusedReasons)),
        lastLoginAt: z.string().nullable(),
        createdAt: z.string().nullable(),
      }),
    ),
    usersTruncated: z.boolean(),
    apiOnlyUsers: z.array(
      z.object({
        userId: z.string(),
        username: z.string(),
        name: z.string().nullable(),
        license: z.string(),
        profileName: z.string().nullable(),
        lastLoginAt: z.string().nullable(),
      }),
    ),
  })
  .openapi('UnusedAccounts');

const AuthActivitySchema = z
  .object({
    view: z.enum(['summary', 'top-users', 'top-ips', 'timeline']),
    from: z.string(),
    to: z.string(),
    groupBy: z.enum(['day', 'week']).optional(),
    userId: z.string().optional(),
    rows: z.array(z.record(z.string(), z.unknown())).openapi({
      description:
        'summary: { period, dimension (status|login_type|application|country), value, logins, failures }; ' +
        'top-users: { userId, username, name, failures, distinctSourceIps, lastFailureAt }; ' +
        'top-ips: { sourceIp, failures, distinctUsers, lastFailureAt }; timeline: one row per login.',
    }),
  })
  .openapi('AuthActivity');

const FindingSchema = z
  .object({
    id: z.uuid(),
    integrationId: z.uuid(),
    kind: z.enum(findingKinds),
    severity: z.enum(findingSeverities),
    status: z.enum(findingStatuses),
    userId: z.string().nullable(),
    username: z.string().nullable(),
    userIds: z.array(z.string()),
    sourceIp: z.string().nullable(),
    evidenceLoginIds: z.array(z.string()).openapi({ description: 'LoginHistory ids (at most 500).' }),
    details: z.record(z.string(), z.unknown()),
    firstSeenAt: z.string(),
    lastSeenAt: z.string(),
    statusChangedAt: z.string().nullable(),
    statusNote: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Finding');

const FindingWithHistorySchema = FindingSchema.extend({
  statusHistory: z.array(
    z.object({
      fromStatus: z.enum(findingStatuses).nullable(),
      toStatus: z.enum(findingStatuses),
      note: z.string().nullable(),
      reason: z.enum(['analyst', 'new_activity']).openapi({
        description:
          'analyst: changed through the API; new_activity: reopened by a recompute that found more.',
      }),
      actor: z.object({ apiKeyId: z.uuid(), name: z.string() }).nullable(),
      changedAt: z.string(),
    }),
  ),
}).openapi('FindingWithHistory');

const FindingFilterQuery = {
  ...pageQuery,
  kind: z.enum(findingKinds).optional(),
  severity: z.enum(findingSeverities).optional(),
  status: z.enum(findingStatuses).optional(),
};

const FindingParams = IntegrationIdParams.extend({
  findingId: z.uuid().openapi({ param: { name: 'findingId', in: 'path' }, description: 'Finding id' }),
});

const FindingStatusBody = z
  .object({
    status: z.enum(findingStatuses),
    note: z.string().max(2000).nullable().optional().openapi({
      description: 'Kept when omitted; null clears it. Every change is recorded in statusHistory.',
    }),
  })
  .strict()
  .openapi('FindingStatusChange');

const csvContent = { 'text/csv': { schema: z.string() } };

// ---- Helpers -------------------------------------------------------------------------------------------

function wantsCsv(c: Context<ApiEnv>, format: 'json' | 'csv' | undefined): boolean {
  if (format) return format === 'csv';
  return /\btext\/csv\b/i.test(c.req.header('accept') ?? '');
}

function csvResponse(c: Context<ApiEnv>, name: string, body: string) {
  return c.body(body, 200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${name}.csv"`,
  });
}

function rangeOrThrow(query: { from?: string; to?: string }, now: Date) {
  const range = resolveRange(query, now);
  if (range.from >= range.to) {
    throw new ApiError('invalid_request', 'The request is not valid (from must be before to)', [
      { path: 'query.from', message: 'must be before to' },
    ]);
  }
  return range;
}

const findingColumns = [
  { header: 'id', value: (f: Finding) => f.id },
  { header: 'integration_id', value: (f: Finding) => f.integrationId },
  { header: 'kind', value: (f: Finding) => f.kind },
  { header: 'severity', value: (f: Finding) => f.severity },
  { header: 'status', value: (f: Finding) => f.status },
  { header: 'user_id', value: (f: Finding) => f.userId },
  { header: 'username', value: (f: Finding) => f.username },
  { header: 'source_ip', value: (f: Finding) => f.sourceIp },
  { header: 'first_seen_at', value: (f: Finding) => f.firstSeenAt },
  { header: 'last_seen_at', value: (f: Finding) => f.lastSeenAt },
  { header: 'user_ids', value: (f: Finding) => f.userIds },
  { header: 'status_note', value: (f: Finding) => f.statusNote },
  { header: 'details', value: (f: Finding) => JSON.stringify(f.details) },
  { header: 'evidence_login_ids', value: (f: Finding) => f.evidenceLoginIds },
];

/**
 * Identity insights: licence reclamation, the authentication review and unauthorized-access findings.
 * Paths are absolute (mounted at the root through api/feature-routes.ts).
 */
export function insightRoutes(deps: ApiDependencies) {
  const app = new OpenAPIHono<ApiEnv>();
  // Every insight is a report (api/endpoint-classes.ts): it runs on the report pool and its longer timeout.
  const sql = deps.reportSql ?? deps.sql;
  const now = () => new Date(deps.now?.() ?? Date.now());

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
        'CSV lists the users. Freshness: the LoginHistory side (last successful login per user) comes from a rollup ' +
        'refreshed at the end of every collection run, so the report reflects the last finished run; logins collected ' +
        'by a run in progress appear when it finishes.',
      security: bearerSecurity,
      request: {
        params: IntegrationIdParams,
        query: z.object({
          days: z.coerce.number().int().min(1).max(3650).default(90),
          limit: z.coerce.number().int().min(0).max(100_000).default(1000).openapi({
            description: 'Most users listed (totals always count everyone).',
          }),
          format: FormatQuery,
        }),
      },
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
      const { days, limit, format } = c.req.valid('query');
      const csv = wantsCsv(c, format);
      const report = await unusedAccounts(sql, integration.id, {
        days,
        limit: csv ? 100_000 : limit,
        asOf: now(),
      });
      if (csv) {
        return csvResponse(
          c,
          'unused-accounts',
          toCsv(
            [
              { header: 'user_id', value: (u) => u.userId },
              { header: 'username', value: (u) => u.username },
              { header: 'name', value: (u) => u.name },
              { header: 'license', value: (u) => u.license },
              { header: 'profile', value: (u) => u.profileName },
              { header: 'user_type', value: (u) => u.userType },
              { header: 'reasons', value: (u) => u.reasons },
              { header: 'last_login_at', value: (u) => u.lastLoginAt },
              { header: 'created_at', value: (u) => u.createdAt },
            ],
            report.users,
          ),
        );
      }
      return c.json(report, 200);
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
        'application and country (whole UTC days, from the rollup refreshed after each collection run). ' +
        'view=top-users / top-ips: most failed logins; whole UTC days come from a daily failure rollup refreshed after ' +
        'each collection run, the partial first and last day are read live, so counts equal LoginHistory as of the ' +
        "last finished run. view=timeline&userId=…: one user's logins (live), newest first. " +
        'Range [from, to) defaults to the last 30 days.',
      security: bearerSecurity,
      request: {
        params: IntegrationIdParams,
        query: z.object({
          view: z.enum(['summary', 'top-users', 'top-ips', 'timeline']).default('summary'),
          groupBy: z.enum(['day', 'week']).default('day'),
          from: Timestamp.optional(),
          to: Timestamp.optional(),
          userId: z
            .string()
            .regex(/^[a-zA-Z0-9]{15,18}$/)
            .optional()
            .openapi({ description: 'Salesforce User Id' }),
          limit: z.coerce.number().int().min(1).max(10_000).optional().openapi({
            description: 'top-users/top-ips default 50, timeline default 1000.',
          }),
          format: FormatQuery,
        }),
      },
      responses: {
        200: {
          description: 'The requested view',
          content: { 'application/json': { schema: AuthActivitySchema }, ...csvContent },
        },
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const integration = await findTenantIntegration(sql, c.get('tenantId'), c.req.valid('param').id);
      const query = c.req.valid('query');
      const { from, to } = rangeOrThrow(query, now());
      const csv = wantsCsv(c, query.format);
      const envelope = { view: query.view, from: from.toISOString(), to: to.toISOString() };
      switch (query.view) {
        case 'summary': {
          const rows = await authActivitySummary(sql, integration.id, { groupBy: query.groupBy, from, to });
          if (csv) {
            return csvResponse(
              c,
              `auth-activity-${query.groupBy}`,
              toCsv(
                [
                  { header: 'period', value: (r) => r.period },
                  { header: 'dimension', value: (r) => r.dimension },
                  { header: 'value', value: (r) => r.value },
                  { header: 'logins', value: (r) => r.logins },
                  { header: 'failures', value: (r) => r.failures },
                ],
                rows,
              ),
            );
          }
          return c.json(
            { ...envelope, groupBy: query.groupBy, rows: rows as unknown as Record<string, unknown>[] },
            200,
          );
        }
        case 'top-users': {
          const rows = await topFailingUsers(sql, integration.id, { from, to, limit: query.limit ?? 50 });
          if (csv) {
            return csvResponse(
              c,
              'top-failing-users',
              toCsv(
                [
                  { header: 'user_id', value: (r) => r.userId },
                  { header: 'username', value: (r) => r.username },
                  { header: 'name', value: (r) => r.name },
                  { header: 'failures', value: (r) => r.failures },
                  { header: 'distinct_source_ips', value: (r) => r.distinctSourceIps },
                  { header: 'last_failure_at', value: (r) => r.lastFailureAt },
                ],
                rows,
              ),
            );
          }
          return c.json({ ...envelope, rows: rows as unknown as Record<string, unknown>[] }, 200);
        }
        case 'top-ips': {
          const rows = await topFailingIps(sql, integration.id, { from, to, limit: query.limit ?? 50 });
          if (csv) {
            return csvResponse(
              c,
              'top-failing-ips',
              toCsv(
                [
                  { header: 'source_ip', value: (r) => r.sourceIp },
                  { header: 'failures', value: (r) => r.failures },
                  { header: 'distinct_users', value: (r) => r.distinctUsers },
                  { header: 'last_failure_at', value: (r) => r.lastFailureAt },
                ],
                rows,
              ),
            );
          }
          return c.json({ ...envelope, rows: rows as unknown as Record<string, unknown>[] }, 200);
        }
        case 'timeline': {
          if (!query.userId) {
            throw new ApiError(
              'invalid_request',
              'The request is not valid (userId is required for view=timeline)',
              [{ path: 'query.userId', message: 'required for view=timeline' }],
            );
          }
          const rows = await loginTimeline(sql, integration.id, {
            userId: query.userId,
            from,
            to,
            limit: query.limit ?? 1000,
          });
          if (csv) {
            return csvResponse(
              c,
              `login-timeline-${query.userId}`,
              toCsv(
                [
                  { header: 'login_history_id', value: (r) => r.loginHistoryId },
                  { header: 'login_time', value: (r) => r.loginTime },
                  { header: 'status', value: (r) => r.status },
                  { header: 'login_type', value: (r) => r.loginType },
                  { header: 'application', value: (r) => r.application },
                  { header: 'source_ip', value: (r) => r.sourceIp },
                  { header: 'country', value: (r) => r.country },
                  { header: 'city', value: (r) => r.city },
                  { header: 'browser', value: (r) => r.browser },
                  { header: 'platform', value: (r) => r.platform },
                ],
                rows,
              ),
            );
          }
          return c.json(
            { ...envelope, userId: query.userId, rows: rows as unknown as Record<string, unknown>[] },
            200,
          );
        }
      }
    },
  );

  const FindingPage = pageSchema(FindingSchema, 'FindingPage');

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/integrations/{id}/findings',
      tags,
      summary: 'List unauthorized-access findings of an integration',
      description:
        'Newest incident first (first seen). Recomputed after each collection run; status is yours.',
      security: bearerSecurity,
      request: {
        params: IntegrationIdParams,
        query: z.object({ ...FindingFilterQuery, format: FormatQuery }),
      },
      responses: {
        200: {
          description: 'A page of findings',
          content: { 'application/json': { schema: FindingPage }, ...csvContent },
        },
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const integration = await findTenantIntegration(sql, c.get('tenantId'), c.req.valid('param').id);
      const { cursor, format, ...filter } = c.req.valid('query');
      const after = decodeCursor('findings', cursor, [cursorPart.timestamp, cursorPart.uuid]);
      const page = await listFindings(sql, {
        ...filter,
        tenantId: c.get('tenantId'),
        integrationId: integration.id,
        after: after ? { firstSeenAt: after[0]!, id: after[1]! } : undefined,
      });
      if (wantsCsv(c, format)) return csvResponse(c, 'findings', toCsv(findingColumns, page.findings));
      return c.json(
        {
          data: page.findings,
          nextCursor: page.next ? encodeCursor('findings', [page.next.firstSeenAt, page.next.id]) : null,
        },
        200,
      );
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
      security: bearerSecurity,
      request: {
        query: z.object({
          ...FindingFilterQuery,
          integrationId: z.uuid().optional(),
          format: FormatQuery,
        }),
      },
      responses: {
        200: {
          description: 'A page of findings',
          content: { 'application/json': { schema: FindingPage }, ...csvContent },
        },
        ...errorResponses(),
      },
    }),
    async (c) => {
      const { cursor, format, ...filter } = c.req.valid('query');
      const after = decodeCursor('findings', cursor, [cursorPart.timestamp, cursorPart.uuid]);
      const page = await listFindings(sql, {
        ...filter,
        tenantId: c.get('tenantId'),
        after: after ? { firstSeenAt: after[0]!, id: after[1]! } : undefined,
      });
      if (wantsCsv(c, format)) return csvResponse(c, 'findings', toCsv(findingColumns, page.findings));
      return c.json(
        {
          data: page.findings,
          nextCursor: page.next ? encodeCursor('findings', [page.next.firstSeenAt, page.next.id]) : null,
        },
        200,
      );
    },
  );

  return app;
}

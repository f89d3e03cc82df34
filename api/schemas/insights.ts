import { z } from '@hono/zod-openapi';
import { findingKinds, findingSeverities, findingStatuses } from '../../insights/finding-kinds';
import { unusedReasons } from '../../insights/unused-accounts';
import { canonicalTimeZone, isTimeZone } from '../../platform/integration-options';
import { IntegrationIdParams } from '../openapi';
import { pageQuery, pageSchema } from '../pagination';

// ---- Shared query fields -------------------------------------------------------------------------------

export const FormatQuery = z
  .enum(['json', 'csv'])
  .optional()
  .openapi({ description: 'csv for auditors (same as sending Accept: text/csv); default json.' });

const Timestamp = z.iso.datetime({ offset: true }).or(z.iso.date()).openapi({
  description:
    'ISO 8601 date-time with an offset (Z for UTC), or a date, which means midnight in the report time zone.',
  example: '2026-05-01',
});

const TimeZoneQuery = z
  .string()
  .max(64)
  .refine(isTimeZone, 'must be an IANA time zone such as UTC, Europe/Paris or America/New_York')
  // The canonical name (America/New_York for america/new_york or US/Eastern), so it matches the zone the
  // rollup is kept in and PostgreSQL reads it the same way.
  .overwrite(canonicalTimeZone)
  .optional()
  .openapi({
    description:
      "IANA time zone of the report's days (daily and weekly buckets, and what a date-only from/to means). " +
      "Default: the integration's `timezone` option (UTC unless set), which the daily rollup is kept in; " +
      'another zone is answered from LoginHistory directly (exact, slower on large ranges).',
    example: 'America/New_York',
  });

/** Salesforce User Id, 15 (case-sensitive) or 18 characters (loginTimeline matches either form). */
const SalesforceUserId = z
  .string()
  .regex(/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/, 'must be a 15- or 18-character Salesforce User Id')
  .openapi({ description: 'Salesforce User Id (15 or 18 characters)' });

const truncationFields = {
  truncated: z.boolean().openapi({
    description:
      'True when more rows follow this page; request again with `cursor` = nextCursor. In CSV the same page ' +
      'ends with a marker row and the response carries X-Truncated: true and X-Next-Cursor.',
  }),
  nextCursor: z
    .string()
    .nullable()
    .openapi({ description: 'Pass as `cursor` for the next page; null at the end.' }),
};

const Cursor = z
  .string()
  .max(512)
  .optional()
  .openapi({ description: 'The `nextCursor` of the previous page; omit for the first page.' });

// ---- Unused accounts -----------------------------------------------------------------------------------

export const UnusedAccountsQuery = z.object({
  days: z.coerce.number().int().min(1).max(3650).default(90),
  limit: z.coerce.number().int().min(0).max(100_000).default(1000).openapi({
    description:
      'Most users listed per page in JSON (totals always count everyone); the CSV lists every user.',
  }),
  cursor: Cursor,
  format: FormatQuery,
});

export const LicenseUsageSchema = z
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

export const ReclaimableUserSchema = z
  .object({
    userId: z.string(),
    username: z.string(),
    name: z.string().nullable(),
    license: z.string(),
    profileName: z.string().nullable(),
    userType: z.string().nullable().openapi({ description: 'User.UserType' }),
    reasons: z.array(z.enum(unusedReasons)),
    lastLoginAt: z.string().nullable(),
    createdAt: z.string().nullable(),
  })
  .openapi('ReclaimableUser');

export const UnusedAccountsSchema = z
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
    users: z.array(ReclaimableUserSchema),
    usersTruncated: z.boolean().openapi({
      description: 'True when more users follow this page; request again with `cursor` = nextCursor.',
    }),
    nextCursor: z.string().nullable(),
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
export type UnusedAccountsBody = z.infer<typeof UnusedAccountsSchema>;

// ---- Authentication activity ---------------------------------------------------------------------------

export const authActivityViews = ['summary', 'top-users', 'top-ips', 'timeline'] as const;

export const AuthActivityQuery = z.object({
  view: z.enum(authActivityViews).default('summary'),
  groupBy: z.enum(['day', 'week']).default('day'),
  from: Timestamp.optional(),
  to: Timestamp.optional(),
  timeZone: TimeZoneQuery,
  userId: SalesforceUserId.optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional().openapi({
    description: 'top-users/top-ips default 50; timeline rows per page, default 1000.',
  }),
  cursor: Cursor.openapi({ description: 'timeline: the `nextCursor` of the previous page.' }),
  format: FormatQuery,
});

const rangeFields = {
  from: z.string().openapi({ description: 'Start of [from, to), ISO 8601 UTC.' }),
  to: z.string(),
  timeZone: z.string().openapi({ description: 'The IANA zone days and weeks are counted in.' }),
};

export const AuthSummaryRowSchema = z
  .object({
    period: z.string().openapi({ description: 'First local day of the day or ISO week (YYYY-MM-DD).' }),
    dimension: z.enum(['status', 'login_type', 'application', 'country']),
    value: z
      .string()
      .openapi({ description: "Status text, login type, application or country; '' when empty." }),
    logins: z.number().int(),
    failures: z.number().int(),
  })
  .openapi('AuthSummaryRow');

export const FailingUserRowSchema = z
  .object({
    userId: z.string(),
    username: z.string().nullable(),
    name: z.string().nullable(),
    failures: z.number().int(),
    distinctSourceIps: z.number().int(),
    lastFailureAt: z.string(),
  })
  .openapi('FailingUserRow');

export const FailingIpRowSchema = z
  .object({
    sourceIp: z.string(),
    failures: z.number().int(),
    distinctUsers: z.number().int(),
    lastFailureAt: z.string(),
  })
  .openapi('FailingIpRow');

export const TimelineRowSchema = z
  .object({
    loginHistoryId: z.string(),
    loginTime: z.string(),
    status: z.string().nullable(),
    loginType: z.string().nullable(),
    application: z.string().nullable(),
    sourceIp: z.string().nullable(),
    country: z.string().nullable(),
    city: z.string().nullable(),
    browser: z.string().nullable(),
    platform: z.string().nullable(),
  })
  .openapi('TimelineRow');

/** One shape per view, told apart by `view`, so the contract (and the handler) is typed per view. */
export const AuthActivitySchema = z
  .discriminatedUnion('view', [
    z
      .object({
        view: z.literal('summary'),
        ...rangeFields,
        groupBy: z.enum(['day', 'week']),
        rows: z.array(AuthSummaryRowSchema),
      })
      .openapi('AuthActivitySummary'),
    z
      .object({ view: z.literal('top-users'), ...rangeFields, rows: z.array(FailingUserRowSchema) })
      .openapi('AuthActivityTopUsers'),
    z
      .object({ view: z.literal('top-ips'), ...rangeFields, rows: z.array(FailingIpRowSchema) })
      .openapi('AuthActivityTopIps'),
    z
      .object({
        view: z.literal('timeline'),
        ...rangeFields,
        userId: z.string(),
        rows: z.array(TimelineRowSchema),
        ...truncationFields,
      })
      .openapi('AuthActivityTimeline'),
  ])
  .openapi('AuthActivity');
export type AuthActivity = z.infer<typeof AuthActivitySchema>;
/** The body of one auth-activity view (`view=summary`, `top-users`, …). */
export type AuthActivityView<V extends AuthActivity['view']> = Extract<AuthActivity, { view: V }>;

// ---- Findings ------------------------------------------------------------------------------------------

export const FindingSchema = z
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
export type FindingBody = z.infer<typeof FindingSchema>;

export const FindingWithHistorySchema = FindingSchema.extend({
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
export type FindingWithHistoryBody = z.infer<typeof FindingWithHistorySchema>;

export const FindingPageSchema = pageSchema(FindingSchema, 'FindingPage');
export type FindingPageBody = z.infer<typeof FindingPageSchema>;

const FindingFilterQuery = {
  ...pageQuery,
  kind: z.enum(findingKinds).optional(),
  severity: z.enum(findingSeverities).optional(),
  status: z.enum(findingStatuses).optional(),
};

export const IntegrationFindingsQuery = z.object({ ...FindingFilterQuery, format: FormatQuery });

export const TenantFindingsQuery = z.object({
  ...FindingFilterQuery,
  integrationId: z.uuid().optional(),
  format: FormatQuery,
});

export const FindingParams = IntegrationIdParams.extend({
  findingId: z.uuid().openapi({ param: { name: 'findingId', in: 'path' }, description: 'Finding id' }),
});

export const FindingStatusBody = z
  .object({
    status: z.enum(findingStatuses),
    note: z.string().max(2000).nullable().optional().openapi({
      description: 'Kept when omitted; null clears it. Every change is recorded in statusHistory.',
    }),
  })
  .strict()
  .openapi('FindingStatusChange');

/** CSV alternative of a report's 200 response. */
export const csvContent = { 'text/csv': { schema: z.string() } };

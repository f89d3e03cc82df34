import type { Sql } from '../platform/database';
import type { CsvColumn } from './csv';
import { CURSOR_TIME_FORMAT } from '../platform/database';
import { loadIntegrationOptions } from './integration-settings';

const DAY_MS = 86_400_000;

export const unusedReasons = ['unused', 'api_only_unused', 'never_logged_in', 'frozen_with_license'] as const;
export type UnusedReason = (typeof unusedReasons)[number];

/**
 * Which licences can be reclaimed. User.UserType is "the category of user license"
 * (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_user.htm);
 * these categories hold no seat an admin could free by deactivating an idle user:
 * - Guest: the Experience Cloud site guest user, which never logs in and cannot be deactivated;
 * - AutomatedProcess: the platform's own user for flows and platform events (no licence);
 * - CloudIntegrationUser: the Salesforce-managed integration users (Analytics, Data Cloud);
 * - CsnOnly: Chatter Free and Chatter External, which cost nothing;
 * - SelfService: the legacy Self-Service portal users, which hold no user licence.
 * Every other value (Standard, PowerPartner, PowerCustomerSuccess, CustomerSuccess, CspLitePortal, and any
 * value Salesforce adds later) is treated as a paid seat: a new category shows up in the report rather than
 * hiding a licence. A null UserType (rows collected before the field was) counts as Standard.
 */
export const NON_RECLAIMABLE_USER_TYPES = [
  'Guest',
  'AutomatedProcess',
  'CloudIntegrationUser',
  'CsnOnly',
  'SelfService',
] as const;

/**
 * UserLicense.Name values with no per-user seat to reclaim
 * (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_userlicense.htm):
 * Chatter and guest licences (free), the Analytics Cloud integration users' licence (provisioned by
 * Salesforce), and Salesforce Integration, the licence made for API-only integration users
 * (https://help.salesforce.com/s/articleView?id=platform.integration_user.htm): an idle one frees no full seat,
 * so it stays in `apiOnlyUsers` only. Experience Cloud login-based licences (the name ends in " Login":
 * Customer Community Login, Partner Community Login…) are bought as monthly logins, not per member, so an
 * idle holder costs nothing either; refreshUserLicenseActivity matches them by that suffix.
 */
export const FREE_LICENSES = [
  'Salesforce Integration',
  'Chatter Free',
  'Chatter External',
  'Guest User License',
  'Analytics Cloud Integration User',
] as const;

export interface ReclaimableUser {
  userId: string;
  username: string;
  name: string | null;
  license: string;
  profileName: string | null;
  /** User.UserType (Standard, PowerPartner, CspLitePortal…); null when not collected. */
  userType: string | null;
  /**
   * unused: no successful login for `days` (or none at all and created before that); never_logged_in: no
   * successful login ever and created more than `days` ago (a subset of unused); api_only_unused: an API-only
   * integration user on a paid licence with no successful (API) login for `days`, i.e. a dead integration still
   * holding a seat; frozen_with_license: frozen but still active, so still consuming a licence, whatever its
   * last login. unused and never_logged_in are for people, api_only_unused for API-only users.
   */
  reasons: UnusedReason[];
  /** Latest successful login: LoginHistory where collected (as of the last recompute), else User.LastLoginDate. */
  lastLoginAt: string | null;
  createdAt: string | null;
}

export const reclaimableUserColumns: CsvColumn<ReclaimableUser>[] = [
  { header: 'user_id', value: (u) => u.userId },
  { header: 'username', value: (u) => u.username },
  { header: 'name', value: (u) => u.name },
  { header: 'license', value: (u) => u.license },
  { header: 'profile', value: (u) => u.profileName },
  { header: 'user_type', value: (u) => u.userType },
  { header: 'reasons', value: (u) => u.reasons },
  { header: 'last_login_at', value: (u) => u.lastLoginAt },
  { header: 'created_at', value: (u) => u.createdAt },
];

export interface LicenseUsage {
  license: string;
  totalLicenses: number | null;
  usedLicenses: number | null;
  unused: number;
  neverLoggedIn: number;
  apiOnlyUnused: number;
  frozenWithLicense: number;
  reclaimable: number;
  monthlyPrice: number | null;
  estimatedMonthlySavings: number | null;
}

export interface ApiOnlyUser {
  userId: string;
  username: string;
  name: string | null;
  license: string;
  profileName: string | null;
  lastLoginAt: string | null;
}

export interface UnusedAccountsReport {
  asOf: string;
  days: number;
  totals: {
    unused: number;
    neverLoggedIn: number;
    apiOnlyUnused: number;
    frozenWithLicense: number;
    /** Users with at least one reason, each counted once: the licences that could be reclaimed. */
    reclaimable: number;
    /** Null when no reclaimable licence has a price in the integration's options. */
    estimatedMonthlySavings: number | null;
  };
  licenses: LicenseUsage[];
  users: ReclaimableUser[];
  /** True when more users follow this page (the totals always count everyone); `next` continues the list. */
  usersTruncated: boolean;
  /** Where the next page of `users` starts; null on the last page. */
  next: UnusedUserCursor | null;
  apiOnlyUsers: ApiOnlyUser[];
}

/** Position after the last user of a page, in the listed order (licence, last login nulls first, user id). */
export interface UnusedUserCursor {
  license: string;
  /** Last successful login as PostgreSQL's microsecond UTC text; null for a user who never logged in. */
  lastLoginAt: string | null;
  userId: string;
}

const NO_LICENSE = '(no licence)';

/**
 * SQL condition: the row's `license` (UserLicense.Name) and `user_type` (User.UserType) name a seat that could
 * be reclaimed. Both columns must be in scope unqualified (refreshUserLicenseActivity evaluates it once per
 * user; the report reads the stored result).
 */
export function reclaimableLicence(sql: Sql) {
  return sql`(
    license is not null
    and coalesce(user_type, 'Standard') <> all(${[...NON_RECLAIMABLE_USER_TYPES]}::text[])
    and license <> all(${[...FREE_LICENSES]}::text[])
    and license not like '% Login'
  )`;
}

/**
 * Licence reclamation over active users holding a reclaimable licence (inactive users hold none; see
 * NON_RECLAIMABLE_USER_TYPES and FREE_LICENSES for the seats that cannot be reclaimed). API-only integration
 * users are all listed in `apiOnlyUsers`; those on a paid licence with no successful login (their API
 * logins are LoginHistory successes too) for `days` are reclaimable with their own reason, api_only_unused:
 * a dead integration on a full licence is often the most expensive idle seat of an org.
 * "Last successful login" is the later of LoginHistory's last success and User.LastLoginDate, so users whose
 * last login predates the retained LoginHistory (about six months) fall back to LastLoginDate.
 *
 * Plan: user_license_activity (migrations/00005) holds, per active user, the licence, API-only class, frozen
 * flag, UserType, whether the licence is reclaimable (migrations/00011) and last successful login, resolved by
 * recomputeFindings; the report is two index-only ranges of its
 * partial indexes (activity before the cutoff, frozen), with the display fields copied in, so sf_users is
 * not read at all. The cost grows with the reclaimable users, not the org or its logins.
 *
 * Freshness: the table is rebuilt by recomputeFindings at the end of every collection run (the same moment
 * findings and the daily counts are) from the users and LoginHistory that run collected, so the report
 * reflects the last finished run.
 */
export async function unusedAccounts(
  sql: Sql,
  integrationId: string,
  {
    days,
    limit,
    asOf,
    after,
  }: {
    days: number;
    /** Users per page; null lists every reclaimable user (the CSV). */
    limit: number | null;
    asOf: Date;
    after?: UnusedUserCursor;
  },
  /** Where the users come from: user_license_activity, kept by recomputeFindings (tests pass a reference). */
  sources: UnusedAccountsSources = {
    reclaimableUsers: reclaimableUsersQuery,
    apiOnlyUsers: apiOnlyUsersQuery,
  },
): Promise<UnusedAccountsReport> {
  const cutoff = new Date(asOf.getTime() - days * DAY_MS);
  const options = await loadIntegrationOptions(sql, integrationId);
  const prices = options?.licenseMonthlyPrices ?? {};

  const [[reclaimable], licenses, apiOnly] = await Promise.all([
    sources.reclaimableUsers(sql, integrationId, cutoff, limit, after),
    sql<{ name: string; total_licenses: number | null; used_licenses: number | null }[]>`
      select name, total_licenses, used_licenses from sf_user_licenses
      where integration_id = ${integrationId}
      order by name
    `,
    sources.apiOnlyUsers(sql, integrationId),
  ]);

  const fetched = reclaimable?.users ?? [];
  const more = limit !== null && fetched.length > limit;
  const page = more ? fetched.slice(0, limit) : fetched;
  const last = page.at(-1);

  const byLicense = new Map<string, LicenseUsage>();
  const usage = (license: string): LicenseUsage => {
    let entry = byLicense.get(license);
    if (!entry) {
      const price = prices[license];
      entry = {
        license,
        totalLicenses: null,
        usedLicenses: null,
        unused: 0,
        neverLoggedIn: 0,
        apiOnlyUnused: 0,
        frozenWithLicense: 0,
        reclaimable: 0,
        monthlyPrice: price ?? null,
        estimatedMonthlySavings: price === undefined ? null : 0,
      };
      byLicense.set(license, entry);
    }
    return entry;
  };
  for (const license of licenses) {
    const entry = usage(license.name);
    entry.totalLicenses = license.total_licenses;
    entry.usedLicenses = license.used_licenses;
  }
  for (const row of reclaimable?.counts ?? []) {
    const entry = usage(row.license);
    entry.unused += row.unused;
    entry.neverLoggedIn += row.never_logged_in;
    entry.apiOnlyUnused += row.api_only_unused;
    entry.frozenWithLicense += row.frozen_with_license;
    entry.reclaimable += row.reclaimable;
  }
  for (const entry of byLicense.values()) {
    if (entry.monthlyPrice !== null)
      entry.estimatedMonthlySavings = round2(entry.reclaimable * entry.monthlyPrice);
  }
  const licenseList = [...byLicense.values()].sort((a, b) => a.license.localeCompare(b.license));
  const priced = licenseList.filter(
    (entry) => entry.estimatedMonthlySavings !== null && entry.reclaimable > 0,
  );

  return {
    asOf: asOf.toISOString(),
    days,
    totals: {
      unused: sum(licenseList, (e) => e.unused),
      neverLoggedIn: sum(licenseList, (e) => e.neverLoggedIn),
      apiOnlyUnused: sum(licenseList, (e) => e.apiOnlyUnused),
      frozenWithLicense: sum(licenseList, (e) => e.frozenWithLicense),
      reclaimable: sum(licenseList, (e) => e.reclaimable),
      estimatedMonthlySavings:
        priced.length === 0 ? null : round2(sum(priced, (e) => e.estimatedMonthlySavings ?? 0)),
    },
    licenses: licenseList,
    // json_agg renders timestamptz as PostgreSQL text; normalise to ISO 8601 UTC like every other field.
    users: page.map((row) => ({
      userId: row.user_id,
      username: row.username,
      name: row.name,
      license: row.license,
      profileName: row.profile_name,
      userType: row.user_type,
      reasons: row.reasons,
      lastLoginAt: row.last_login_at ? new Date(row.last_login_at).toISOString() : null,
      createdAt: row.created_at ? new Date(row.created_at).toISOString() : null,
    })),
    usersTruncated: more,
    next:
      more && last ? { license: last.license, lastLoginAt: last.cursor_time, userId: last.user_id } : null,
    apiOnlyUsers: apiOnly.map((row) => ({
      userId: row.user_id,
      username: row.username,
      name: row.name,
      license: row.license ?? NO_LICENSE,
      profileName: row.profile_name,
      lastLoginAt: row.last_login_at?.toISOString() ?? null,
    })),
  };
}

/** The two statements behind the report's user lists. */
export interface UnusedAccountsSources {
  reclaimableUsers: (
    sql: Sql,
    integrationId: string,
    cutoff: Date,
    limit: number | null,
    after?: UnusedUserCursor,
  ) => Promise<ReclaimableRow[]>;
  apiOnlyUsers: (sql: Sql, integrationId: string) => Promise<ApiOnlyRow[]>;
}

export type ReclaimableRow = {
  counts: {
    license: string;
    unused: number;
    never_logged_in: number;
    api_only_unused: number;
    frozen_with_license: number;
    reclaimable: number;
  }[];
  users: {
    user_id: string;
    username: string;
    name: string | null;
    license: string;
    profile_name: string | null;
    user_type: string | null;
    reasons: UnusedReason[];
    last_login_at: string | null;
    cursor_time: string | null;
    created_at: string | null;
  }[];
};

export type ApiOnlyRow = {
  user_id: string;
  username: string;
  name: string | null;
  license: string | null;
  profile_name: string | null;
  last_login_at: Date | null;
};

/**
 * Keyset condition for the page after `after` in (license, last_login_at nulls first, user_id) order. The row
 * comparison covers a cursor with a last login: a null last_login_at in the same licence compares as null
 * (excluded), which is right since nulls sort first; a never-logged-in cursor continues with the remaining
 * never-logged-in users of its licence, then every user of that licence who did log in.
 */
export function afterReclaimableUser(sql: Sql, after: UnusedUserCursor | undefined) {
  if (!after) return sql``;
  if (after.lastLoginAt === null) {
    return sql`and (license > ${after.license} or (license = ${after.license}
      and (last_login_at is not null or user_id > ${after.userId})))`;
  }
  return sql`and (license, last_login_at, user_id) >
    (${after.license}::text, ${after.lastLoginAt}::text::timestamptz, ${after.userId}::text)`;
}

function sum<T>(items: T[], pick: (item: T) => number): number {
  return items.reduce((total, item) => total + pick(item), 0);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * Active users on a reclaimable licence (see NON_RECLAIMABLE_USER_TYPES, FREE_LICENSES) with at least one
 * reason; API-only users among them get api_only_unused instead of unused/never_logged_in (exported for the
 * benchmark's EXPLAIN).
 */
export function reclaimableUsersQuery(
  sql: Sql,
  integrationId: string,
  cutoff: Date,
  limit: number | null,
  after?: UnusedUserCursor,
) {
  return sql<ReclaimableRow[]>`
    -- Counts: two index-only ranges of the partial indexes (activity before the cutoff; frozen users not in
    -- the first range), hash-aggregated per licence. No wide rows are materialised.
    with counts as materialized (
      select license,
        count(*) filter (where unused and not api_only)::int as unused,
        count(*) filter (where never_logged_in)::int as never_logged_in,
        count(*) filter (where unused and api_only)::int as api_only_unused,
        count(*) filter (where frozen)::int as frozen_with_license,
        count(*)::int as reclaimable
      from (
        select license, api_only, true as unused,
          not api_only and last_login_at is null and created_at < ${cutoff} as never_logged_in, frozen
        from user_license_activity
        where integration_id = ${integrationId} and reclaimable and activity_at < ${cutoff}
        union all
        select license, api_only, false, not api_only and last_login_at is null and created_at < ${cutoff}, true
        from user_license_activity
        where integration_id = ${integrationId} and frozen and reclaimable
          and (activity_at is null or activity_at >= ${cutoff})
      ) x
      group by license
    )
    select
      (select coalesce(json_agg(c), '[]') from counts c) as counts,
      -- The page: user_license_activity_page is already in the listed order, so the scan stops after
      -- page size of reclaimable users.
      (select coalesce(json_agg(r), '[]') from (
        select user_id, username, name, license, profile_name, user_type,
          array_remove(array[
            case when activity_at < ${cutoff} and not api_only then 'unused' end,
            case when activity_at < ${cutoff} and api_only then 'api_only_unused' end,
            case when not api_only and last_login_at is null and created_at < ${cutoff} then 'never_logged_in' end,
            case when frozen then 'frozen_with_license' end
          ], null) as reasons,
          last_login_at, created_at,
          to_char(last_login_at at time zone 'UTC', ${CURSOR_TIME_FORMAT}) as cursor_time
        from user_license_activity
        where integration_id = ${integrationId} and reclaimable and (activity_at < ${cutoff} or frozen)
          ${afterReclaimableUser(sql, after)}
        order by license, last_login_at nulls first, user_id
        -- One more than the page tells whether another page follows; null (the CSV) lists everyone.
        limit ${limit === null ? null : limit + 1}
      ) r) as users
  `;
}

/** Active API-only users and their last successful login: one index-only range, already in username order. */
export function apiOnlyUsersQuery(sql: Sql, integrationId: string) {
  return sql<ApiOnlyRow[]>`
    select user_id, username, name, license, profile_name, last_login_at
    from user_license_activity
    where integration_id = ${integrationId} and api_only
    order by username
  `;
}

import { z } from 'zod';
import type { Sql } from '../platform/database';

const DAY_MS = 86_400_000;

export const authDimensions = ['status', 'login_type', 'application', 'country'] as const;
export type AuthDimension = (typeof authDimensions)[number];

export const authActivityQuerySchema = z.object({
  view: z.enum(['summary', 'top-users', 'top-ips', 'timeline']).default('summary'),
  groupBy: z.enum(['day', 'week']).default('day'),
  from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  userId: z.string().min(15).max(18).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
  format: z.enum(['json', 'csv']).optional(),
});
export type AuthActivityQuery = z.infer<typeof authActivityQuerySchema>;

/** [from, to) in UTC; the review defaults to the last 30 days, the span auditors usually ask for. */
export function resolveRange(query: { from?: string; to?: string }, now: Date): { from: Date; to: Date } {
  const to = query.to ? new Date(query.to) : now;
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * DAY_MS);
  return { from, to };
}

/**
 * Rebuilds the daily counts from `fromDay` (a UTC date, null = everything) from LoginHistory. Whole days are
 * replaced, so re-running after an incremental collection that re-read an overlap is idempotent.
 */
export async function refreshLoginDailyCounts(sql: Sql, integrationId: string, fromDay: string | null) {
  const start = fromDay ?? '-infinity';
  await sql.begin(async (sql) => {
    await sql`
      delete from login_daily_counts
      where integration_id = ${integrationId} and day >= ${start}::text::date
    `;
    // One pass with grouping sets instead of one aggregate per dimension; grouping() names the dimension.
    await sql`
      insert into login_daily_counts (integration_id, day, dimension, value, logins, failures)
      select ${integrationId}, day,
        case
          when grouping(status) = 0 then 'status'
          when grouping(login_type) = 0 then 'login_type'
          when grouping(application) = 0 then 'application'
          else 'country'
        end,
        coalesce(
          case
            when grouping(status) = 0 then status
            when grouping(login_type) = 0 then login_type
            when grouping(application) = 0 then application
            else country
          end,
          ''
        ),
        count(*),
        count(*) filter (where status <> 'Success')
      from (
        select (login_time at time zone 'UTC')::date as day, status, login_type, application,
          coalesce(geo_country_iso, country_iso) as country
        from sf_login_history
        -- UTC midnight whatever the session's TimeZone, matching the UTC day the rows are grouped into.
        where integration_id = ${integrationId}
          and login_time >= ${start}::text::date::timestamp at time zone 'UTC'
      ) h
      group by grouping sets ((day, status), (day, login_type), (day, application), (day, country))
    `;
  });
}

export interface AuthSummaryRow {
  /** First UTC day of the period (ISO date). */
  period: string;
  dimension: AuthDimension;
  /** The status text, login type, application or country ISO code; '' when Salesforce left it empty. */
  value: string;
  logins: number;
  failures: number;
}

/** Counts per day or ISO week for each dimension, from the daily rollup (whole UTC days of the range). */
export async function authActivitySummary(
  sql: Sql,
  integrationId: string,
  { groupBy, from, to }: { groupBy: 'day' | 'week'; from: Date; to: Date },
): Promise<AuthSummaryRow[]> {
  const rows = await sql<
    { period: string; dimension: AuthDimension; value: string; logins: number; failures: number }[]
  >`
    select to_char(date_trunc(${groupBy}, day), 'YYYY-MM-DD') as period, dimension, value,
      sum(logins)::int as logins, sum(failures)::int as failures
    from login_daily_counts
    where integration_id = ${integrationId}
      and day >= (${from}::timestamptz at time zone 'UTC')::date
      and day < (${to}::timestamptz at time zone 'UTC')::date + 1
    group by 1, 2, 3
    order by 1, 2, 4 desc, 3
  `;
  return rows.map((row) => ({ ...row }));
}

export interface FailingUserRow {
  userId: string;
  username: string | null;
  name: string | null;
  failures: number;
  distinctSourceIps: number;
  lastFailureAt: string;
}

export interface FailingIpRow {
  sourceIp: string;
  failures: number;
  distinctUsers: number;
  lastFailureAt: string;
}

/**
 * [from, to) split for the failure rollup: the whole UTC days inside it come from login_failure_daily, the
 * partial first and last day (at most two days of failures) from LoginHistory. Without a whole day inside,
 * everything is the head.
 */
export function splitRange(from: Date, to: Date) {
  const firstDay = Math.ceil(from.getTime() / DAY_MS) * DAY_MS;
  const endDay = Math.floor(to.getTime() / DAY_MS) * DAY_MS;
  if (firstDay >= endDay) {
    return { dayFrom: isoDay(firstDay), dayTo: isoDay(firstDay), headEnd: to, tailStart: to };
  }
  return {
    dayFrom: isoDay(firstDay),
    dayTo: isoDay(endDay),
    headEnd: new Date(firstDay),
    tailStart: new Date(endDay),
  };
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Failures in [from, to) as (user_id, source_ip, failures, last_failure_at) rows: rollup rows for the whole
 * days, one row per LoginHistory failure for the partial days at either end. Exactly the failures of the raw
 * range, so sums and maxima over it equal the LoginHistory aggregate.
 */
function failuresInRange(sql: Sql, integrationId: string, from: Date, to: Date) {
  const { dayFrom, dayTo, headEnd, tailStart } = splitRange(from, to);
  return sql`
    select user_id, source_ip, failures, last_failure_at
    from login_failure_daily
    where integration_id = ${integrationId} and day >= ${dayFrom}::date and day < ${dayTo}::date
    union all
    select user_id, source_ip, 1, login_time
    from sf_login_history
    where integration_id = ${integrationId} and status <> 'Success'
      and ((login_time >= ${from} and login_time < ${headEnd}) or (login_time >= ${tailStart} and login_time < ${to}))
  `;
}

/**
 * Users with the most failed logins in [from, to). Counts and last failure come from the daily failure
 * rollup (plus the partial end days from LoginHistory), hash-aggregated per user; the distinct source IPs,
 * which cannot be summed across days, are counted only for the listed users, one index range each.
 * Freshness: whole days are as of the last recompute (after every collection run); the partial days are live.
 */
export async function topFailingUsers(
  sql: Sql,
  integrationId: string,
  { from, to, limit }: { from: Date; to: Date; limit: number },
): Promise<FailingUserRow[]> {
  const { dayFrom, dayTo, headEnd, tailStart } = splitRange(from, to);
  const rows = await sql<FailingUserDbRow[]>`
    with top as (
      select user_id, sum(failures)::int as failures, max(last_failure_at) as last_failure_at
      from (${failuresInRange(sql, integrationId, from, to)}) f
      group by user_id
      order by failures desc, user_id
      limit ${limit}
    )
    select t.user_id, u.username, u.name, t.failures, ips.n as distinct_ips, t.last_failure_at
    from top t
    cross join lateral (
      select count(distinct source_ip)::int as n from (
        select d.source_ip from login_failure_daily d
        where d.integration_id = ${integrationId} and d.user_id = t.user_id
          and d.day >= ${dayFrom}::date and d.day < ${dayTo}::date
        union all
        select h.source_ip from sf_login_history h
        where h.integration_id = ${integrationId} and h.user_id = t.user_id and h.status <> 'Success'
          and ((h.login_time >= ${from} and h.login_time < ${headEnd})
            or (h.login_time >= ${tailStart} and h.login_time < ${to}))
      ) s
    ) ips
    left join sf_users u on u.integration_id = ${integrationId} and u.id = t.user_id
    order by t.failures desc, t.user_id
  `;
  return rows.map(toFailingUser);
}

/** Source IPs with the most failed logins in [from, to); same rollup and freshness as topFailingUsers. */
export async function topFailingIps(
  sql: Sql,
  integrationId: string,
  { from, to, limit }: { from: Date; to: Date; limit: number },
): Promise<FailingIpRow[]> {
  const { dayFrom, dayTo, headEnd, tailStart } = splitRange(from, to);
  const rows = await sql<FailingIpDbRow[]>`
    with top as (
      select source_ip, sum(failures)::int as failures, max(last_failure_at) as last_failure_at
      from (${failuresInRange(sql, integrationId, from, to)}) f
      where source_ip is not null
      group by source_ip
      order by failures desc, source_ip
      limit ${limit}
    )
    select t.source_ip, t.failures, users.n as distinct_users, t.last_failure_at
    from top t
    cross join lateral (
      select count(distinct user_id)::int as n from (
        select d.user_id from login_failure_daily d
        where d.integration_id = ${integrationId} and d.source_ip = t.source_ip
          and d.day >= ${dayFrom}::date and d.day < ${dayTo}::date
        union all
        select h.user_id from sf_login_history h
        where h.integration_id = ${integrationId} and h.source_ip = t.source_ip and h.status <> 'Success'
          and ((h.login_time >= ${from} and h.login_time < ${headEnd})
            or (h.login_time >= ${tailStart} and h.login_time < ${to}))
      ) s
    ) users
    order by t.failures desc, t.source_ip
  `;
  return rows.map(toFailingIp);
}

/**
 * The same two lists aggregated straight from LoginHistory: the reference the rollup answers are tested
 * against (and the plan the README compares with). Not used by the API.
 */
export async function topFailingUsersFromLoginHistory(
  sql: Sql,
  integrationId: string,
  { from, to, limit }: { from: Date; to: Date; limit: number },
): Promise<FailingUserRow[]> {
  const rows = await sql<FailingUserDbRow[]>`
    select f.user_id, u.username, u.name, f.failures, f.distinct_ips, f.last_failure_at
    from (
      select user_id, count(*)::int as failures, count(distinct source_ip)::int as distinct_ips,
        max(login_time) as last_failure_at
      from sf_login_history
      where integration_id = ${integrationId} and status <> 'Success'
        and login_time >= ${from} and login_time < ${to}
      group by user_id
      order by failures desc, user_id
      limit ${limit}
    ) f
    left join sf_users u on u.integration_id = ${integrationId} and u.id = f.user_id
    order by f.failures desc, f.user_id
  `;
  return rows.map(toFailingUser);
}

export async function topFailingIpsFromLoginHistory(
  sql: Sql,
  integrationId: string,
  { from, to, limit }: { from: Date; to: Date; limit: number },
): Promise<FailingIpRow[]> {
  const rows = await sql<FailingIpDbRow[]>`
    select source_ip, count(*)::int as failures, count(distinct user_id)::int as distinct_users,
      max(login_time) as last_failure_at
    from sf_login_history
    where integration_id = ${integrationId} and status <> 'Success'
      and login_time >= ${from} and login_time < ${to} and source_ip is not null
    group by source_ip
    order by failures desc, source_ip
    limit ${limit}
  `;
  return rows.map(toFailingIp);
}

interface FailingUserDbRow {
  user_id: string;
  username: string | null;
  name: string | null;
  failures: number;
  distinct_ips: number;
  last_failure_at: Date;
}

interface FailingIpDbRow {
  source_ip: string;
  failures: number;
  distinct_users: number;
  last_failure_at: Date;
}

function toFailingUser(row: FailingUserDbRow): FailingUserRow {
  return {
    userId: row.user_id,
    username: row.username,
    name: row.name,
    failures: row.failures,
    distinctSourceIps: row.distinct_ips,
    lastFailureAt: row.last_failure_at.toISOString(),
  };
}

function toFailingIp(row: FailingIpDbRow): FailingIpRow {
  return {
    sourceIp: row.source_ip,
    failures: row.failures,
    distinctUsers: row.distinct_users,
    lastFailureAt: row.last_failure_at.toISOString(),
  };
}

export interface TimelineRow {
  loginHistoryId: string;
  loginTime: string;
  status: string | null;
  loginType: string | null;
  application: string | null;
  sourceIp: string | null;
  country: string | null;
  city: string | null;
  browser: string | null;
  platform: string | null;
}

/** One user's logins in [from, to), newest first, through the (integration, user, login_time) index. */
export async function loginTimeline(
  sql: Sql,
  integrationId: string,
  { userId, from, to, limit }: { userId: string; from: Date; to: Date; limit: number },
): Promise<TimelineRow[]> {
  const rows = await sql<
    {
      id: string;
      login_time: Date;
      status: string | null;
      login_type: string | null;
      application: string | null;
      source_ip: string | null;
      country: string | null;
      city: string | null;
      browser: string | null;
      platform: string | null;
    }[]
  >`
    select id, login_time, status, login_type, application, source_ip,
      coalesce(geo_country_iso, country_iso) as country, geo_city as city, browser, platform
    from sf_login_history
    where integration_id = ${integrationId} and user_id = ${userId}
      and login_time >= ${from} and login_time < ${to}
    order by login_time desc, id desc
    limit ${limit}
  `;
  return rows.map((row) => ({
    loginHistoryId: row.id,
    loginTime: row.login_time.toISOString(),
    status: row.status,
    loginType: row.login_type,
    application: row.application,
    sourceIp: row.source_ip,
    country: row.country,
    city: row.city,
    browser: row.browser,
    platform: row.platform,
  }));
}

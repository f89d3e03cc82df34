import { CURSOR_TIME_FORMAT, type Sql } from '../platform/database';
import type { CsvColumn } from './csv';
import { userIdForms } from './salesforce-id';
import { lockRollups } from './rollups';
import { FULL_RECOMPUTE_WORK_MEM } from './work-mem';

const DAY_MS = 86_400_000;

export const authDimensions = ['status', 'login_type', 'application', 'country'] as const;
export type AuthDimension = (typeof authDimensions)[number];

/**
 * [from, to) for a report; the review defaults to the last 30 days, the span auditors usually ask for. A
 * date-only bound is midnight of that date in `timeZone` (the report's zone); a date-time carries its offset.
 */
export function resolveRange(
  query: { from?: string; to?: string },
  now: Date,
  timeZone = 'UTC',
): { from: Date; to: Date } {
  const at = (value: string) => (DATE_ONLY.test(value) ? startOfLocalDay(value, timeZone) : new Date(value));
  const to = query.to ? at(query.to) : now;
  const from = query.from ? at(query.from) : new Date(to.getTime() - 30 * DAY_MS);
  return { from, to };
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** The instant a calendar date starts in an IANA zone (00:00 local; on a DST day that skips midnight, the first instant after). */
export function startOfLocalDay(date: string, timeZone: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(year, month - 1, day);
  // Two passes: the offset at the first guess can differ from the offset at the answer across a DST change.
  let instant = wall - zoneOffsetMs(wall, timeZone);
  instant = wall - zoneOffsetMs(instant, timeZone);
  return new Date(instant);
}

/** The zone's offset from UTC at an instant (local wall clock minus UTC), in milliseconds. */
function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(instant));
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * Rebuilds the daily counts from LoginHistory, in the integration's time zone: a row's `day` is the local date
 * of its logins, so a day is 23 or 25 hours long across DST changes. Whole local days from the one holding
 * `from` (an ISO 8601 instant; null = everything) are replaced, so re-running after an incremental collection
 * that re-read an overlap is idempotent. When the zone differs from the one the counts were kept in (the
 * integration's option changed), every day is rebuilt.
 */
export async function refreshLoginDailyCounts(
  sql: Sql,
  integrationId: string,
  from: string | null,
  timeZone = 'UTC',
) {
  await sql.begin(async (sql) => {
    // The same per-integration lock as the other rollups (rollups.ts): two overlapping recomputes would
    // otherwise both delete, then collide on the primary key with each other's inserts.
    await lockRollups(sql, integrationId);
    const [kept] = await sql<{ time_zone: string }[]>`
      select time_zone from login_daily_counts_zone where integration_id = ${integrationId}
    `;
    const since = kept?.time_zone === timeZone ? from : null;
    if (since === null) await sql`select set_config('work_mem', ${FULL_RECOMPUTE_WORK_MEM}, true)`;
    // The first local day to rebuild (null: every day), and below the instant it starts: midnight in the zone,
    // whatever the session's TimeZone. Kept in SQL: an infinite date does not survive a JavaScript Date.
    const firstDay = sql`(${since}::text::timestamptz at time zone ${timeZone})::date`;
    await sql`
      delete from login_daily_counts
      where integration_id = ${integrationId} and day >= coalesce(${firstDay}, '-infinity'::date)
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
        select (login_time at time zone ${timeZone})::date as day, status, login_type, application,
          coalesce(geo_country_iso, country_iso) as country
        from sf_login_history
        where integration_id = ${integrationId}
          and login_time >= coalesce(${firstDay}::timestamp at time zone ${timeZone}, '-infinity')
      ) h
      group by grouping sets ((day, status), (day, login_type), (day, application), (day, country))
    `;
    await sql`
      insert into login_daily_counts_zone (integration_id, time_zone) values (${integrationId}, ${timeZone})
      on conflict (integration_id) do update set time_zone = excluded.time_zone
      where login_daily_counts_zone.time_zone <> excluded.time_zone
    `;
  });
}

export interface AuthSummaryRow {
  /** First local day of the period (ISO date) in the report's time zone. */
  period: string;
  dimension: AuthDimension;
  /** The status text, login type, application or country ISO code; '' when Salesforce left it empty. */
  value: string;
  logins: number;
  failures: number;
}

export const authSummaryColumns: CsvColumn<AuthSummaryRow>[] = [
  { header: 'period', value: (r) => r.period },
  { header: 'dimension', value: (r) => r.dimension },
  { header: 'value', value: (r) => r.value },
  { header: 'logins', value: (r) => r.logins },
  { header: 'failures', value: (r) => r.failures },
];

/**
 * Counts per day or ISO week (Monday) for each dimension, in whole days of `timeZone`: a partial first or last
 * day of [from, to) is widened to the whole local day, and a `to` at local midnight ends with the day before.
 * In the zone the daily rollup is kept in (the integration's option) the rows come from login_daily_counts;
 * any other zone is aggregated from LoginHistory directly, exact but proportional to the logins in range.
 */
export async function authActivitySummary(
  sql: Sql,
  integrationId: string,
  {
    groupBy,
    from,
    to,
    timeZone = 'UTC',
  }: { groupBy: 'day' | 'week'; from: Date; to: Date; timeZone?: string },
): Promise<AuthSummaryRow[]> {
  const [kept] = await sql<{ time_zone: string }[]>`
    select time_zone from login_daily_counts_zone where integration_id = ${integrationId}
  `;
  // First and last local day of the range; `to` is exclusive, hence the microsecond.
  const firstDay = sql`(${from}::timestamptz at time zone ${timeZone})::date`;
  const endDay = sql`((${to}::timestamptz - interval '1 microsecond') at time zone ${timeZone})::date + 1`;
  const rows =
    (kept?.time_zone ?? 'UTC') === timeZone
      ? await sql<AuthSummaryRow[]>`
          select to_char(date_trunc(${groupBy}, day::timestamp), 'YYYY-MM-DD') as period, dimension, value,
            sum(logins)::int as logins, sum(failures)::int as failures
          from login_daily_counts
          where integration_id = ${integrationId} and day >= ${firstDay} and day < ${endDay}
          group by 1, 2, 3
          order by 1, 2, 4 desc, 3
        `
      : await sql<AuthSummaryRow[]>`
          select to_char(date_trunc(${groupBy}, day::timestamp), 'YYYY-MM-DD') as period,
            case
              when grouping(status) = 0 then 'status'
              when grouping(login_type) = 0 then 'login_type'
              when grouping(application) = 0 then 'application'
              else 'country'
            end as dimension,
            coalesce(
              case
                when grouping(status) = 0 then status
                when grouping(login_type) = 0 then login_type
                when grouping(application) = 0 then application
                else country
              end,
              ''
            ) as value,
            count(*)::int as logins, (count(*) filter (where status <> 'Success'))::int as failures
          from (
            select (login_time at time zone ${timeZone})::date as day, status, login_type, application,
              coalesce(geo_country_iso, country_iso) as country
            from sf_login_history
            where integration_id = ${integrationId}
              and login_time >= ${firstDay}::timestamp at time zone ${timeZone}
              and login_time < (${endDay})::timestamp at time zone ${timeZone}
          ) h
          group by grouping sets ((day, status), (day, login_type), (day, application), (day, country))
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

export const failingUserColumns: CsvColumn<FailingUserRow>[] = [
  { header: 'user_id', value: (r) => r.userId },
  { header: 'username', value: (r) => r.username },
  { header: 'name', value: (r) => r.name },
  { header: 'failures', value: (r) => r.failures },
  { header: 'distinct_source_ips', value: (r) => r.distinctSourceIps },
  { header: 'last_failure_at', value: (r) => r.lastFailureAt },
];

export const failingIpColumns: CsvColumn<FailingIpRow>[] = [
  { header: 'source_ip', value: (r) => r.sourceIp },
  { header: 'failures', value: (r) => r.failures },
  { header: 'distinct_users', value: (r) => r.distinctUsers },
  { header: 'last_failure_at', value: (r) => r.lastFailureAt },
];

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

/** LoginHistory failures of the partial first and last day of [from, to) (see splitRange). */
function edgeFailures(sql: Sql, integrationId: string, from: Date, to: Date) {
  const { headEnd, tailStart } = splitRange(from, to);
  return sql`
    select user_id, source_ip, login_time
    from sf_login_history
    where integration_id = ${integrationId} and status <> 'Success'
      and ((login_time >= ${from} and login_time < ${headEnd}) or (login_time >= ${tailStart} and login_time < ${to}))
  `;
}

/**
 * 'days': sum login_failure_daily over the whole days of the range (cost ∝ failure rows inside it).
 * 'totals': user_failure_totals / ip_failure_totals minus the whole days outside the range (cost ∝ rows
 * outside it + N). Both are exact; the cheaper one is the side of the collected span with fewer days.
 */
export type FailureStrategy = 'auto' | 'days' | 'totals';

async function chooseFailureStrategy(
  sql: Sql,
  integrationId: string,
  dayFrom: string,
  dayTo: string,
): Promise<'days' | 'totals'> {
  // Two index probes (first and last key of login_failure_daily_key for the integration).
  const [span] = await sql<{ first: string | null; last: string | null }[]>`
    select min(day)::text as first, max(day)::text as last
    from login_failure_daily where integration_id = ${integrationId}
  `;
  if (!span?.first || !span.last) return 'days';
  const first = Date.parse(span.first);
  const end = Date.parse(span.last) + DAY_MS;
  const inside = Math.max(0, Math.min(end, Date.parse(dayTo)) - Math.max(first, Date.parse(dayFrom)));
  const outside = end - first - inside;
  return outside < inside ? 'totals' : 'days';
}

/**
 * Top N users ('user_id') or source IPs ('source_ip') of [from, to) as total − outside + edges, where
 * total = user_failure_totals / ip_failure_totals (every day of login_failure_daily), outside = the whole
 * days of the rollup outside [dayFrom, dayTo) and edges = the LoginHistory failures of the partial end days.
 * A key in neither small set has range failures = total, so the answer is among the top N + |outside| +
 * |edges| totals plus the keys of those two sets. Everything is combined with one hash aggregate per key
 * (no joins sorted on the text key: text comparisons dominated the first version), and the final text
 * tie-break only sorts the candidates at or above the N-th largest count.
 */
function topByTotals(
  sql: Sql,
  integrationId: string,
  { from, to, limit }: { from: Date; to: Date; limit: number },
  key: 'user_id' | 'source_ip',
) {
  const { dayFrom, dayTo } = splitRange(from, to);
  const k = sql(key);
  const totals = sql(key === 'user_id' ? 'user_failure_totals' : 'ip_failure_totals');
  const dailyIndexRange = sql`d.integration_id = ${integrationId} and d.day >= ${dayFrom}::date and d.day < ${dayTo}::date`;
  return sql`
    with outside as materialized (
      select ${k} as key, sum(failures)::int as failures
      from login_failure_daily
      where integration_id = ${integrationId} and (day < ${dayFrom}::date or day >= ${dayTo}::date)
        and ${k} is not null
      group by 1
    ),
    edges as materialized (
      select ${k} as key, count(*)::int as failures, max(login_time) as last_failure_at
      from (${edgeFailures(sql, integrationId, from, to)}) h
      where ${k} is not null
      group by 1
    ),
    -- One row per source; the total is repeated, never summed (max), the deltas are summed.
    contributions as (
      select * from (
        select ${k} as key, failures as total, last_failure_at as total_last, 0 as outside, 0 as edge,
          null::timestamptz as edge_last
        from ${totals}
        where integration_id = ${integrationId}
        order by failures desc, ${k}
        limit ${limit} + (select count(*) from outside) + (select count(*) from edges)
      ) top_totals
      union all
      select o.key, t.failures, t.last_failure_at, o.failures, 0, null
      from outside o
      -- A primary-key probe per key (offset 0 keeps it a lateral rather than a hash of the whole table).
      left join lateral (
        select failures, last_failure_at from ${totals} t
        where t.integration_id = ${integrationId} and t.${k} = o.key offset 0
      ) t on true
      union all
      select e.key, t.failures, t.last_failure_at, 0, e.failures, e.last_failure_at
      from edges e
      left join lateral (
        select failures, last_failure_at from ${totals} t
        where t.integration_id = ${integrationId} and t.${k} = e.key offset 0
      ) t on true
    ),
    ranked as materialized (
      select key, coalesce(max(total), 0) - sum(outside) + sum(edge) as failures,
        sum(outside) = 0 as untouched, max(total_last) as total_last, max(edge_last) as edge_last
      from contributions
      group by key
    ),
    -- The N-th largest count (integers only): rows below it cannot be listed.
    threshold as (
      select failures from ranked where failures > 0 order by failures desc offset ${limit - 1} limit 1
    )
    -- The last failure in the range: the total's when no day outside the range touched the key, else read
    -- back from the in-range days (only for the N listed keys).
    select r.key as ${k}, r.failures::int as failures,
      greatest(
        r.edge_last,
        case when r.untouched then r.total_last else (
          select max(d.last_failure_at) from login_failure_daily d where ${dailyIndexRange} and d.${k} = r.key
        ) end
      ) as last_failure_at
    from ranked r
    where r.failures > 0 and r.failures >= coalesce((select failures from threshold), 1)
    order by r.failures desc, r.key
    limit ${limit}
  `;
}

/**
 * Users with the most failed logins in [from, to). Counts and last failure come from the daily failure
 * rollup (plus the partial end days from LoginHistory), hash-aggregated per user — or, when the range covers
 * most of the collected days (the 180-day review), from user_failure_totals minus the days outside it; the
 * distinct source IPs, which cannot be summed across days, are counted only for the listed users, one index
 * range each.
 * Freshness: whole days are as of the last recompute (after every collection run); the partial days are live.
 */
export async function topFailingUsers(
  sql: Sql,
  integrationId: string,
  { from, to, limit }: { from: Date; to: Date; limit: number },
  /** 'auto' (the API) picks the cheaper exact plan; the tests force each one and compare with LoginHistory. */
  { strategy = 'auto' }: { strategy?: FailureStrategy } = {},
): Promise<FailingUserRow[]> {
  const { dayFrom, dayTo } = splitRange(from, to);
  const plan =
    strategy === 'auto' ? await chooseFailureStrategy(sql, integrationId, dayFrom, dayTo) : strategy;
  const rows = await topFailingUsersQuery(sql, integrationId, { from, to, limit }, plan);
  return rows.map(toFailingUser);
}

/** The statement behind topFailingUsers for one plan (exported for the benchmark's EXPLAIN). */
export function topFailingUsersQuery(
  sql: Sql,
  integrationId: string,
  { from, to, limit }: { from: Date; to: Date; limit: number },
  plan: 'days' | 'totals',
) {
  const { dayFrom, dayTo, headEnd, tailStart } = splitRange(from, to);
  const top =
    plan === 'days'
      ? sql`
          select user_id, sum(failures)::int as failures, max(last_failure_at) as last_failure_at
          from (${failuresInRange(sql, integrationId, from, to)}) f
          group by user_id
          order by failures desc, user_id
          limit ${limit}
        `
      : topByTotals(sql, integrationId, { from, to, limit }, 'user_id');
  return sql<FailingUserDbRow[]>`
    with top as materialized (${top})
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
}

/** Source IPs with the most failed logins in [from, to); same rollup and freshness as topFailingUsers. */
export async function topFailingIps(
  sql: Sql,
  integrationId: string,
  { from, to, limit }: { from: Date; to: Date; limit: number },
  { strategy = 'auto' }: { strategy?: FailureStrategy } = {},
): Promise<FailingIpRow[]> {
  const { dayFrom, dayTo } = splitRange(from, to);
  const plan =
    strategy === 'auto' ? await chooseFailureStrategy(sql, integrationId, dayFrom, dayTo) : strategy;
  const rows = await topFailingIpsQuery(sql, integrationId, { from, to, limit }, plan);
  return rows.map(toFailingIp);
}

/** The statement behind topFailingIps for one plan (exported for the benchmark's EXPLAIN). */
export function topFailingIpsQuery(
  sql: Sql,
  integrationId: string,
  { from, to, limit }: { from: Date; to: Date; limit: number },
  plan: 'days' | 'totals',
) {
  const { dayFrom, dayTo, headEnd, tailStart } = splitRange(from, to);
  const top =
    plan === 'days'
      ? sql`
          select source_ip, sum(failures)::int as failures, max(last_failure_at) as last_failure_at
          from (${failuresInRange(sql, integrationId, from, to)}) f
          where source_ip is not null
          group by source_ip
          order by failures desc, source_ip
          limit ${limit}
        `
      : topByTotals(sql, integrationId, { from, to, limit }, 'source_ip');
  return sql<FailingIpDbRow[]>`
    with top as materialized (${top})
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
}

export interface FailingUserDbRow {
  user_id: string;
  username: string | null;
  name: string | null;
  failures: number;
  distinct_ips: number;
  last_failure_at: Date;
}

export interface FailingIpDbRow {
  source_ip: string;
  failures: number;
  distinct_users: number;
  last_failure_at: Date;
}

export function toFailingUser(row: FailingUserDbRow): FailingUserRow {
  return {
    userId: row.user_id,
    username: row.username,
    name: row.name,
    failures: row.failures,
    distinctSourceIps: row.distinct_ips,
    lastFailureAt: row.last_failure_at.toISOString(),
  };
}

export function toFailingIp(row: FailingIpDbRow): FailingIpRow {
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

export const timelineColumns: CsvColumn<TimelineRow>[] = [
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
];

/** Position after the last login of a timeline page (newest first). */
export interface TimelineCursor {
  /** LoginTime as PostgreSQL's microsecond UTC text, so no row is skipped by millisecond rounding. */
  loginTime: string;
  id: string;
}

/**
 * One user's logins in [from, to), newest first, through the (integration, user, login_time) index: a page of
 * `limit` and the cursor of the next one (null when the range is exhausted), so no caller cuts the timeline
 * without saying so.
 */
export async function loginTimeline(
  sql: Sql,
  integrationId: string,
  {
    userId,
    from,
    to,
    limit,
    after,
  }: { userId: string; from: Date; to: Date; limit: number; after?: TimelineCursor },
): Promise<{ rows: TimelineRow[]; next: TimelineCursor | null }> {
  const rows = await sql<
    {
      id: string;
      login_time: Date;
      cursor_time: string;
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
    select id, login_time, to_char(login_time at time zone 'UTC', ${CURSOR_TIME_FORMAT}) as cursor_time,
      status, login_type, application, source_ip,
      coalesce(geo_country_iso, country_iso) as country, geo_city as city, browser, platform
    from sf_login_history
    where integration_id = ${integrationId} and user_id = any(${userIdForms(userId)}::text[])
      and login_time >= ${from} and login_time < ${to}
      ${after ? sql`and (login_time, id) < (${after.loginTime}::text::timestamptz, ${after.id})` : sql``}
    order by login_time desc, id desc
    limit ${limit + 1}
  `;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    rows: page.map((row) => ({
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
    })),
    next: rows.length > limit && last ? { loginTime: last.cursor_time, id: last.id } : null,
  };
}

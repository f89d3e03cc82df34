import type { PendingQuery, Row } from 'postgres';
import type { Queryable, Sql } from '../../platform/database';
import type { CsvColumn } from '../csv';
import { lockRollups } from '../rollups';
import { FULL_RECOMPUTE_WORK_MEM } from '../work-mem';

export const authDimensions = ['status', 'login_type', 'application', 'country'] as const;
export type AuthDimension = (typeof authDimensions)[number];

/**
 * LoginHistory counted per local day of `timeZone` for each dimension, as (day, dimension, value, logins,
 * failures) rows: one pass with grouping sets instead of one aggregate per dimension, grouping() naming the
 * dimension. `loginTimeRange` is an `and …` condition on login_time. Both the daily rollup and a summary in
 * another zone than the rollup's are this statement, so they cannot count differently.
 */
function loginsPerDayByDimension(
  sql: Queryable,
  integrationId: string,
  timeZone: string,
  loginTimeRange: PendingQuery<Row[]>,
) {
  return sql`
    select day,
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
      count(*) as logins,
      count(*) filter (where status <> 'Success') as failures
    from (
      select (login_time at time zone ${timeZone})::date as day, status, login_type, application,
        coalesce(geo_country_iso, country_iso) as country
      from sf_login_history
      where integration_id = ${integrationId} ${loginTimeRange}
    ) h
    group by grouping sets ((day, status), (day, login_type), (day, application), (day, country))
  `;
}

/** The zone login_daily_counts is kept in for the integration (undefined before the first refresh). */
async function rollupTimeZone(sql: Queryable, integrationId: string): Promise<string | undefined> {
  const [kept] = await sql<{ time_zone: string }[]>`
    select time_zone from login_daily_counts_zone where integration_id = ${integrationId}
  `;
  return kept?.time_zone;
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
    const since = (await rollupTimeZone(sql, integrationId)) === timeZone ? from : null;
    if (since === null) await sql`select set_config('work_mem', ${FULL_RECOMPUTE_WORK_MEM}, true)`;
    // The first local day to rebuild (null: every day), and below the instant it starts: midnight in the zone,
    // whatever the session's TimeZone. Kept in SQL: an infinite date does not survive a JavaScript Date.
    const firstDay = sql`(${since}::text::timestamptz at time zone ${timeZone})::date`;
    await sql`
      delete from login_daily_counts
      where integration_id = ${integrationId} and day >= coalesce(${firstDay}, '-infinity'::date)
    `;
    const days = loginsPerDayByDimension(
      sql,
      integrationId,
      timeZone,
      sql`and login_time >= coalesce(${firstDay}::timestamp at time zone ${timeZone}, '-infinity')`,
    );
    await sql`
      insert into login_daily_counts (integration_id, day, dimension, value, logins, failures)
      select ${integrationId}, day, dimension, value, logins, failures from (${days}) d
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
 * In the zone the daily rollup is kept in (the integration's option) the days come from login_daily_counts;
 * any other zone is aggregated from LoginHistory directly, exact but proportional to the logins in range.
 * Either way the days are then summed per period, so a week is one row per dimension and value.
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
  // First and last local day of the range; `to` is exclusive, hence the microsecond.
  const firstDay = sql`(${from}::timestamptz at time zone ${timeZone})::date`;
  const endDay = sql`((${to}::timestamptz - interval '1 microsecond') at time zone ${timeZone})::date + 1`;
  const days =
    ((await rollupTimeZone(sql, integrationId)) ?? 'UTC') === timeZone
      ? sql`
          select day, dimension, value, logins, failures
          from login_daily_counts
          where integration_id = ${integrationId} and day >= ${firstDay} and day < ${endDay}
        `
      : loginsPerDayByDimension(
          sql,
          integrationId,
          timeZone,
          sql`and login_time >= ${firstDay}::timestamp at time zone ${timeZone}
            and login_time < (${endDay})::timestamp at time zone ${timeZone}`,
        );
  const rows = await sql<AuthSummaryRow[]>`
    select to_char(date_trunc(${groupBy}, day::timestamp), 'YYYY-MM-DD') as period, dimension, value,
      sum(logins)::int as logins, sum(failures)::int as failures
    from (${days}) d
    group by 1, 2, 3
    order by 1, 2, 4 desc, 3
  `;
  return rows.map((row) => ({ ...row }));
}

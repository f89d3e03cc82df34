import type { Sql } from '../../platform/database';
import type { CsvColumn } from '../csv';
import { DAY_MS } from './range';

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
  const { dayFrom, dayTo } = splitRange(from, to);
  return sql`
    select user_id, source_ip, failures, last_failure_at
    from login_failure_daily
    where integration_id = ${integrationId} and day >= ${dayFrom}::date and day < ${dayTo}::date
    union all
    select user_id, source_ip, 1, login_time
    from sf_login_history
    where integration_id = ${integrationId} and status <> 'Success' and ${inEdgeDays(sql, 'login_time', from, to)}
  `;
}

/** LoginHistory failures of the partial first and last day of [from, to) (see splitRange). */
function edgeFailures(sql: Sql, integrationId: string, from: Date, to: Date) {
  return sql`
    select user_id, source_ip, login_time
    from sf_login_history
    where integration_id = ${integrationId} and status <> 'Success' and ${inEdgeDays(sql, 'login_time', from, to)}
  `;
}

/** SQL predicate: the LoginTime `column` lies in the partial first or last day of [from, to). */
function inEdgeDays(sql: Sql, column: string, from: Date, to: Date) {
  const { headEnd, tailStart } = splitRange(from, to);
  const time = sql(column);
  return sql`((${time} >= ${from} and ${time} < ${headEnd}) or (${time} >= ${tailStart} and ${time} < ${to}))`;
}

/**
 * How many distinct `counted` values (source IPs of a user, users of an IP) the failures of the listed key
 * `keyRef` have in [from, to): whole days from login_failure_daily, the partial end days from LoginHistory,
 * one index range each. Such counts cannot be summed across days, hence counted only for the listed keys.
 */
function distinctInRange(
  sql: Sql,
  integrationId: string,
  { from, to }: { from: Date; to: Date },
  key: 'user_id' | 'source_ip',
  keyRef: string,
) {
  const { dayFrom, dayTo } = splitRange(from, to);
  const counted = sql(key === 'user_id' ? 'source_ip' : 'user_id');
  const k = sql(key);
  const ref = sql(keyRef);
  return sql`
    select count(distinct ${counted})::int as n from (
      select d.${counted} from login_failure_daily d
      where d.integration_id = ${integrationId} and d.${k} = ${ref}
        and d.day >= ${dayFrom}::date and d.day < ${dayTo}::date
      union all
      select h.${counted} from sf_login_history h
      where h.integration_id = ${integrationId} and h.${k} = ${ref} and h.status <> 'Success'
        and ${inEdgeDays(sql, 'h.login_time', from, to)}
    ) s
  `;
}

/** The plan a strategy stands for over [from, to): 'auto' asks chooseFailureStrategy. */
async function failurePlan(
  sql: Sql,
  integrationId: string,
  from: Date,
  to: Date,
  strategy: FailureStrategy,
): Promise<'days' | 'totals'> {
  if (strategy !== 'auto') return strategy;
  const { dayFrom, dayTo } = splitRange(from, to);
  return chooseFailureStrategy(sql, integrationId, dayFrom, dayTo);
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
 * The `limit` users or source IPs with the most failures in [from, to), with their count and last failure
 * (key, failures, last_failure_at), by one plan: summed over the days ('days') or derived from the totals.
 */
function topKeys(
  sql: Sql,
  integrationId: string,
  { from, to, limit }: { from: Date; to: Date; limit: number },
  key: 'user_id' | 'source_ip',
  plan: 'days' | 'totals',
) {
  if (plan === 'totals') return topByTotals(sql, integrationId, { from, to, limit }, key);
  const k = sql(key);
  return sql`
    select ${k}, sum(failures)::int as failures, max(last_failure_at) as last_failure_at
    from (${failuresInRange(sql, integrationId, from, to)}) f
    where ${k} is not null
    group by ${k}
    order by failures desc, ${k}
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
  const plan = await failurePlan(sql, integrationId, from, to, strategy);
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
  return sql<FailingUserDbRow[]>`
    with top as materialized (${topKeys(sql, integrationId, { from, to, limit }, 'user_id', plan)})
    select t.user_id, u.username, u.name, t.failures, ips.n as distinct_ips, t.last_failure_at
    from top t
    cross join lateral (${distinctInRange(sql, integrationId, { from, to }, 'user_id', 't.user_id')}) ips
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
  const plan = await failurePlan(sql, integrationId, from, to, strategy);
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
  return sql<FailingIpDbRow[]>`
    with top as materialized (${topKeys(sql, integrationId, { from, to, limit }, 'source_ip', plan)})
    select t.source_ip, t.failures, users.n as distinct_users, t.last_failure_at
    from top t
    cross join lateral (${distinctInRange(sql, integrationId, { from, to }, 'source_ip', 't.source_ip')}) users
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

import type postgres from 'postgres';
import type { Sql } from '../platform/database';
import { reclaimableLicence } from './unused-accounts';
import { apiOnlyUserIds } from './user-classes';
import { FULL_RECOMPUTE_WORK_MEM } from './work-mem';

/**
 * Rollups of LoginHistory maintained by recomputeFindings after every collection run (migrations/00003):
 *
 * - user_login_rollups: first/last login and last success per user. A full recompute (`from` null)
 *   rebuilds the integration's rows; an incremental one merges the aggregates of the window with min/max,
 *   which is idempotent, so recomputing the same window twice (a retry, the collection's overlap) leaves the
 *   same rows.
 * - login_failure_daily: failures per UTC day, user and source IP. Whole days from the window's first day are
 *   deleted and re-aggregated, so a day that gained rows in the overlap is counted once.
 *
 * Each refresh is one transaction under a per-integration advisory lock: readers see the old or the new
 * rollup, never a half-built one, and two recomputes racing each other cannot insert the same key twice.
 */

export async function lockRollups(sql: postgres.TransactionSql, integrationId: string) {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`rollups:${integrationId}`}, 0))`;
}

/** `from`: the earliest LoginTime of the recompute window (ISO 8601), or null to rebuild from everything. */
export async function refreshUserLoginRollups(sql: Sql, integrationId: string, from: string | null) {
  await sql.begin(async (sql) => {
    await lockRollups(sql, integrationId);
    if (from === null) {
      // Hash aggregate over every login: without the raise it spills (see FULL_RECOMPUTE_WORK_MEM).
      await sql`select set_config('work_mem', ${FULL_RECOMPUTE_WORK_MEM}, true)`;
      await sql`delete from user_login_rollups where integration_id = ${integrationId}`;
      await sql`
        insert into user_login_rollups (integration_id, user_id, first_login_at, last_login_at, last_success_at)
        select ${integrationId}, user_id, min(login_time), max(login_time),
          max(login_time) filter (where status = 'Success')
        from sf_login_history
        where integration_id = ${integrationId}
        group by user_id
      `;
      return;
    }
    // greatest/least ignore nulls, so a window without a success keeps the stored last success. Rows whose
    // values do not move are not rewritten (no dead tuples for the users the window did not change).
    await sql`
      insert into user_login_rollups as r (integration_id, user_id, first_login_at, last_login_at, last_success_at)
      select ${integrationId}, user_id, min(login_time), max(login_time),
        max(login_time) filter (where status = 'Success')
      from sf_login_history
      where integration_id = ${integrationId} and login_time >= ${from}::timestamptz
      group by user_id
      on conflict (integration_id, user_id) do update set
        first_login_at = least(r.first_login_at, excluded.first_login_at),
        last_login_at = greatest(r.last_login_at, excluded.last_login_at),
        last_success_at = greatest(r.last_success_at, excluded.last_success_at)
      where (r.first_login_at, r.last_login_at, r.last_success_at) is distinct from (
        least(r.first_login_at, excluded.first_login_at),
        greatest(r.last_login_at, excluded.last_login_at),
        greatest(r.last_success_at, excluded.last_success_at)
      )
    `;
  });
}

/** `fromDay`: first UTC day (YYYY-MM-DD) to rebuild, or null for every day. */
export async function refreshLoginFailureDaily(sql: Sql, integrationId: string, fromDay: string | null) {
  const start = fromDay ?? '-infinity';
  await sql.begin(async (sql) => {
    await lockRollups(sql, integrationId);
    // The keys of the deleted days feed the totals refresh below (a day that lost a key must lower it); a
    // full rebuild re-sums everything and needs none.
    let gone = { users: [] as string[], ips: [] as string[] };
    if (fromDay === null) {
      await sql`select set_config('work_mem', ${FULL_RECOMPUTE_WORK_MEM}, true)`;
      await sql`delete from login_failure_daily where integration_id = ${integrationId}`;
    } else {
      [gone = gone] = await sql<{ users: string[]; ips: string[] }[]>`
        with deleted as (
          delete from login_failure_daily
          where integration_id = ${integrationId} and day >= ${fromDay}::text::date
          returning user_id, source_ip
        )
        select coalesce(array_agg(distinct user_id), '{}') as users,
          coalesce(array_agg(distinct source_ip) filter (where source_ip is not null), '{}') as ips
        from deleted
      `;
    }
    // Read through the failures partial index (login_time, include user_id, source_ip): no heap access. The
    // day starts at UTC midnight whatever the session's TimeZone.
    await sql`
      insert into login_failure_daily (integration_id, day, user_id, source_ip, failures, last_failure_at)
      select ${integrationId}, (login_time at time zone 'UTC')::date, user_id, source_ip, count(*), max(login_time)
      from sf_login_history
      where integration_id = ${integrationId} and status <> 'Success'
        and login_time >= ${start}::text::date::timestamp at time zone 'UTC'
      group by 2, 3, 4
    `;
    await refreshFailureTotals(sql, integrationId, fromDay, gone.users, gone.ips);
  });
}

/**
 * user_license_activity (migrations/00005, 00011): one row per active user with what the unused-accounts report
 * needs, resolved once here instead of per request. User attributes (active, licence, profile, permission
 * sets, frozen) may change in any collection run and are not windowed, so every recompute re-derives all
 * rows of the integration; only rows whose values moved are written (`is distinct from`), so an unchanged
 * org costs a read of its users and no dead tuples. Runs after refreshUserLoginRollups.
 */
export async function refreshUserLicenseActivity(sql: Sql, integrationId: string) {
  await sql.begin(async (sql) => {
    await lockRollups(sql, integrationId);
    // Compared with the stored rows in one hash join first, so only the users whose facts moved reach the
    // upsert: ON CONFLICT on every row (≈ 95 k speculative inserts at 100 k users) took ~2 s per run.
    await sql`
      with facts as (
        select u.id as user_id, u.username, u.name, u.profile_name, u.user_type,
          coalesce(l.name, u.user_license_name) as license, api.user_id is not null as api_only,
          f.user_id is not null as frozen, greatest(r.last_success_at, u.last_login_at) as last_login_at,
          u.created_at
        from sf_users u
        left join sf_user_licenses l on l.integration_id = u.integration_id and l.id = u.user_license_id
        left join user_login_rollups r on r.integration_id = u.integration_id and r.user_id = u.id
        left join (${apiOnlyUserIds(sql as unknown as Sql, integrationId)}) api on api.user_id = u.id
        left join (
          select distinct user_id from sf_user_logins where integration_id = ${integrationId} and is_frozen
        ) f on f.user_id = u.id
        where u.integration_id = ${integrationId} and u.is_active
      ),
      desired as (
        select facts.*, ${reclaimableLicence(sql as unknown as Sql)} as reclaimable from facts
      ),
      changed as (
        select d.* from desired d
        left join user_license_activity a on a.integration_id = ${integrationId} and a.user_id = d.user_id
        where a.user_id is null
          or (a.username, a.name, a.profile_name, a.user_type, a.license, a.api_only, a.frozen, a.last_login_at,
              a.created_at, a.reclaimable)
            is distinct from
            (d.username, d.name, d.profile_name, d.user_type, d.license, d.api_only, d.frozen, d.last_login_at,
              d.created_at, d.reclaimable)
      )
      insert into user_license_activity as a (
        integration_id, user_id, username, name, profile_name, user_type, license, api_only, frozen,
        last_login_at, created_at, reclaimable
      )
      select ${integrationId}, user_id, username, name, profile_name, user_type, license, api_only, frozen,
        last_login_at, created_at, reclaimable
      from changed
      on conflict (integration_id, user_id) do update set
        username = excluded.username, name = excluded.name, profile_name = excluded.profile_name,
        user_type = excluded.user_type, license = excluded.license, api_only = excluded.api_only,
        frozen = excluded.frozen, last_login_at = excluded.last_login_at, created_at = excluded.created_at,
        reclaimable = excluded.reclaimable
    `;
    // Deactivated (or removed) users hold no licence: they leave the table.
    await sql`
      delete from user_license_activity a
      where a.integration_id = ${integrationId} and not exists (
        select 1 from sf_users u where u.integration_id = a.integration_id and u.id = a.user_id and u.is_active
      )
    `;
  });
}

/**
 * user_failure_totals / ip_failure_totals (migrations/00005): the sum of login_failure_daily per user and per
 * IP. Called inside refreshLoginFailureDaily's transaction after the days from `start` were rebuilt:
 * `goneUsers` / `goneIps` are the keys of the deleted day rows; together with the keys of the rebuilt days
 * they are every key whose total can have moved, and only those are re-summed from the daily rows (so a
 * retry or a re-read overlap leaves the same totals: they are derived, never incremented).
 */
async function refreshFailureTotals(
  sql: postgres.TransactionSql,
  integrationId: string,
  start: string | null,
  goneUsers: string[],
  goneIps: string[],
) {
  await refreshFailureTotalsBy(sql, integrationId, start, 'user_id', goneUsers);
  await refreshFailureTotalsBy(sql, integrationId, start, 'source_ip', goneIps);
}

/** One of the two totals tables, keyed by `key` (a failure without a source IP has no IP total). */
async function refreshFailureTotalsBy(
  sql: postgres.TransactionSql,
  integrationId: string,
  start: string | null,
  key: 'user_id' | 'source_ip',
  gone: string[],
) {
  const k = sql(key);
  const totals = sql(key === 'user_id' ? 'user_failure_totals' : 'ip_failure_totals');
  if (start === null) {
    await sql`delete from ${totals} where integration_id = ${integrationId}`;
    await sql`
      insert into ${totals} (integration_id, ${k}, failures, last_failure_at)
      select ${integrationId}, ${k}, sum(failures), max(last_failure_at)
      from login_failure_daily where integration_id = ${integrationId} and ${k} is not null
      group by ${k}
    `;
    return;
  }
  await sql`
    with touched as (
      select unnest(${gone}::text[]) as ${k}
      union
      select ${k} from login_failure_daily
      where integration_id = ${integrationId} and day >= ${start}::date and ${k} is not null
    ),
    summed as (
      select t.${k}, sum(d.failures)::int as failures, max(d.last_failure_at) as last_failure_at
      from touched t
      left join login_failure_daily d on d.integration_id = ${integrationId} and d.${k} = t.${k}
      group by t.${k}
    ),
    dropped as (
      delete from ${totals} x using summed s
      where x.integration_id = ${integrationId} and x.${k} = s.${k} and s.failures is null
    )
    insert into ${totals} as x (integration_id, ${k}, failures, last_failure_at)
    select ${integrationId}, ${k}, failures, last_failure_at from summed where failures is not null
    on conflict (integration_id, ${k}) do update set
      failures = excluded.failures, last_failure_at = excluded.last_failure_at
    where (x.failures, x.last_failure_at) is distinct from (excluded.failures, excluded.last_failure_at)
  `;
}

import type postgres from 'postgres';
import type { Sql } from '../platform/database';

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

async function lockRollups(sql: postgres.TransactionSql, integrationId: string) {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`rollups:${integrationId}`}, 0))`;
}

/** `from`: the earliest LoginTime of the recompute window (ISO 8601), or null to rebuild from everything. */
export async function refreshUserLoginRollups(sql: Sql, integrationId: string, from: string | null) {
  await sql.begin(async (sql) => {
    await lockRollups(sql, integrationId);
    if (from === null) {
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
    await sql`
      delete from login_failure_daily
      where integration_id = ${integrationId} and day >= ${start}::text::date
    `;
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
  });
}

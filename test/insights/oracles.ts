import type { Sql } from '../../platform/database';
import {
  toFailingIp,
  toFailingUser,
  type FailingIpDbRow,
  type FailingIpRow,
  type FailingUserDbRow,
  type FailingUserRow,
} from '../../insights/auth-activity/failures';
import { CURSOR_TIME_FORMAT } from '../../platform/database';
import {
  afterReclaimableUser,
  reclaimableLicence,
  unusedAccounts,
  type ApiOnlyRow,
  type ReclaimableRow,
  type UnusedUserCursor,
} from '../../insights/unused-accounts';
import { apiOnlyUserIds } from '../../insights/user-classes';

/**
 * Reference answers for the insight reports, computed the slow, obvious way from the collected tables: the
 * rollups and the activity table the API reads are tested against them (test/insights/rollups.test.ts,
 * unused-accounts.test.ts, simulator-org.test.ts).
 */

/** The unused-accounts report from sf_users and user_login_rollups instead of user_license_activity. */
export function unusedAccountsFromSourceTables(
  sql: Sql,
  integrationId: string,
  options: Parameters<typeof unusedAccounts>[2],
) {
  return unusedAccounts(sql, integrationId, options, {
    reclaimableUsers: reclaimableUsersFromSourceTables,
    apiOnlyUsers: apiOnlyUsersFromSourceTables,
  });
}

/** topFailingUsers / topFailingIps aggregated straight from LoginHistory. */
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

/** reclaimableUsersQuery's rows from sf_users and user_login_rollups. */
function reclaimableUsersFromSourceTables(
  sql: Sql,
  integrationId: string,
  cutoff: Date,
  limit: number | null,
  after?: UnusedUserCursor,
) {
  return sql<ReclaimableRow[]>`
    with api_only as materialized (${apiOnlyUserIds(sql, integrationId)}),
    frozen as materialized (
      select user_id from sf_user_logins where integration_id = ${integrationId} and is_frozen
    ),
    -- One bitmap scan of sf_users: the LastLoginDate indexes (old or empty) OR the primary key for the
    -- frozen ids, so no union has to de-duplicate wide rows.
    candidates as (
      select u.id, u.username, u.name, u.user_license_id, u.user_license_name, u.profile_name, u.user_type,
        u.created_at, u.last_login_at
      from sf_users u
      where u.integration_id = ${integrationId} and u.is_active
        and (
          u.last_login_at is null or u.last_login_at < ${cutoff}
          or u.id = any(array(select user_id from frozen))
        )
    ),
    -- Materialized so the rollup probe runs once per candidate, not once per use of last_login_at.
    classified as materialized (
      select
        u.id as user_id, u.username, u.name, coalesce(l.name, u.user_license_name) as license,
        u.profile_name, u.user_type, u.created_at,
        -- The last success per user is kept by recomputeFindings (user_login_rollups): one primary-key
        -- probe into a narrow table per candidate instead of a walk of LoginHistory's success index.
        greatest(
          (
            select r.last_success_at from user_login_rollups r
            where r.integration_id = ${integrationId} and r.user_id = u.id
          ),
          u.last_login_at
        ) as last_login_at,
        f.user_id is not null as frozen,
        a.user_id is not null as api_only
      from candidates u
      left join sf_user_licenses l on l.integration_id = ${integrationId} and l.id = u.user_license_id
      left join (select distinct user_id from frozen) f on f.user_id = u.id
      left join (select distinct user_id from api_only) a on a.user_id = u.id
    ),
    reclaimable as (
      select user_id, username, name, license, profile_name, user_type, last_login_at, created_at, api_only,
        array_remove(array[
          case when coalesce(last_login_at, created_at) < ${cutoff} and not api_only then 'unused' end,
          case when coalesce(last_login_at, created_at) < ${cutoff} and api_only then 'api_only_unused' end,
          case when not api_only and last_login_at is null and created_at < ${cutoff} then 'never_logged_in' end,
          case when frozen then 'frozen_with_license' end
        ], null) as reasons
      from classified
      where ${reclaimableLicence(sql)} and (frozen or coalesce(last_login_at, created_at) < ${cutoff})
    )
    -- Counts per licence and only the first page of users leave the database: the report's cost is the
    -- per-candidate probes, not shipping every reclaimable user to Node.
    select
      (select coalesce(json_agg(c), '[]') from (
        select license,
          count(*) filter (where 'unused' = any(reasons))::int as unused,
          count(*) filter (where 'never_logged_in' = any(reasons))::int as never_logged_in,
          count(*) filter (where 'api_only_unused' = any(reasons))::int as api_only_unused,
          count(*) filter (where 'frozen_with_license' = any(reasons))::int as frozen_with_license,
          count(*)::int as reclaimable
        from reclaimable group by license
      ) c) as counts,
      (select coalesce(json_agg(r), '[]') from (
        select user_id, username, name, license, profile_name, user_type, reasons, last_login_at, created_at,
          to_char(last_login_at at time zone 'UTC', ${CURSOR_TIME_FORMAT}) as cursor_time
        from reclaimable
        where true ${afterReclaimableUser(sql, after)}
        order by license, last_login_at nulls first, user_id
        limit ${limit === null ? null : limit + 1}
      ) r) as users
  `;
}

/** apiOnlyUsersQuery's rows from sf_users and user_login_rollups. */
function apiOnlyUsersFromSourceTables(sql: Sql, integrationId: string) {
  return sql<ApiOnlyRow[]>`
    with api_only as materialized (${apiOnlyUserIds(sql, integrationId)})
    -- Primary-key probes per API-only user (a few per cent of the org) into sf_users and the rollup; a
    -- correlated subquery keeps the planner from hashing the whole of both tables.
    select u.id as user_id, u.username, u.name, coalesce(l.name, u.user_license_name) as license,
      u.profile_name,
      greatest(
        (
          select r.last_success_at from user_login_rollups r
          where r.integration_id = ${integrationId} and r.user_id = u.id
        ),
        u.last_login_at
      ) as last_login_at
    from api_only a
    cross join lateral (
      select * from sf_users u
      where u.integration_id = ${integrationId} and u.id = a.user_id and u.is_active
      offset 0
    ) u
    left join sf_user_licenses l on l.integration_id = u.integration_id and l.id = u.user_license_id
    order by u.username
  `;
}

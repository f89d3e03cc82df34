import { aboutUser, days, type Rule } from './rule';

/**
 * Dormant account reactivated (Cisco II): a success after >= N days without one. The previous success
 * comes from lag() within the scan, else from the successes index before it; a user with no earlier
 * success at all counts as quiet since the later of its creation and the start of the collected history.
 */
export const dormantAccountReactivated: Rule = {
  kind: 'dormant_account_reactivated',
  title: 'Dormant account reactivated',
  description:
    'A success after dormantDays without one (since the later of the account creation and the start of the ' +
    'collected history when there is no earlier success).',
  severity: 'medium',
  thresholds: ['dormantDays'],
  reevaluation: 'point_in_time',
  honoursTrustedNetworks: false,
  async detect(sql, { integrationId, scanFrom, evaluateFrom, incremental, config }) {
    const dormant = days(config.dormantDays);
    const rows = await sql<
      {
        user_id: string;
        id: string;
        login_time: Date;
        prev_id: string | null;
        quiet_since: Date;
        quiet_from: string;
      }[]
    >`
    with successes as (
      select id, user_id, login_time,
        lag(login_time) over (partition by user_id order by login_time, id) as prev_time,
        lag(id) over (partition by user_id order by login_time, id) as prev_id
      from sf_login_history
      where integration_id = ${integrationId} and status = 'Success' and login_time >= ${scanFrom}::text::timestamptz
    ),
    candidates as (
      select * from successes
      where login_time >= ${evaluateFrom}::text::timestamptz
        and (prev_time is null or prev_time <= login_time - ${dormant}::interval)
    ),
    coverage as (
      select min(login_time) as history_start from (
        select login_time from sf_login_history where integration_id = ${integrationId}
        order by login_time limit 1
      ) h
    ),
    resolved as (
      select c.user_id, c.id, c.login_time,
        coalesce(c.prev_id, b.id) as prev_id,
        coalesce(c.prev_time, b.login_time) as prev_time,
        greatest(u.created_at, (select history_start from coverage)) as quiet_floor
      from candidates c
      join sf_users u on u.integration_id = ${integrationId} and u.id = c.user_id
      ${
        incremental
          ? sql`left join lateral (
              select b.id, b.login_time from sf_login_history b
              where b.integration_id = ${integrationId} and b.user_id = c.user_id and b.status = 'Success'
                and b.login_time < ${scanFrom}::text::timestamptz
              order by b.login_time desc
              limit 1
            ) b on c.prev_time is null`
          : sql`left join (select null::text as id, null::timestamptz as login_time) b on false`
      }
    )
    select user_id, id, login_time, prev_id,
      coalesce(prev_time, quiet_floor) as quiet_since,
      case when prev_time is null then 'no_earlier_success' else 'previous_success' end as quiet_from
    from resolved
    where coalesce(prev_time, quiet_floor) <= login_time - ${dormant}::interval
  `;
    return rows.map((row) => ({
      kind: 'dormant_account_reactivated',
      severity: 'medium',
      ...aboutUser(row.user_id),
      evidenceLoginIds: row.prev_id ? [row.prev_id, row.id] : [row.id],
      details: {
        reactivationLoginId: row.id,
        quietSince: row.quiet_since.toISOString(),
        quietSinceBasis: row.quiet_from,
        daysWithoutSuccess: Math.floor((row.login_time.getTime() - row.quiet_since.getTime()) / 86_400_000),
      },
      firstSeenAt: row.login_time,
      lastSeenAt: row.login_time,
      spanFrom: row.login_time,
      spanTo: row.login_time,
      continuationSeconds: 0,
    }));
  },
};

import { privilegedUserIds } from '../user-classes';
import { aboutUser, days, type Rule } from './rule';

/**
 * Privileged users (Modify All Data, View All Data or Manage Users) with no successful login for N days: standing
 * privilege nobody uses is pure risk. The incident starts when the account crossed the threshold, so the
 * key stays the same run after run until the user logs in again.
 */
export const privilegedUserUnused: Rule = {
  kind: 'privileged_user_unused',
  title: 'Unused privileged user',
  description:
    'An active, unfrozen holder of Modify All Data, View All Data or Manage Users without a successful login ' +
    'for privilegedUnusedDays. Superseded automatically once the user logs in or loses the permission.',
  severity: 'medium',
  thresholds: ['privilegedUnusedDays'],
  reevaluation: 'state',
  honoursTrustedNetworks: false,
  async detect(sql, { integrationId, now, config }) {
    const rows = await sql<
      {
        user_id: string;
        last_login_id: string | null;
        last_login_at: Date | null;
        created_at: Date | null;
        idle_since: Date;
      }[]
    >`
    select u.id as user_id, h.id as last_login_id, greatest(h.login_time, u.last_login_at) as last_login_at,
      u.created_at, coalesce(greatest(h.login_time, u.last_login_at), u.created_at) as idle_since
    from (${privilegedUserIds(sql, integrationId)}) p
    join sf_users u on u.integration_id = ${integrationId} and u.id = p.user_id and u.is_active
    left join lateral (
      select h.id, h.login_time from sf_login_history h
      where h.integration_id = ${integrationId} and h.user_id = u.id and h.status = 'Success'
      order by h.login_time desc
      limit 1
    ) h on true
    where not exists (
        select 1 from sf_user_logins ul
        where ul.integration_id = ${integrationId} and ul.user_id = u.id and ul.is_frozen
      )
      and coalesce(greatest(h.login_time, u.last_login_at), u.created_at)
        < ${now}::timestamptz - ${days(config.privilegedUnusedDays)}::interval
  `;
    const crossed = (row: { idle_since: Date }) =>
      new Date(row.idle_since.getTime() + config.privilegedUnusedDays * 86_400_000);
    return rows.map((row) => ({
      kind: 'privileged_user_unused',
      severity: 'medium',
      ...aboutUser(row.user_id),
      evidenceLoginIds: row.last_login_id ? [row.last_login_id] : [],
      details: {
        lastLoginAt: row.last_login_at?.toISOString() ?? null,
        createdAt: row.created_at?.toISOString() ?? null,
        thresholdDays: config.privilegedUnusedDays,
      },
      firstSeenAt: crossed(row),
      // The moment it crossed the threshold, not "now": the finding does not change (nor reopen, nor get
      // rewritten) run after run while the account stays idle.
      lastSeenAt: crossed(row),
      spanFrom: crossed(row),
      spanTo: crossed(row),
      continuationSeconds: 0,
    }));
  },
};

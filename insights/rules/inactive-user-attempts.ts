import type { Sql } from '../../platform/database';
import { attemptRule } from './attempt-incidents';
import type { DetectionScope } from './rule';

/**
 * Attempts on inactive or frozen users (Cisco II "inactive account probing"). Only attempts after the
 * user was deactivated or frozen count (User.LastModifiedDate / UserLogin.LastModifiedDate approximate
 * when), or attempts Salesforce itself rejected as "User is Inactive" / "User is Frozen".
 */
export const inactiveUserAttempts = attemptRule(
  {
    kind: 'inactive_user_attempts',
    title: 'Attempts on an inactive or frozen user',
    description:
      'Logins attempted for a deactivated or frozen user; attempts closer than incidentGapHours are one incident.',
    severity: 'medium',
    escalation: { severity: 'high', when: 'one of the attempts succeeded' },
  },
  attempts,
  (row) => ({ userState: row.state, attempts: row.attempts, successes: row.successes }),
);

function attempts(sql: Sql, { integrationId }: DetectionScope, from: string) {
  return sql`
    with targets as (
      select id as user_id, 'inactive' as state, last_modified_at as since_at
      from sf_users where integration_id = ${integrationId} and not is_active
      union all
      select ul.user_id, 'frozen', ul.last_modified_at
      from sf_user_logins ul
      join sf_users u on u.integration_id = ul.integration_id and u.id = ul.user_id and u.is_active
      where ul.integration_id = ${integrationId} and ul.is_frozen
    )
    select t.user_id, t.state, h.id, h.login_time, h.status
    from targets t
    join sf_login_history h
      on h.integration_id = ${integrationId} and h.user_id = t.user_id
      and h.login_time >= ${from}::text::timestamptz
    where h.login_time > t.since_at or lower(btrim(h.status)) in ('user is inactive', 'user is frozen')
  `;
}

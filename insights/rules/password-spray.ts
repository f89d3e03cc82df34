import type { Sql } from '../../platform/database';
import { MAX_EVIDENCE, type DetectedIncident } from '../finding-kinds';
import { PASSWORD_ACCEPTED_CLASSES, statusIs } from '../login-status';
import {
  minutes,
  spansJson,
  untrusted,
  windowIncidentSpans,
  type DetectionScope,
  type IncidentSpan,
  type Rule,
} from './rule';

/**
 * Sentinel "password spray": one source IP presenting wrong passwords for more than N distinct users inside
 * a window. Like Sentinel's Salesforce rule, only wrong passwords count (login-status.ts
 * `credential_failure`): 16 users behind an office NAT hitting "Restricted IP" after a profile change are
 * not a spray. Trusted networks (the integration's allow-list) are never a spray source.
 * PostgreSQL has no count(distinct) window function, so bins of one window length pre-select the IPs that
 * could qualify (a window spans at most two adjacent bins, so their failure count bounds its distinct
 * users); only failures in those bins get the exact distinct-user count, through the IP failures index.
 */
export const passwordSpray: Rule = {
  kind: 'password_spray',
  title: 'Password spray from one IP',
  description:
    'Wrong passwords for more than passwordSprayUsers distinct users from one source IP within passwordSprayWindowMinutes.',
  severity: 'high',
  escalation: {
    severity: 'critical',
    when: 'one of the sprayed users has the password accepted from that IP within one window',
  },
  thresholds: ['passwordSprayUsers', 'passwordSprayWindowMinutes'],
  reevaluation: 'extend',
  honoursTrustedNetworks: true,
  async detect(sql, scope) {
    const { integrationId, scanFrom, evaluateFrom, config, trustedNetworks } = scope;
    const window = minutes(config.passwordSprayWindowMinutes);
    const guess = (column: string) => statusIs(sql, column, 'credential_failure');
    const qualifying = sql`
      with bins as (
        select source_ip, date_bin(${window}::interval, login_time, timestamptz '2000-01-01') as bin, count(*) as n
        from sf_login_history
        where integration_id = ${integrationId} and ${guess('status')}
          and login_time >= ${scanFrom}::text::timestamptz
          and source_ip is not null and ${untrusted(sql, 'source_ip', trustedNetworks)}
        group by 1, 2
      ),
      candidate_bins as (
        select b.source_ip, b.bin
        from bins b
        left join bins p on p.source_ip = b.source_ip and p.bin = b.bin - ${window}::interval
        where b.n + coalesce(p.n, 0) > ${config.passwordSprayUsers}
          and b.bin + ${window}::interval > ${evaluateFrom}::text::timestamptz
      )
      select h.source_ip as subject, h.login_time
      from candidate_bins c
      join sf_login_history h
        on h.integration_id = ${integrationId} and h.source_ip = c.source_ip and ${guess('h.status')}
        and h.login_time >= greatest(c.bin, ${evaluateFrom}::text::timestamptz)
        and h.login_time < c.bin + ${window}::interval
      cross join lateral (
        select count(distinct w.user_id) as users
        from sf_login_history w
        where w.integration_id = ${integrationId} and w.source_ip = h.source_ip and ${guess('w.status')}
          and w.login_time >= h.login_time - ${window}::interval and w.login_time <= h.login_time
      ) w
      where w.users > ${config.passwordSprayUsers}
    `;
    return expandSpray(sql, scope, await windowIncidentSpans(sql, qualifying, window));
  },
  expand: expandSpray,
};

async function expandSpray(
  sql: Sql,
  { integrationId, config }: DetectionScope,
  spans: IncidentSpan[],
): Promise<DetectedIncident[]> {
  if (spans.length === 0) return [];
  const window = minutes(config.passwordSprayWindowMinutes);
  const rows = await sql<
    {
      source_ip: string;
      span_from: Date;
      span_to: Date;
      evidence: string[];
      user_ids: string[];
      failures: number;
      first_at: Date;
      last_at: Date;
      accepted_id: string | null;
      accepted_user_id: string | null;
      accepted_at: Date | null;
      accepted_status: string | null;
    }[]
  >`
    select i.subject as source_ip, i.span_from, i.span_to, e.evidence, e.user_ids, e.failures, e.first_at,
      e.last_at, s.id as accepted_id, s.user_id as accepted_user_id, s.login_time as accepted_at,
      s.status as accepted_status
    from jsonb_to_recordset(${sql.json(spansJson(spans))}) as i(subject text, span_from timestamptz, span_to timestamptz)
    cross join lateral (
      select (array_agg(h.id order by h.login_time, h.id))[1:${MAX_EVIDENCE - 1}] as evidence,
        array_agg(distinct h.user_id) as user_ids, count(*)::int as failures,
        min(h.login_time) as first_at, max(h.login_time) as last_at
      from sf_login_history h
      where h.integration_id = ${integrationId} and h.source_ip = i.subject
        and ${statusIs(sql, 'h.status', 'credential_failure')}
        and h.login_time >= i.span_from - ${window}::interval and h.login_time <= i.span_to
    ) e
    left join lateral (
      select s.id, s.user_id, s.login_time, s.status from sf_login_history s
      where s.integration_id = ${integrationId} and s.source_ip = i.subject
        and ${statusIs(sql, 's.status', ...PASSWORD_ACCEPTED_CLASSES)}
        and s.user_id = any(e.user_ids)
        and s.login_time >= e.first_at and s.login_time <= i.span_to + ${window}::interval
      order by s.login_time, s.id
      limit 1
    ) s on true
  `;
  return rows.map((row) => ({
    kind: 'password_spray',
    severity: row.accepted_id ? 'critical' : 'high',
    subject: row.source_ip,
    userId: null,
    userIds: [...row.user_ids].sort(),
    sourceIp: row.source_ip,
    evidenceLoginIds: row.accepted_id ? [...row.evidence, row.accepted_id] : row.evidence,
    keyEvidenceIds: row.accepted_id ? [row.accepted_id] : [],
    details: {
      failures: row.failures,
      distinctUsers: row.user_ids.length,
      threshold: config.passwordSprayUsers,
      windowMinutes: config.passwordSprayWindowMinutes,
      followedBySuccess: row.accepted_id !== null,
      successLoginId: row.accepted_id,
      successUserId: row.accepted_user_id,
      passwordAcceptedStatus: row.accepted_status,
    },
    firstSeenAt: row.first_at,
    lastSeenAt: row.accepted_at && row.accepted_at > row.last_at ? row.accepted_at : row.last_at,
    spanFrom: row.span_from,
    spanTo: row.span_to,
    continuationSeconds: config.passwordSprayWindowMinutes * 60,
  }));
}

import type { Sql } from '../../platform/database';
import { MAX_EVIDENCE, type DetectedIncident } from '../finding-kinds';
import { GUESS_CLASSES, PASSWORD_ACCEPTED_CLASSES, statusIs } from '../login-status';
import {
  aboutUser,
  minutes,
  spansJson,
  windowIncidentSpans,
  type DetectionScope,
  type IncidentSpan,
  type Rule,
} from './rule';

/**
 * Sentinel "brute force against user credentials": >= N password guesses for one user inside a window.
 * Only credential failures count (login-status.ts: wrong password, attempts while locked out), never policy
 * blocks such as "Failed: API security token required". A guess "qualifies" when its trailing window holds
 * >= N guesses (window count with a RANGE frame); qualifying guesses closer than one window are one
 * incident, whose evidence is every guess from the first qualifying window to the last qualifying guess.
 * The password being accepted during or within one window after the burst (a success, or a second-factor
 * or device-activation challenge, which Salesforce only issues after a correct password) makes it critical.
 */
export const bruteForce: Rule = {
  kind: 'brute_force',
  title: 'Brute force against one user',
  description:
    'At least bruteForceFailures wrong passwords (or lockout attempts) for one user within bruteForceWindowMinutes.',
  severity: 'high',
  escalation: {
    severity: 'critical',
    when: 'a success or a verification challenge (password accepted) within one window of the burst',
  },
  thresholds: ['bruteForceFailures', 'bruteForceWindowMinutes'],
  reevaluation: 'extend',
  honoursTrustedNetworks: false,
  async detect(sql, scope) {
    const { integrationId, scanFrom, evaluateFrom, config } = scope;
    const window = minutes(config.bruteForceWindowMinutes);
    const qualifying = sql`
      with guesses as (
        select user_id, login_time,
          count(*) over (
            partition by user_id order by login_time
            range between ${window}::interval preceding and current row
          ) as in_window
        from sf_login_history
        where integration_id = ${integrationId} and ${statusIs(sql, 'status', ...GUESS_CLASSES)}
          and login_time >= ${scanFrom}::text::timestamptz
      )
      select user_id as subject, login_time
      from guesses
      where in_window >= ${config.bruteForceFailures} and login_time >= ${evaluateFrom}::text::timestamptz
    `;
    return expandBruteForce(sql, scope, await windowIncidentSpans(sql, qualifying, window));
  },
  expand: expandBruteForce,
};

async function expandBruteForce(
  sql: Sql,
  { integrationId, config }: DetectionScope,
  spans: IncidentSpan[],
): Promise<DetectedIncident[]> {
  if (spans.length === 0) return [];
  const window = minutes(config.bruteForceWindowMinutes);
  const rows = await sql<
    {
      user_id: string;
      span_from: Date;
      span_to: Date;
      evidence: string[];
      failures: number;
      first_at: Date;
      last_at: Date;
      accepted_id: string | null;
      accepted_at: Date | null;
      accepted_status: string | null;
    }[]
  >`
    select i.subject as user_id, i.span_from, i.span_to, e.evidence, e.failures, e.first_at, e.last_at,
      s.id as accepted_id, s.login_time as accepted_at, s.status as accepted_status
    from jsonb_to_recordset(${sql.json(spansJson(spans))}) as i(subject text, span_from timestamptz, span_to timestamptz)
    cross join lateral (
      select (array_agg(h.id order by h.login_time, h.id))[1:${MAX_EVIDENCE - 1}] as evidence,
        count(*)::int as failures, min(h.login_time) as first_at, max(h.login_time) as last_at
      from sf_login_history h
      where h.integration_id = ${integrationId} and h.user_id = i.subject
        and ${statusIs(sql, 'h.status', ...GUESS_CLASSES)}
        and h.login_time >= i.span_from - ${window}::interval and h.login_time <= i.span_to
    ) e
    left join lateral (
      select s.id, s.login_time, s.status from sf_login_history s
      where s.integration_id = ${integrationId} and s.user_id = i.subject
        and ${statusIs(sql, 's.status', ...PASSWORD_ACCEPTED_CLASSES)}
        and s.login_time >= i.span_from and s.login_time <= i.span_to + ${window}::interval
      order by s.login_time, s.id
      limit 1
    ) s on true
  `;
  return rows.map((row) => ({
    kind: 'brute_force',
    severity: row.accepted_id ? 'critical' : 'high',
    ...aboutUser(row.user_id),
    evidenceLoginIds: row.accepted_id ? [...row.evidence, row.accepted_id] : row.evidence,
    keyEvidenceIds: row.accepted_id ? [row.accepted_id] : [],
    details: {
      failures: row.failures,
      threshold: config.bruteForceFailures,
      windowMinutes: config.bruteForceWindowMinutes,
      followedBySuccess: row.accepted_id !== null,
      successLoginId: row.accepted_id,
      passwordAcceptedStatus: row.accepted_status,
    },
    firstSeenAt: row.first_at,
    lastSeenAt: row.accepted_at && row.accepted_at > row.last_at ? row.accepted_at : row.last_at,
    spanFrom: row.span_from,
    spanTo: row.span_to,
    continuationSeconds: config.bruteForceWindowMinutes * 60,
  }));
}

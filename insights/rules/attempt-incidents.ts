import type postgres from 'postgres';
import type { Sql } from '../../platform/database';
import { MAX_EVIDENCE, type DetectedIncident } from '../finding-kinds';
import { aboutUser, hours, spansJson, type DetectionScope, type Rule } from './rule';

export interface AttemptIncidentRow {
  user_id: string;
  evidence: string[];
  attempts: number;
  successes: number;
  first_at: Date;
  last_at: Date;
  state: string | null;
}

/**
 * Groups one user's attempts closer together than `gap` into incidents (gaps-and-islands). `attempts` has
 * columns user_id, state, id, login_time, status.
 */
export function attemptIncidents(sql: Sql, attempts: postgres.PendingQuery<postgres.Row[]>, gap: string) {
  return sql<AttemptIncidentRow[]>`
    with attempts as (${attempts}),
    numbered as (
      select *,
        sum(case when previous is null or login_time - previous > ${gap}::interval then 1 else 0 end)
          over (partition by user_id order by login_time, id) as incident
      from (
        select *, lag(login_time) over (partition by user_id order by login_time, id) as previous from attempts
      ) a
    )
    select user_id, (array_agg(id order by login_time, id))[1:${MAX_EVIDENCE}] as evidence,
      count(*)::int as attempts, count(*) filter (where status = 'Success')::int as successes,
      min(login_time) as first_at, max(login_time) as last_at, min(state) as state
    from numbered
    group by user_id, incident
  `;
}

/**
 * The same incidents rebuilt over merged spans: every attempt of the user inside [span_from, span_to], so a
 * finding continued across runs carries the counters a full recompute would give it.
 */
export function attemptsInSpans(
  sql: Sql,
  attempts: postgres.PendingQuery<postgres.Row[]>,
  spans: { subject: string; span_from: string; span_to: string }[],
) {
  return sql<(AttemptIncidentRow & { span_from: Date; span_to: Date })[]>`
    with attempts as (${attempts})
    select s.subject as user_id, s.span_from, s.span_to,
      (array_agg(a.id order by a.login_time, a.id))[1:${MAX_EVIDENCE}] as evidence,
      count(*)::int as attempts, count(*) filter (where a.status = 'Success')::int as successes,
      min(a.login_time) as first_at, max(a.login_time) as last_at, min(a.state) as state
    from jsonb_to_recordset(${sql.json(spans)}) as s(subject text, span_from timestamptz, span_to timestamptz)
    join attempts a on a.user_id = s.subject and a.login_time >= s.span_from and a.login_time <= s.span_to
    group by s.subject, s.span_from, s.span_to
  `;
}

/**
 * A rule over one user's attempts grouped by `incidentGapHours` (inactive/frozen users, API-only UI logins):
 * detection and the rebuild over merged spans share the attempts query, so both count alike.
 */
export function attemptRule(
  meta: Omit<Rule, 'detect' | 'expand' | 'reevaluation' | 'honoursTrustedNetworks' | 'thresholds'>,
  attempts: (sql: Sql, scope: DetectionScope, from: string) => postgres.PendingQuery<postgres.Row[]>,
  details: (row: AttemptIncidentRow) => Record<string, unknown>,
): Rule {
  const toIncident = (
    row: AttemptIncidentRow,
    spanFrom: Date,
    spanTo: Date,
    { config }: DetectionScope,
  ): DetectedIncident => ({
    kind: meta.kind,
    severity: row.successes > 0 ? (meta.escalation?.severity ?? meta.severity) : meta.severity,
    ...aboutUser(row.user_id),
    evidenceLoginIds: row.evidence,
    details: details(row),
    firstSeenAt: row.first_at,
    lastSeenAt: row.last_at,
    spanFrom,
    spanTo,
    continuationSeconds: config.incidentGapHours * 3600,
  });
  return {
    ...meta,
    thresholds: ['incidentGapHours'],
    reevaluation: 'extend',
    honoursTrustedNetworks: false,
    async detect(sql, scope) {
      const gap = hours(scope.config.incidentGapHours);
      const rows = await attemptIncidents(sql, attempts(sql, scope, scope.evaluateFrom), gap);
      return rows.map((row) => toIncident(row, row.first_at, row.last_at, scope));
    },
    async expand(sql, scope, spans) {
      const from = new Date(Math.min(...spans.map((s) => s.spanFrom.getTime()))).toISOString();
      const rows = await attemptsInSpans(sql, attempts(sql, scope, from), spansJson(spans));
      return rows.map((row) => toIncident(row, row.span_from, row.span_to, scope));
    },
  };
}

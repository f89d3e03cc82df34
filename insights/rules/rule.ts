import type postgres from 'postgres';
import type { Sql } from '../../platform/database';
import type { DetectionThresholds } from '../../platform/detection-thresholds';
import type { DetectedIncident, FindingKind, FindingSeverity } from '../finding-kinds';

/**
 * The window a detection may read and report on, for one integration.
 *
 * `scanFrom` is the earliest LoginTime a rule may read in bulk (since − the largest rule window for an
 * incremental recompute, '-infinity' for a full one); `evaluateFrom` is the earliest LoginTime a rule may
 * report on (since, or '-infinity'). Rows in [scanFrom, evaluateFrom) only complete the windows of newer
 * rows: they were judged by the previous run. State older than scanFrom (a user's previous success, first
 * login, countries seen) is read per user through indexes, never by rescanning history.
 */
export interface DetectionScope {
  integrationId: string;
  scanFrom: string;
  evaluateFrom: string;
  incremental: boolean;
  now: Date;
  config: DetectionThresholds;
  /** The integration's trusted networks (suppression), as CIDR texts. */
  trustedNetworks: string[];
}

/** One incident's grouping span, to be re-expanded into evidence and details after a merge. */
export interface IncidentSpan {
  subject: string;
  spanFrom: Date;
  spanTo: Date;
}

/**
 * How a stored finding relates to a later evaluation:
 * - `extend`: incidents grow; a stored finding is continued by incidents whose span comes within
 *   `continuationSeconds` of its own;
 * - `point_in_time`: each finding is one login judged against history; a stored finding inside the
 *   evaluated range that the evaluation no longer produces (a late row changed the answer) is superseded;
 * - `state`: judged on current state; a stored finding the evaluation no longer produces is superseded
 *   (the privileged user logged in or lost the permission).
 */
export type Reevaluation = 'extend' | 'point_in_time' | 'state';

/** One detection rule with its metadata in one place (Panther style: one rule, one module, its tests). */
export interface Rule {
  kind: FindingKind;
  title: string;
  description: string;
  severity: FindingSeverity;
  /** The severity when the rule's escalation holds, and what that is. */
  escalation?: { severity: FindingSeverity; when: string };
  /** The detection thresholds (integration options `detection.*`) this rule reads. */
  thresholds: readonly (keyof DetectionThresholds)[];
  reevaluation: Reevaluation;
  /** Whether the integration's trusted networks suppress this rule's evidence. */
  honoursTrustedNetworks: boolean;
  detect(sql: Sql, scope: DetectionScope): Promise<DetectedIncident[]>;
  /**
   * Rebuilds incidents from their (merged) spans, exactly as a full recompute would build them; used when
   * incidents merge across runs so evidence and counters are those of the whole incident, not of one part.
   */
  expand?(sql: Sql, scope: DetectionScope, spans: IncidentSpan[]): Promise<DetectedIncident[]>;
}

export const minutes = (value: number) => `${value} minutes`;
export const days = (value: number) => `${value} days`;
export const hours = (value: number) => `${value} hours`;

/** postgres.js sends spans as one jsonb parameter; the statement unpacks it with jsonb_to_recordset. */
export function spansJson(spans: IncidentSpan[]) {
  return spans.map((s) => ({
    subject: s.subject,
    span_from: s.spanFrom.toISOString(),
    span_to: s.spanTo.toISOString(),
  }));
}

/** SQL predicate: the source IP is not in a trusted network (suppression); true when none are configured. */
export function untrusted(sql: Sql, column: string, trustedNetworks: string[]) {
  return trustedNetworks.length === 0
    ? sql`true`
    : // login_source_inet (migration 00007) yields null for text that is not an address, never an error.
      sql`not coalesce(login_source_inet(${sql(column)}) <<= any(${trustedNetworks}::cidr[]), false)`;
}

/** Who a one-user incident is about: the user is its subject, its only user, and no source IP is named. */
export function aboutUser(userId: string) {
  return { subject: userId, userId, userIds: [userId], sourceIp: null };
}

/**
 * The spans of incidents over the `qualifying` rows (subject, login_time): rows of one subject closer than
 * `window` to the previous one are one incident (gaps and islands), each spanning its first to last row.
 */
export async function windowIncidentSpans(
  sql: Sql,
  qualifying: postgres.PendingQuery<postgres.Row[]>,
  window: string,
): Promise<IncidentSpan[]> {
  const spans = await sql<{ subject: string; span_from: Date; span_to: Date }[]>`
    select subject, min(login_time) as span_from, max(login_time) as span_to
    from (
      select subject, login_time,
        sum(case when previous is null or login_time - previous > ${window}::interval then 1 else 0 end)
          over (partition by subject order by login_time) as incident
      from (
        select subject, login_time, lag(login_time) over (partition by subject order by login_time) as previous
        from (${qualifying}) q
      ) p
    ) i
    group by subject, incident
  `;
  return spans.map((s) => ({ subject: s.subject, spanFrom: s.span_from, spanTo: s.span_to }));
}

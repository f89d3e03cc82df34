import type postgres from 'postgres';
import type { Sql } from '../platform/database';
import { CURSOR_TIME_FORMAT } from '../platform/database';
import { refreshLoginDailyCounts } from './auth-activity/summary';
import { FULL_RECOMPUTE_WORK_MEM } from './work-mem';
import { refreshLoginFailureDaily, refreshUserLicenseActivity, refreshUserLoginRollups } from './rollups';
import type { DetectionThresholds } from '../platform/detection-thresholds';
import { detectionConfigFromOptions, largestRuleWindowMinutes } from './detection-config';
import { parseIntegrationOptions } from '../platform/integration-options';
import { classifyLoginStatus } from './login-status';
import type { CsvColumn } from './csv';
import { rules } from './rules';
import type { DetectionScope } from './rules/rule';
import {
  findingKinds,
  MAX_EVIDENCE,
  type DetectedIncident,
  type FindingKind,
  type FindingSeverity,
  type FindingStatus,
} from './finding-kinds';

export type { DetectionScope } from './rules/rule';

export interface RecomputeResult {
  opened: number;
  updated: number;
  /** Acknowledged or resolved findings put back in the open queue by new activity. */
  reopened: number;
  /** Findings a re-evaluation no longer produces, or duplicates folded into another finding. */
  superseded: number;
  /** Findings opened or updated by this recompute, per kind. */
  byKind: Record<string, number>;
  /** LoginHistory.Status texts in the scanned days that login-status.ts does not classify (at most 20). */
  unknownStatuses: string[];
}

/**
 * Per-statement limits for detection: a Temporal timeout or cancel does not stop SQL already running, so
 * without a statement_timeout retries could pile up behind a runaway query (an attacker's 1,000-failures-a-
 * minute IP makes spray's distinct counts expensive exactly when it matters). Well inside the activity's
 * one-hour start-to-close timeout.
 */
export const DETECTION_STATEMENT_TIMEOUT = { full: '15min', incremental: '3min' } as const;

/**
 * Recomputes findings for one integration after a collection run. With `since` (the LoginTime from which
 * this run brought new LoginHistory) only logins from since − the largest rule window are rescanned, and
 * only logins from `since` can open or extend a finding; with null everything is recomputed. Either way the
 * result is merged with the stored findings by each rule's own grouping rule (upsertIncidents), so running
 * it twice changes nothing and a split run ends with the findings of a full one.
 */
export async function recomputeFindings(
  sql: Sql,
  {
    integrationId,
    since,
    now,
    onStep = () => {},
  }: {
    integrationId: string;
    since: Date | null;
    now: Date;
    /** Called with each step's duration (rollups, each rule, upsert): for the benchmark and the activity log. */
    onStep?: (step: string, ms: number) => void;
  },
): Promise<RecomputeResult> {
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    onStep(name, Math.round(performance.now() - started));
    return result;
  };
  const [integration] = await sql<{ options: unknown }[]>`
    select options from integrations where id = ${integrationId}
  `;
  if (!integration) throw new Error(`integration ${integrationId} does not exist`);
  const config = detectionConfigFromOptions(integration.options);
  const trustedNetworks = await trustedNetworkCidrs(sql, integrationId);
  const scope = detectionScope(integrationId, since, now, config, trustedNetworks);

  if (!since) {
    // A full recompute follows a bulk load (the initial collection). Planned on statistics from before the load
    // (or none at all on a fresh database), the detection queries pick nested loops over hundreds of thousands
    // of rows and run for many minutes instead of seconds; fresh statistics first.
    await step(
      'analyze',
      () => sql`analyze sf_login_history, sf_users, sf_user_logins, sf_permission_set_assignments`,
    );
  }

  // Rollups first: they cover the same window as the rules, and the reports read them right after the run.
  const fromDay = since ? scope.scanFrom.slice(0, 10) : null;
  // Daily counts are kept in the integration's time zone (the reports' days); the failure rollup in UTC days
  // (top lists sum whole days of a range of instants, so their day boundaries never show).
  const { timezone } = parseIntegrationOptions(integration.options);
  await step('login_daily_counts', () =>
    refreshLoginDailyCounts(sql, integrationId, since ? scope.scanFrom : null, timezone),
  );
  await step('login_failure_daily', () => refreshLoginFailureDaily(sql, integrationId, fromDay));
  await step('user_login_rollups', () =>
    refreshUserLoginRollups(sql, integrationId, since ? scope.scanFrom : null),
  );
  // After the login rollup: it reads last_success_at from it.
  await step('user_license_activity', () => refreshUserLicenseActivity(sql, integrationId));

  const incidents: DetectedIncident[] = [];
  for (const kind of findingKinds) {
    incidents.push(
      ...(await step(kind, () => withDetectionLimits(sql, !since, (tx) => rules[kind].detect(tx, scope)))),
    );
  }
  const result = await step('upsert', () => upsertIncidents(sql, scope, incidents));
  return { ...result, unknownStatuses: await unknownStatuses(sql, integrationId, fromDay) };
}

/**
 * Runs detection statements in a transaction with a statement_timeout, and for a full recompute the raised
 * work_mem (work-mem.ts); set_config(…, true) is SET LOCAL, so nothing leaks to the pooled connection.
 */
export async function withDetectionLimits<T>(
  sql: Sql,
  full: boolean,
  work: (tx: Sql) => Promise<T>,
): Promise<T> {
  return (await sql.begin(async (tx) => {
    await tx`select set_config('statement_timeout', ${DETECTION_STATEMENT_TIMEOUT[full ? 'full' : 'incremental']}, true)`;
    if (full) await tx`select set_config('work_mem', ${FULL_RECOMPUTE_WORK_MEM}, true)`;
    return work(tx as unknown as Sql);
  })) as T;
}

/** Runs one full-recompute statement group in a transaction with the raised work_mem (work-mem.ts). */
export async function withFullRecomputeMemory<T>(sql: Sql, work: (tx: Sql) => Promise<T>): Promise<T> {
  return withDetectionLimits(sql, true, work);
}

async function trustedNetworkCidrs(sql: Sql, integrationId: string): Promise<string[]> {
  const rows = await sql<{ cidr: string }[]>`
    select cidr::text as cidr from trusted_networks where integration_id = ${integrationId} order by cidr
  `;
  return rows.map((r) => r.cidr);
}

/** Status texts of the scanned days that no class covers, so a new Salesforce wording gets noticed. */
async function unknownStatuses(sql: Sql, integrationId: string, fromDay: string | null): Promise<string[]> {
  const rows = await sql<{ value: string }[]>`
    select distinct value from login_daily_counts
    where integration_id = ${integrationId} and dimension = 'status' and value <> ''
      -- Local days (the integration's zone) may start up to a day before the UTC day: one day wider.
      ${fromDay ? sql`and day >= ${fromDay}::date - 1` : sql``}
  `;
  return rows
    .map((r) => r.value)
    .filter((v) => classifyLoginStatus(v) === 'unknown')
    .sort()
    .slice(0, 20);
}

export function detectionScope(
  integrationId: string,
  since: Date | null,
  now: Date,
  config: DetectionThresholds,
  trustedNetworks: string[] = [],
): DetectionScope {
  if (!since) {
    return {
      integrationId,
      scanFrom: '-infinity',
      evaluateFrom: '-infinity',
      incremental: false,
      now,
      config,
      trustedNetworks,
    };
  }
  const scanFrom = new Date(since.getTime() - largestRuleWindowMinutes(config) * 60_000);
  return {
    integrationId,
    scanFrom: scanFrom.toISOString(),
    evaluateFrom: since.toISOString(),
    incremental: true,
    now,
    config,
    trustedNetworks,
  };
}

/** A stored finding as the merge sees it. */
interface StoredIncident extends DetectedIncident {
  id: string;
  dedupeKey: string;
}

interface Component {
  incidents: DetectedIncident[];
  stored: StoredIncident[];
}

/**
 * Matches this run's incidents to stored findings and to each other with one rule (spans within the rule's
 * continuation gap, transitively: union-find), rebuilds each merged group from its whole span when the rule
 * can (so evidence and counters are a full recompute's), supersedes what a re-evaluation no longer
 * produces, and writes everything in one statement that reopens acknowledged/resolved findings that gained
 * activity. An advisory lock per integration keeps two recomputes (a retry racing its predecessor) apart.
 */
export async function upsertIncidents(
  sql: Sql,
  scope: DetectionScope,
  incidents: DetectedIncident[],
): Promise<Omit<RecomputeResult, 'unknownStatuses'>> {
  const { integrationId, now } = scope;
  return sql.begin(async (tx) => {
    const sql = tx as unknown as Sql;
    await sql`select pg_advisory_xact_lock(hashtextextended(${`findings:${integrationId}`}, 0))`;
    const stored = await storedCandidates(sql, integrationId, incidents);
    const components = groupIncidents(incidents, stored);

    const finals: KeyedIncident[] = [];
    const supersede = new Set<string>();
    const toExpand = new Map<FindingKind, { component: Component; key: string }[]>();
    for (const component of components) {
      const key = componentKey(component);
      for (const s of component.stored) if (s.dedupeKey !== key) supersede.add(s.id);
      const kind = (component.incidents[0] ?? component.stored[0])!.kind;
      const merged = component.incidents.length + component.stored.length > 1;
      if (merged && rules[kind].expand) {
        toExpand.set(kind, [...(toExpand.get(kind) ?? []), { component, key }]);
      } else {
        finals.push({ ...fold([...component.stored, ...component.incidents]), dedupeKey: key });
      }
    }
    for (const [kind, groups] of toExpand) {
      const spans = groups.map(({ component }) => {
        const all = [...component.stored, ...component.incidents];
        return {
          subject: all[0]!.subject,
          spanFrom: new Date(Math.min(...all.map((i) => i.spanFrom.getTime()))),
          spanTo: new Date(Math.max(...all.map((i) => i.spanTo.getTime()))),
        };
      });
      const expanded = await rules[kind].expand!(sql, scope, spans);
      groups.forEach(({ component, key }, index) => {
        const span = spans[index]!;
        const rebuilt = expanded.find(
          (e) => e.subject === span.subject && e.spanFrom.getTime() === span.spanFrom.getTime(),
        );
        // Rows purged since (retention) leave nothing to rebuild from: fold what is known instead.
        const merged = rebuilt ? fold([rebuilt]) : fold([...component.stored, ...component.incidents]);
        finals.push({ ...merged, dedupeKey: key });
      });
    }

    const produced = new Set(finals.map((f) => f.dedupeKey));
    for (const id of await stale(sql, scope, produced)) supersede.add(id);
    const superseded = await markSuperseded(sql, integrationId, [...supersede], now);
    const written = await writeFindings(sql, integrationId, finals, now);
    const byKind: Record<string, number> = {};
    let opened = 0;
    let reopened = 0;
    for (const row of written) {
      if (row.inserted) opened++;
      if (row.reopened) reopened++;
      byKind[row.kind] = (byKind[row.kind] ?? 0) + 1;
    }
    return { opened, updated: written.length - opened, reopened, superseded, byKind };
  });
}

interface KeyedIncident extends DetectedIncident {
  dedupeKey: string;
}

/** Stored, not superseded findings whose span comes within the continuation gap of an incident's. */
async function storedCandidates(
  sql: Sql,
  integrationId: string,
  incidents: DetectedIncident[],
): Promise<{ index: number; finding: StoredIncident }[]> {
  if (incidents.length === 0) return [];
  const lookups = incidents.map((incident, index) => ({
    index,
    kind: incident.kind,
    subject: incident.subject,
    span_from: incident.spanFrom.toISOString(),
    span_to: incident.spanTo.toISOString(),
    gap: incident.continuationSeconds,
  }));
  const rows = await sql<
    (Omit<FindingRow, 'username' | 'integration_id' | 'status' | 'status_changed_at' | 'status_note'> & {
      index: number;
      dedupe_key: string;
      subject: string;
      span_from: Date;
      span_to: Date;
    })[]
  >`
    select l.index, f.id, f.dedupe_key, f.kind, f.subject, f.severity, f.user_id, f.user_ids, f.source_ip,
      f.evidence_login_ids, f.details, f.first_seen_at, f.last_seen_at, f.span_from, f.span_to,
      f.created_at, f.updated_at
    from jsonb_to_recordset(${sql.json(lookups)}) as l(
      index int, kind text, subject text, span_from timestamptz, span_to timestamptz, gap int
    )
    join findings f
      on f.integration_id = ${integrationId} and f.kind = l.kind and f.subject = l.subject
      and f.superseded_at is null
      and f.span_to >= l.span_from - make_interval(secs => l.gap)
      and f.span_from <= l.span_to + make_interval(secs => l.gap)
  `;
  return rows.map((row) => ({
    index: row.index,
    finding: {
      id: row.id,
      dedupeKey: row.dedupe_key,
      kind: row.kind,
      severity: row.severity,
      subject: row.subject,
      userId: row.user_id,
      userIds: row.user_ids,
      sourceIp: row.source_ip,
      evidenceLoginIds: row.evidence_login_ids,
      details: row.details,
      firstSeenAt: row.first_seen_at,
      lastSeenAt: row.last_seen_at,
      spanFrom: row.span_from,
      spanTo: row.span_to,
      continuationSeconds: incidents[row.index]!.continuationSeconds,
      keyEvidenceIds: keyEvidenceOf(row.details),
    },
  }));
}

/**
 * Union-find over incidents and stored findings: an incident joins every stored finding it continues, and
 * incidents of one kind and subject whose spans come within the gap join each other, exactly the relation
 * the rules split on, so a full recompute (everything in one batch) and a split one group alike.
 */
export function groupIncidents(
  incidents: DetectedIncident[],
  matches: { index: number; finding: StoredIncident }[],
): Component[] {
  const parent = incidents.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const union = (a: number, b: number) => {
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  const bySubject = new Map<string, number[]>();
  incidents.forEach((incident, i) => {
    const key = `${incident.kind}\u0000${incident.subject}`;
    bySubject.set(key, [...(bySubject.get(key) ?? []), i]);
  });
  for (const members of bySubject.values()) {
    members.sort((a, b) => incidents[a]!.spanFrom.getTime() - incidents[b]!.spanFrom.getTime());
    let reach = -Infinity;
    let previous = -1;
    for (const i of members) {
      const incident = incidents[i]!;
      if (previous >= 0 && incident.spanFrom.getTime() - reach <= incident.continuationSeconds * 1000) {
        union(previous, i);
      }
      reach = Math.max(reach, incident.spanTo.getTime());
      previous = i;
    }
  }
  const storedById = new Map<string, StoredIncident>();
  const firstIncidentOf = new Map<string, number>();
  for (const { index, finding } of matches) {
    storedById.set(finding.id, finding);
    const seen = firstIncidentOf.get(finding.id);
    if (seen === undefined) firstIncidentOf.set(finding.id, index);
    else union(seen, index);
  }
  const components = new Map<number, Component>();
  incidents.forEach((incident, i) => {
    const root = find(i);
    const component = components.get(root) ?? { incidents: [], stored: [] };
    component.incidents.push(incident);
    components.set(root, component);
  });
  for (const [id, index] of firstIncidentOf) components.get(find(index))!.stored.push(storedById.get(id)!);
  return [...components.values()];
}

/** The key of the oldest stored finding in the group (analysts' statuses live there), else a new one. */
function componentKey({ incidents, stored }: Component): string {
  const oldest = [...stored].sort(
    (a, b) => a.firstSeenAt.getTime() - b.firstSeenAt.getTime() || a.id.localeCompare(b.id),
  )[0];
  if (oldest) return oldest.dedupeKey;
  const first = [...incidents].sort((a, b) => a.firstSeenAt.getTime() - b.firstSeenAt.getTime())[0]!;
  return dedupeKeyOf(first);
}

/** kind + subject + incident start: the same incident always gets the same key, whichever run sees it. */
export function dedupeKeyOf(incident: Pick<DetectedIncident, 'kind' | 'subject' | 'firstSeenAt'>): string {
  return `${incident.kind}:${incident.subject}:${incident.firstSeenAt.toISOString()}`;
}

const SEVERITY_RANK: Record<FindingSeverity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

/**
 * Folds parts of one incident: evidence united (sorted by id, capped, key evidence always kept), severity
 * the highest, details of the part that ends last on top (its counters describe the latest state).
 */
function fold(parts: DetectedIncident[]): DetectedIncident {
  const ordered = [...parts].sort((a, b) => a.spanTo.getTime() - b.spanTo.getTime());
  const keys = [...new Set(ordered.flatMap((p) => p.keyEvidenceIds ?? []))];
  return {
    ...ordered[ordered.length - 1]!,
    severity: ordered.reduce<FindingSeverity>(
      (top, p) => (SEVERITY_RANK[p.severity] > SEVERITY_RANK[top] ? p.severity : top),
      'low',
    ),
    userIds: [...new Set(ordered.flatMap((p) => p.userIds))].sort(),
    evidenceLoginIds: capEvidence(
      ordered.flatMap((p) => p.evidenceLoginIds),
      keys,
    ),
    keyEvidenceIds: keys,
    details: Object.assign({}, ...ordered.map((p) => p.details)) as Record<string, unknown>,
    firstSeenAt: new Date(Math.min(...ordered.map((p) => p.firstSeenAt.getTime()))),
    lastSeenAt: new Date(Math.max(...ordered.map((p) => p.lastSeenAt.getTime()))),
    spanFrom: new Date(Math.min(...ordered.map((p) => p.spanFrom.getTime()))),
    spanTo: new Date(Math.max(...ordered.map((p) => p.spanTo.getTime()))),
  };
}

/** Sorted, unique, at most MAX_EVIDENCE ids; the key evidence (the success that made it critical) is never cut. */
export function capEvidence(ids: string[], keys: string[]): string[] {
  const keySet = new Set(keys);
  const rest = [...new Set(ids)].filter((id) => !keySet.has(id)).sort();
  return [...rest.slice(0, Math.max(0, MAX_EVIDENCE - keySet.size)), ...keySet].sort();
}

function keyEvidenceOf(details: Record<string, unknown>): string[] {
  return typeof details.successLoginId === 'string' ? [details.successLoginId] : [];
}

/**
 * Stored findings of point-in-time kinds inside the evaluated range, and of state kinds anywhere, that this
 * evaluation did not produce: a late row or a changed state made them wrong.
 */
async function stale(sql: Sql, { integrationId, evaluateFrom }: DetectionScope, produced: Set<string>) {
  const pointInTime = findingKinds.filter((k) => rules[k].reevaluation === 'point_in_time');
  const state = findingKinds.filter((k) => rules[k].reevaluation === 'state');
  const rows = await sql<{ id: string; dedupe_key: string }[]>`
    select id, dedupe_key from findings
    where integration_id = ${integrationId} and superseded_at is null
      and (
        (kind = any(${pointInTime}::text[]) and span_from >= ${evaluateFrom}::text::timestamptz)
        or kind = any(${state}::text[])
      )
  `;
  return rows.filter((r) => !produced.has(r.dedupe_key)).map((r) => r.id);
}

async function markSuperseded(sql: Sql, integrationId: string, ids: string[], now: Date): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await sql`
    update findings set superseded_at = ${now}::timestamptz, updated_at = ${now}::timestamptz
    where integration_id = ${integrationId} and id = any(${ids}::uuid[]) and superseded_at is null
    returning id
  `;
  return rows.length;
}

/**
 * One statement for every final incident. "Nothing new" (same evidence, times, severity, details) skips
 * the write; an acknowledged or resolved finding that gains evidence, a later last-seen or a higher severity
 * goes back to `open` with a `new_activity` entry in its status history, so it is never silently extended.
 */
async function writeFindings(sql: Sql, integrationId: string, finals: KeyedIncident[], now: Date) {
  if (finals.length === 0) return [];
  const rows = finals.map((incident) => ({
    kind: incident.kind,
    severity: incident.severity,
    dedupe_key: incident.dedupeKey,
    subject: incident.subject,
    user_id: incident.userId,
    user_ids: incident.userIds,
    source_ip: incident.sourceIp,
    evidence: incident.evidenceLoginIds,
    details: incident.details,
    first_seen_at: incident.firstSeenAt.toISOString(),
    last_seen_at: incident.lastSeenAt.toISOString(),
    span_from: incident.spanFrom.toISOString(),
    span_to: incident.spanTo.toISOString(),
  }));
  return sql<{ inserted: boolean; reopened: boolean; kind: FindingKind }[]>`
    with incoming as (
      select * from jsonb_to_recordset(${sql.json(rows as unknown as postgres.JSONValue)}) as r(
        kind text, severity text, dedupe_key text, subject text, user_id text, user_ids text[],
        source_ip text, evidence text[], details jsonb, first_seen_at timestamptz, last_seen_at timestamptz,
        span_from timestamptz, span_to timestamptz
      )
    ),
    prior as (
      select i.*, f.status as old_status,
        f.status in ('acknowledged', 'resolved') and (
          i.last_seen_at > f.last_seen_at
          or array_position(array['low', 'medium', 'high', 'critical'], i.severity)
            > array_position(array['low', 'medium', 'high', 'critical'], f.severity)
          or exists (select 1 from unnest(i.evidence) x where x <> all(f.evidence_login_ids))
        ) as reopen
      from incoming i
      left join findings f on f.integration_id = ${integrationId} and f.dedupe_key = i.dedupe_key
    ),
    written as (
      insert into findings as f (
        integration_id, kind, severity, dedupe_key, subject, user_id, user_ids, source_ip,
        evidence_login_ids, details, first_seen_at, last_seen_at, span_from, span_to, status, status_changed_at
      )
      select ${integrationId}, kind, severity, dedupe_key, subject, user_id, user_ids, source_ip,
        evidence, details, first_seen_at, last_seen_at, span_from, span_to,
        case when reopen then 'open' else coalesce(old_status, 'open') end, null
      from prior
      on conflict (integration_id, dedupe_key) do update set
        severity = excluded.severity,
        user_ids = excluded.user_ids,
        source_ip = coalesce(f.source_ip, excluded.source_ip),
        evidence_login_ids = excluded.evidence_login_ids,
        details = excluded.details,
        first_seen_at = excluded.first_seen_at,
        last_seen_at = excluded.last_seen_at,
        span_from = excluded.span_from,
        span_to = excluded.span_to,
        status = excluded.status,
        status_changed_at = case when f.status is distinct from excluded.status then ${now}::timestamptz
          else f.status_changed_at end,
        superseded_at = null,
        updated_at = ${now}::timestamptz
      where (f.severity, f.user_ids, f.evidence_login_ids, f.details, f.first_seen_at, f.last_seen_at,
          f.span_from, f.span_to, f.status, f.superseded_at)
        is distinct from (
          excluded.severity, excluded.user_ids, excluded.evidence_login_ids, excluded.details,
          excluded.first_seen_at, excluded.last_seen_at, excluded.span_from, excluded.span_to, excluded.status,
          null
        )
      returning f.id, f.dedupe_key, (xmax = 0) as inserted, f.kind
    ),
    audit as (
      insert into finding_status_changes (finding_id, from_status, to_status, note, reason, changed_at)
      select w.id, p.old_status, 'open', 'New activity after the finding was ' || p.old_status || '.',
        'new_activity', ${now}::timestamptz
      from written w
      join prior p on p.dedupe_key = w.dedupe_key
      where p.reopen
    )
    select w.inserted, coalesce(p.reopen, false) as reopened, w.kind
    from written w
    join prior p on p.dedupe_key = w.dedupe_key
  `;
}

export interface Finding {
  id: string;
  integrationId: string;
  kind: FindingKind;
  severity: FindingSeverity;
  status: FindingStatus;
  userId: string | null;
  username: string | null;
  userIds: string[];
  sourceIp: string | null;
  evidenceLoginIds: string[];
  details: Record<string, unknown>;
  firstSeenAt: string;
  lastSeenAt: string;
  statusChangedAt: string | null;
  statusNote: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface FindingRow {
  id: string;
  integration_id: string;
  kind: FindingKind;
  severity: FindingSeverity;
  status: FindingStatus;
  user_id: string | null;
  username: string | null;
  user_ids: string[];
  source_ip: string | null;
  evidence_login_ids: string[];
  details: Record<string, unknown>;
  first_seen_at: Date;
  last_seen_at: Date;
  status_changed_at: Date | null;
  status_note: string | null;
  created_at: Date;
  updated_at: Date;
}

export function toFinding(row: FindingRow): Finding {
  return {
    id: row.id,
    integrationId: row.integration_id,
    kind: row.kind,
    severity: row.severity,
    status: row.status,
    userId: row.user_id,
    username: row.username,
    userIds: row.user_ids,
    sourceIp: row.source_ip,
    evidenceLoginIds: row.evidence_login_ids,
    details: row.details,
    firstSeenAt: row.first_seen_at.toISOString(),
    lastSeenAt: row.last_seen_at.toISOString(),
    statusChangedAt: row.status_changed_at?.toISOString() ?? null,
    statusNote: row.status_note,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The findings CSV: every field of a finding, list-valued ones space-separated, details as JSON. */
export const findingColumns: CsvColumn<Finding>[] = [
  { header: 'id', value: (f) => f.id },
  { header: 'integration_id', value: (f) => f.integrationId },
  { header: 'kind', value: (f) => f.kind },
  { header: 'severity', value: (f) => f.severity },
  { header: 'status', value: (f) => f.status },
  { header: 'user_id', value: (f) => f.userId },
  { header: 'username', value: (f) => f.username },
  { header: 'source_ip', value: (f) => f.sourceIp },
  { header: 'first_seen_at', value: (f) => f.firstSeenAt },
  { header: 'last_seen_at', value: (f) => f.lastSeenAt },
  { header: 'user_ids', value: (f) => f.userIds },
  { header: 'status_note', value: (f) => f.statusNote },
  { header: 'details', value: (f) => JSON.stringify(f.details) },
  { header: 'evidence_login_ids', value: (f) => f.evidenceLoginIds },
];

/** Position after the last finding of a page: findings are listed newest incident first. */
export interface FindingCursor {
  /** first_seen_at as PostgreSQL's microsecond UTC text, so no row is skipped by millisecond rounding. */
  firstSeenAt: string;
  id: string;
}

export interface FindingFilter {
  /** The tenant whose integrations may be listed; the integration filter narrows it to one. */
  tenantId: string;
  integrationId?: string;
  kind?: FindingKind;
  severity?: FindingSeverity;
  status?: FindingStatus;
  limit: number;
  after?: FindingCursor;
}

/**
 * Keyset pagination on (first_seen_at desc, id desc), which a recompute never changes for the finding
 * already listed (an incident only grows later, not earlier, except when merged across runs).
 */
export async function listFindings(
  sql: Sql,
  filter: FindingFilter,
): Promise<{ findings: Finding[]; next: FindingCursor | null }> {
  // Per integration of the tenant, the first limit + 1 matches come off the (integration_id, first_seen_at
  // desc, id desc) index; the union is then cut to the page. Cost grows with the page, not the findings.
  const rows = await sql<(FindingRow & { cursor_time: string })[]>`
    select f.*, u.username, to_char(f.first_seen_at at time zone 'UTC', ${CURSOR_TIME_FORMAT}) as cursor_time
    from integrations i
    cross join lateral (
      select f.id, f.integration_id, f.kind, f.severity, f.status, f.user_id, f.user_ids, f.source_ip,
        f.evidence_login_ids, f.details, f.first_seen_at, f.last_seen_at, f.status_changed_at, f.status_note,
        f.created_at, f.updated_at
      from findings f
      where f.integration_id = i.id and f.superseded_at is null
        ${filter.kind ? sql`and f.kind = ${filter.kind}` : sql``}
        ${filter.severity ? sql`and f.severity = ${filter.severity}` : sql``}
        ${filter.status ? sql`and f.status = ${filter.status}` : sql``}
        ${
          filter.after
            ? sql`and (f.first_seen_at, f.id) < (${filter.after.firstSeenAt}::text::timestamptz, ${filter.after.id}::uuid)`
            : sql``
        }
      order by f.first_seen_at desc, f.id desc
      limit ${filter.limit + 1}
    ) f
    left join sf_users u on u.integration_id = f.integration_id and u.id = f.user_id
    where i.tenant_id = ${filter.tenantId} and i.purge_requested_at is null
      ${filter.integrationId ? sql`and i.id = ${filter.integrationId}` : sql``}
    order by f.first_seen_at desc, f.id desc
    limit ${filter.limit + 1}
  `;
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  return {
    findings: page.map(toFinding),
    next: rows.length > filter.limit && last ? { firstSeenAt: last.cursor_time, id: last.id } : null,
  };
}

/** One entry of a finding's status history. */
export interface FindingStatusChange {
  fromStatus: FindingStatus | null;
  toStatus: FindingStatus;
  note: string | null;
  /** `analyst` (through the API, with the key) or `new_activity` (reopened by a recompute). */
  reason: 'analyst' | 'new_activity';
  actor: { apiKeyId: string; name: string } | null;
  changedAt: string;
}

/** The API key that changes a status, recorded in the history. */
export interface StatusActor {
  apiKeyId: string;
}

/**
 * Sets an analyst's status and records who, when, from what and why; returns null when the finding is not
 * in that tenant's integration. Omitting `note` keeps the previous note (null clears it).
 */
export async function setFindingStatus(
  sql: Sql,
  {
    tenantId,
    integrationId,
    findingId,
    status,
    note,
    actor,
    now,
  }: {
    tenantId: string;
    integrationId: string;
    findingId: string;
    status: FindingStatus;
    note?: string | null;
    actor?: StatusActor;
    now: Date;
  },
): Promise<(Finding & { statusHistory: FindingStatusChange[] }) | null> {
  const updated = await sql.begin(async (tx) => {
    const [before] = await tx<{ status: FindingStatus }[]>`
      select f.status from findings f
      join integrations i on i.id = f.integration_id and i.tenant_id = ${tenantId} and i.purge_requested_at is null
      where f.id = ${findingId} and f.integration_id = ${integrationId}
      for update of f
    `;
    if (!before) return false;
    await tx`
      update findings f set
        status = ${status},
        status_note = ${note === undefined ? tx`f.status_note` : note},
        status_changed_at = case when f.status is distinct from ${status} then ${now}::timestamptz
          else f.status_changed_at end,
        updated_at = ${now}::timestamptz
      where f.id = ${findingId}
    `;
    await tx`
      insert into finding_status_changes (
        finding_id, from_status, to_status, note, actor_api_key_id, actor_name, reason, changed_at
      )
      select ${findingId}, ${before.status}, ${status}, ${note ?? null}, k.id, k.name, 'analyst', ${now}::timestamptz
      from (select 1) one
      left join api_keys k on k.id = ${actor?.apiKeyId ?? null}::uuid and k.tenant_id = ${tenantId}
    `;
    return true;
  });
  return updated ? getFinding(sql, { tenantId, integrationId, findingId }) : null;
}

/** One finding with its status history, or null when it is not in that tenant's integration. */
export async function getFinding(
  sql: Sql,
  { tenantId, integrationId, findingId }: { tenantId: string; integrationId: string; findingId: string },
): Promise<(Finding & { statusHistory: FindingStatusChange[] }) | null> {
  const [row] = await sql<FindingRow[]>`
    select f.id, f.integration_id, f.kind, f.severity, f.status, f.user_id, u.username, f.user_ids,
      f.source_ip, f.evidence_login_ids, f.details, f.first_seen_at, f.last_seen_at, f.status_changed_at,
      f.status_note, f.created_at, f.updated_at
    from findings f
    join integrations i on i.id = f.integration_id and i.tenant_id = ${tenantId} and i.purge_requested_at is null
    left join sf_users u on u.integration_id = f.integration_id and u.id = f.user_id
    where f.id = ${findingId} and f.integration_id = ${integrationId}
  `;
  if (!row) return null;
  const history = await sql<
    {
      from_status: FindingStatus | null;
      to_status: FindingStatus;
      note: string | null;
      reason: 'analyst' | 'new_activity';
      actor_api_key_id: string | null;
      actor_name: string | null;
      changed_at: Date;
    }[]
  >`
    select from_status, to_status, note, reason, actor_api_key_id, actor_name, changed_at
    from finding_status_changes where finding_id = ${findingId}
    order by changed_at, id
  `;
  return {
    ...toFinding(row),
    statusHistory: history.map((h) => ({
      fromStatus: h.from_status,
      toStatus: h.to_status,
      note: h.note,
      reason: h.reason,
      actor: h.actor_api_key_id ? { apiKeyId: h.actor_api_key_id, name: h.actor_name ?? '' } : null,
      changedAt: h.changed_at.toISOString(),
    })),
  };
}

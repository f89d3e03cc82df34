import type postgres from 'postgres';
import type { Sql } from '../platform/database';
import { refreshLoginDailyCounts } from './auth-activity';
import { FULL_RECOMPUTE_WORK_MEM } from './work-mem';
import { refreshLoginFailureDaily, refreshUserLicenseActivity, refreshUserLoginRollups } from './rollups';
import {
  detectionConfigFromOptions,
  largestRuleWindowMinutes,
  type DetectionConfig,
} from './detection-config';
import { detections, type DetectionScope } from './detections';
import {
  findingKinds,
  MAX_EVIDENCE,
  type DetectedIncident,
  type FindingKind,
  type FindingSeverity,
  type FindingStatus,
} from './finding-kinds';

export interface RecomputeResult {
  opened: number;
  updated: number;
  /** Findings opened or updated by this recompute, per kind. */
  byKind: Record<string, number>;
}

const SEVERITY_RANK: Record<FindingSeverity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

/**
 * Recomputes findings for one integration after a collection run. With `since` (the LoginTime from which
 * this run brought new LoginHistory) only logins from since − the largest rule window are rescanned, and
 * only logins from `since` can open or extend a finding; with null everything is recomputed. Either way the
 * result is an upsert keyed on the finding's dedupe key, so running it twice changes nothing and never
 * touches an analyst's status.
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
  const scope = detectionScope(integrationId, since, now, config);

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
  await step('login_daily_counts', () => refreshLoginDailyCounts(sql, integrationId, fromDay));
  await step('login_failure_daily', () => refreshLoginFailureDaily(sql, integrationId, fromDay));
  await step('user_login_rollups', () =>
    refreshUserLoginRollups(sql, integrationId, since ? scope.scanFrom : null),
  );
  // After the login rollup: it reads last_success_at from it.
  await step('user_license_activity', () => refreshUserLicenseActivity(sql, integrationId));

  const incidents: DetectedIncident[] = [];
  for (const kind of findingKinds) {
    incidents.push(
      ...(await step(kind, () =>
        since
          ? detections[kind](sql, scope)
          : withFullRecomputeMemory(sql, (tx) => detections[kind](tx, scope)),
      )),
    );
  }
  return step('upsert', () => upsertIncidents(sql, integrationId, incidents));
}

/** Runs one full-recompute statement group in a transaction with the raised work_mem (work-mem.ts). */
export async function withFullRecomputeMemory<T>(sql: Sql, work: (tx: Sql) => Promise<T>): Promise<T> {
  return (await sql.begin(async (tx) => {
    await tx`select set_config('work_mem', ${FULL_RECOMPUTE_WORK_MEM}, true)`;
    return work(tx as unknown as Sql);
  })) as T;
}

export function detectionScope(
  integrationId: string,
  since: Date | null,
  now: Date,
  config: DetectionConfig,
): DetectionScope {
  if (!since) {
    return {
      integrationId,
      scanFrom: '-infinity',
      evaluateFrom: '-infinity',
      incremental: false,
      now,
      config,
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
  };
}

interface KeyedIncident extends DetectedIncident {
  dedupeKey: string;
}

/**
 * Three statements whatever the number of incidents: find the stored finding each incident continues, merge
 * incidents that continue the same finding, then upsert them all at once. An advisory lock per integration
 * keeps two recomputes (a retry racing its predecessor) from interleaving.
 */
export async function upsertIncidents(
  sql: Sql,
  integrationId: string,
  incidents: DetectedIncident[],
): Promise<RecomputeResult> {
  const byKind: Record<string, number> = {};
  if (incidents.length === 0) return { opened: 0, updated: 0, byKind };

  return sql.begin(async (sql) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`findings:${integrationId}`}, 0))`;
    const lookups = incidents.map((incident, index) => ({
      index,
      kind: incident.kind,
      subject: incident.subject,
      first_seen_at: incident.firstSeenAt.toISOString(),
      last_seen_at: incident.lastSeenAt.toISOString(),
      gap: incident.continuationSeconds,
    }));
    const continued = await sql<{ index: number; dedupe_key: string }[]>`
      select l.index, f.dedupe_key
      from jsonb_to_recordset(${sql.json(lookups)}) as l(
        index int, kind text, subject text, first_seen_at timestamptz, last_seen_at timestamptz, gap int
      )
      cross join lateral (
        select f.dedupe_key from findings f
        where f.integration_id = ${integrationId} and f.kind = l.kind and f.subject = l.subject
          and f.last_seen_at >= l.first_seen_at - make_interval(secs => l.gap)
          and f.first_seen_at <= l.last_seen_at + make_interval(secs => l.gap)
        order by f.first_seen_at
        limit 1
      ) f
    `;
    const existingKey = new Map(continued.map((row) => [row.index, row.dedupe_key]));
    const merged = new Map<string, KeyedIncident>();
    incidents.forEach((incident, index) => {
      const dedupeKey = existingKey.get(index) ?? dedupeKeyOf(incident);
      const previous = merged.get(dedupeKey);
      merged.set(dedupeKey, previous ? mergeIncidents(previous, incident) : { ...incident, dedupeKey });
    });

    const rows = [...merged.values()].map((incident) => ({
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
    }));
    // Merging with the stored row happens in the SELECT so the ON CONFLICT branch can tell "nothing new"
    // (same evidence, times and severity) from a real update and skip the write.
    const written = await sql<{ inserted: boolean; kind: FindingKind }[]>`
      with incoming as (
        select * from jsonb_to_recordset(${sql.json(rows as unknown as postgres.JSONValue)}) as r(
          kind text, severity text, dedupe_key text, subject text, user_id text, user_ids text[],
          source_ip text, evidence text[], details jsonb, first_seen_at timestamptz, last_seen_at timestamptz
        )
      ),
      merged as (
        select i.kind, i.dedupe_key, i.subject,
          coalesce(f.user_id, i.user_id) as user_id,
          coalesce(f.source_ip, i.source_ip) as source_ip,
          case
            when f.severity is null then i.severity
            when array_position(array['low', 'medium', 'high', 'critical'], i.severity)
              > array_position(array['low', 'medium', 'high', 'critical'], f.severity) then i.severity
            else f.severity
          end as severity,
          array(select distinct x from unnest(coalesce(f.user_ids, '{}') || i.user_ids) x order by x) as user_ids,
          (array(
            select distinct x from unnest(coalesce(f.evidence_login_ids, '{}') || i.evidence) x order by x
          ))[1:${MAX_EVIDENCE}] as evidence,
          coalesce(f.details, '{}') || i.details as details,
          least(f.first_seen_at, i.first_seen_at) as first_seen_at,
          greatest(f.last_seen_at, i.last_seen_at) as last_seen_at
        from incoming i
        left join findings f on f.integration_id = ${integrationId} and f.dedupe_key = i.dedupe_key
      )
      insert into findings as f (
        integration_id, kind, severity, dedupe_key, subject, user_id, user_ids, source_ip,
        evidence_login_ids, details, first_seen_at, last_seen_at
      )
      select ${integrationId}, kind, severity, dedupe_key, subject, user_id, user_ids, source_ip,
        evidence, details, first_seen_at, last_seen_at
      from merged
      on conflict (integration_id, dedupe_key) do update set
        severity = excluded.severity,
        user_ids = excluded.user_ids,
        source_ip = excluded.source_ip,
        evidence_login_ids = excluded.evidence_login_ids,
        details = excluded.details,
        first_seen_at = excluded.first_seen_at,
        last_seen_at = excluded.last_seen_at,
        updated_at = now()
      where (f.severity, f.user_ids, f.evidence_login_ids, f.details, f.first_seen_at, f.last_seen_at)
        is distinct from (
          excluded.severity, excluded.user_ids, excluded.evidence_login_ids, excluded.details,
          excluded.first_seen_at, excluded.last_seen_at
        )
      returning (xmax = 0) as inserted, kind
    `;
    let opened = 0;
    for (const row of written) {
      if (row.inserted) opened++;
      byKind[row.kind] = (byKind[row.kind] ?? 0) + 1;
    }
    return { opened, updated: written.length - opened, byKind };
  });
}

/** kind + subject + incident start: the same incident always gets the same key, whichever run sees it. */
export function dedupeKeyOf(incident: Pick<DetectedIncident, 'kind' | 'subject' | 'firstSeenAt'>): string {
  return `${incident.kind}:${incident.subject}:${incident.firstSeenAt.toISOString()}`;
}

function mergeIncidents(a: KeyedIncident, b: DetectedIncident): KeyedIncident {
  return {
    ...a,
    severity: SEVERITY_RANK[b.severity] > SEVERITY_RANK[a.severity] ? b.severity : a.severity,
    userIds: [...new Set([...a.userIds, ...b.userIds])].sort(),
    evidenceLoginIds: [...new Set([...a.evidenceLoginIds, ...b.evidenceLoginIds])]
      .sort()
      .slice(0, MAX_EVIDENCE),
    details: { ...a.details, ...b.details },
    firstSeenAt: a.firstSeenAt < b.firstSeenAt ? a.firstSeenAt : b.firstSeenAt,
    lastSeenAt: a.lastSeenAt > b.lastSeenAt ? a.lastSeenAt : b.lastSeenAt,
  };
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

interface FindingRow {
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

function toFinding(row: FindingRow): Finding {
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

/** Position after the last finding of a page: findings are listed newest incident first. */
export interface FindingCursor {
  /** first_seen_at as PostgreSQL's microsecond UTC text, so no row is skipped by millisecond rounding. */
  firstSeenAt: string;
  id: string;
}

const CURSOR_TIME_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"';

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
      where f.integration_id = i.id
        ${filter.kind ? sql`and f.kind = ${filter.kind}` : sql``}
        ${filter.severity ? sql`and f.severity = ${filter.severity}` : sql``}
        ${filter.status ? sql`and f.status = ${filter.status}` : sql``}
        ${
          filter.after
            ? sql`and (f.first_seen_at, f.id) < (${filter.after.firstSeenAt}::timestamptz, ${filter.after.id}::uuid)`
            : sql``
        }
      order by f.first_seen_at desc, f.id desc
      limit ${filter.limit + 1}
    ) f
    left join sf_users u on u.integration_id = f.integration_id and u.id = f.user_id
    where i.tenant_id = ${filter.tenantId}
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

/** Sets an analyst's status; returns null when the finding is not in that tenant's integration. */
export async function setFindingStatus(
  sql: Sql,
  {
    tenantId,
    integrationId,
    findingId,
    status,
    note,
    now,
  }: {
    tenantId: string;
    integrationId: string;
    findingId: string;
    status: FindingStatus;
    note?: string | null;
    now: Date;
  },
): Promise<Finding | null> {
  const [row] = await sql<FindingRow[]>`
    with updated as (
      update findings f set
        status = ${status},
        status_note = ${note ?? null},
        status_changed_at = case when f.status is distinct from ${status} then ${now}::timestamptz
          else f.status_changed_at end,
        updated_at = ${now}::timestamptz
      from integrations i
      where f.id = ${findingId} and f.integration_id = ${integrationId}
        and i.id = f.integration_id and i.tenant_id = ${tenantId}
      returning f.*
    )
    select f.id, f.integration_id, f.kind, f.severity, f.status, f.user_id, u.username, f.user_ids,
      f.source_ip, f.evidence_login_ids, f.details, f.first_seen_at, f.last_seen_at, f.status_changed_at,
      f.status_note, f.created_at, f.updated_at
    from updated f
    left join sf_users u on u.integration_id = f.integration_id and u.id = f.user_id
  `;
  return row ? toFinding(row) : null;
}

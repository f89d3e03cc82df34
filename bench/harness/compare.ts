import type { Sql } from '../../platform/database';

/** The collected tables; each row is keyed by (integration_id, id). */
export const collectedTables = [
  'sf_user_licenses',
  'sf_permission_sets',
  'sf_users',
  'sf_user_logins',
  'sf_permission_set_assignments',
  'sf_login_history',
] as const;

export interface TableFingerprint {
  rows: number;
  distinctIds: number;
  /** Sum of per-row hashes of the whole row (minus per-run bookkeeping columns): independent of order. */
  checksum: string;
}

export type Fingerprint = Record<(typeof collectedTables)[number], TableFingerprint>;

/**
 * Row count, distinct ids (a duplicate key would show as rows > distinctIds, even if a constraint were
 * missing) and an order-independent checksum of the content of every collected table of one integration.
 * Columns that legitimately differ between two runs of the same org (which run last saw the row, when it
 * was written) are left out, so a clean run and a drill run of the same org must match exactly.
 */
export async function fingerprint(sql: Sql, integrationId: string): Promise<Fingerprint> {
  const result = {} as Fingerprint;
  for (const table of collectedTables) {
    const [row] = await sql<{ rows: number; distinctIds: number; checksum: string }[]>`
      select count(*)::int as rows, count(distinct id)::int as "distinctIds",
        coalesce(sum(('x' || substr(md5(
          (to_jsonb(t) - 'integration_id' - 'last_seen_run_id' - 'collected_at')::text), 1, 15))::bit(60)::bigint
        ), 0)::text as checksum
      from ${sql(table)} t where integration_id = ${integrationId}`;
    result[table] = row!;
  }
  return result;
}

export interface Comparison {
  ok: boolean;
  problems: string[];
}

/** A drill's tables against the clean run's, and against what the simulator holds (expected row counts). */
export function compareFingerprints(
  clean: Fingerprint,
  drill: Fingerprint,
  expectedRows: Partial<Record<(typeof collectedTables)[number], number>> = {},
): Comparison {
  const problems: string[] = [];
  for (const table of collectedTables) {
    const a = clean[table];
    const b = drill[table];
    if (b.rows !== b.distinctIds) problems.push(`${table}: ${b.rows - b.distinctIds} duplicate ids`);
    if (a.rows !== b.rows) problems.push(`${table}: ${b.rows} rows, clean run ${a.rows}`);
    else if (a.checksum !== b.checksum)
      problems.push(`${table}: content checksum differs from the clean run`);
    const expected = expectedRows[table];
    if (expected !== undefined && b.rows !== expected)
      problems.push(`${table}: ${b.rows} rows, the simulator holds ${expected}`);
  }
  return { ok: problems.length === 0, problems };
}

/** Expected row counts per table from the simulator's objectCounts. */
export function expectedFromSimulator(counts: Record<string, number>) {
  return {
    sf_user_licenses: counts.UserLicense,
    sf_permission_sets: counts.PermissionSet,
    sf_users: counts.User,
    sf_user_logins: counts.UserLogin,
    sf_permission_set_assignments: counts.PermissionSetAssignment,
    sf_login_history: counts.LoginHistory,
  };
}

export function totalRows(fp: Fingerprint): number {
  return collectedTables.reduce((sum, table) => sum + fp[table].rows, 0);
}

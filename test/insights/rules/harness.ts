import type { Sql } from '../../../platform/database';
import { listFindings, recomputeFindings, type RecomputeResult } from '../../../insights/findings';
import {
  createTenantIntegration,
  insertLogins,
  insertPermissionSets,
  insertUsers,
  type LoginFixture,
  type UserFixture,
} from '../fixtures';

export const NOW = new Date('2026-06-01T00:00:00Z');
export const MINUTE = 60_000;
export const DAY = 86_400_000;
export const at = (iso: string, plusMinutes = 0) => new Date(Date.parse(iso) + plusMinutes * MINUTE);

export interface Org {
  users?: UserFixture[];
  permissionSets?: Parameters<typeof insertPermissionSets>[2];
  options?: Record<string, unknown>;
  trustedNetworks?: string[];
}

/** A fresh integration with the org's users, permission sets and trusted networks, and no logins yet. */
export async function createOrg(sql: Sql, org: Org) {
  const ids = await createTenantIntegration(sql, org.options ?? {});
  if (org.users?.length) await insertUsers(sql, ids.integrationId, org.users);
  if (org.permissionSets?.length) await insertPermissionSets(sql, ids.integrationId, org.permissionSets);
  for (const cidr of org.trustedNetworks ?? []) {
    await sql`insert into trusted_networks (integration_id, cidr, label) values (${ids.integrationId}, ${cidr}, 'test')`;
  }
  return ids;
}

/** Findings of an integration, comparable across integrations (no ids, no timestamps of the write). */
export async function findingShapes(sql: Sql, tenantId: string, integrationId: string) {
  const { findings } = await listFindings(sql, { tenantId, integrationId, limit: 1000 });
  return findings
    .map((f) => ({
      kind: f.kind,
      subject: f.userId ?? f.sourceIp,
      severity: f.severity,
      status: f.status,
      firstSeenAt: f.firstSeenAt,
      lastSeenAt: f.lastSeenAt,
      userIds: f.userIds,
      evidence: f.evidenceLoginIds,
      details: f.details,
    }))
    .sort((a, b) =>
      `${a.kind}${a.subject}${a.firstSeenAt}`.localeCompare(`${b.kind}${b.subject}${b.firstSeenAt}`),
    );
}

/** Loads every login at once and recomputes from scratch. */
export async function fullRun(sql: Sql, org: Org, logins: LoginFixture[]) {
  const ids = await createOrg(sql, org);
  await insertLogins(sql, ids.integrationId, logins);
  const result = await recomputeFindings(sql, { integrationId: ids.integrationId, since: null, now: NOW });
  return { ...ids, result, findings: await findingShapes(sql, ids.tenantId, ids.integrationId) };
}

/**
 * Collection runs as the integration does them: the first batch then a full recompute, each later batch
 * then an incremental recompute from its `since` (rows of a batch may be older than since: late rows that
 * the overlap re-reads).
 */
export async function splitRun(
  sql: Sql,
  org: Org,
  batches: { logins: LoginFixture[]; since: Date | null }[],
) {
  const ids = await createOrg(sql, org);
  const results: RecomputeResult[] = [];
  for (const batch of batches) {
    if (batch.logins.length) await insertLogins(sql, ids.integrationId, batch.logins);
    results.push(
      await recomputeFindings(sql, { integrationId: ids.integrationId, since: batch.since, now: NOW }),
    );
  }
  return { ...ids, results, findings: await findingShapes(sql, ids.tenantId, ids.integrationId) };
}

/** Splits logins at `split` into two batches (the second recomputed incrementally from `split`). */
export function splitAt(logins: LoginFixture[], split: Date) {
  return [
    { logins: logins.filter((l) => l.at < split), since: null },
    { logins: logins.filter((l) => l.at >= split), since: split },
  ];
}

/** Sequential LoginHistory ids, so evidence is comparable between integrations. */
export function loginFactory(prefix = 'T') {
  let serial = 0;
  return (login: Omit<LoginFixture, 'id'>): LoginFixture => ({
    ...login,
    id: `0Ya${prefix}${String(++serial).padStart(12 - prefix.length, '0')}`,
  });
}

export const uid = (n: number) => `005RUL${String(n).padStart(9, '0')}`;

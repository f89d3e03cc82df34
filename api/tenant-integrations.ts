import type { Sql } from '../platform/database';
import { integrationColumnsWithoutSecret, type IntegrationWithoutSecret } from '../store/integrations';
import { notFound } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The tenant's integration, or 404. Another tenant's integration and a malformed id answer exactly like a
 * nonexistent one, so ids cannot be probed across tenants. Never selects the secret's ciphertext. An integration
 * being purged is already gone for its tenant (its rows are deleted in the background).
 */
export async function findTenantIntegration(
  sql: Sql,
  tenantId: string,
  id: string,
): Promise<IntegrationWithoutSecret> {
  if (!UUID.test(id)) throw notFound();
  const [row] = await sql<IntegrationWithoutSecret[]>`
    select ${sql(integrationColumnsWithoutSecret)} from integrations
    where id = ${id} and tenant_id = ${tenantId} and purge_requested_at is null`;
  if (!row) throw notFound();
  return row;
}

/**
 * The integration's id if it is the tenant's (and not being purged), as a subquery a page query filters on:
 * the tenant check then travels inside the page's own round trip instead of a lookup before it. A page that
 * comes back empty is ambiguous (no rows, or not the tenant's integration); `confirmTenantIntegration` tells
 * the two apart, so a foreign id still answers 404.
 */
export function tenantIntegrationId(sql: Sql, tenantId: string, id: string) {
  return sql`(select i.id from integrations i
    where i.id = ${id} and i.tenant_id = ${tenantId} and i.purge_requested_at is null)`;
}

/** After a tenant-scoped page query: an empty page of an integration that is not the tenant's is a 404. */
export async function confirmTenantIntegration(
  sql: Sql,
  tenantId: string,
  id: string,
  rows: readonly unknown[],
): Promise<void> {
  if (rows.length === 0) await findTenantIntegration(sql, tenantId, id);
}

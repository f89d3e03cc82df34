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

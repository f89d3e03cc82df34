import type { Sql } from '../platform/database';
import { notFound } from './errors';

export interface IntegrationRow {
  id: string;
  tenant_id: string;
  display_name: string;
  salesforce_url: string;
  consumer_key: string;
  consumer_secret_last4: string;
  credentials_version: number;
  options: Record<string, unknown>;
  state: string;
  enabled: boolean;
  org_id: string | null;
  edition: string | null;
  last_test: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  disconnected_at: Date | null;
}

/** Every integration column the API reads; the secret's ciphertext is deliberately not among them. */
export const integrationColumns = [
  'id',
  'tenant_id',
  'display_name',
  'salesforce_url',
  'consumer_key',
  'consumer_secret_last4',
  'credentials_version',
  'options',
  'state',
  'enabled',
  'org_id',
  'edition',
  'last_test',
  'created_at',
  'updated_at',
  'disconnected_at',
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The tenant's integration, or 404. Another tenant's integration and a malformed id answer exactly like a
 * nonexistent one, so ids cannot be probed across tenants. Never selects the secret's ciphertext. An integration
 * being purged is already gone for its tenant (its rows are deleted in the background).
 */
export async function findTenantIntegration(sql: Sql, tenantId: string, id: string): Promise<IntegrationRow> {
  if (!UUID.test(id)) throw notFound();
  const [row] = await sql<IntegrationRow[]>`
    select ${sql(integrationColumns)} from integrations
    where id = ${id} and tenant_id = ${tenantId} and purge_requested_at is null`;
  if (!row) throw notFound();
  return row;
}

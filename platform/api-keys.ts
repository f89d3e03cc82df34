import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from './database';

/**
 * Tenants and their API keys. A key is shown once at creation; only its sha256 is stored, so a database
 * leak does not hand out working keys. The `ic_live_` prefix makes leaked keys easy to find by secret
 * scanners and tells a reader what the string is.
 */
export const API_KEY_PREFIX = 'ic_live_';
const SHOWN_PREFIX_LENGTH = API_KEY_PREFIX.length + 6;

export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export class TenantNotFoundError extends Error {
  constructor(name: string) {
    super(`No tenant named "${name}" (see: tenant list)`);
    this.name = 'TenantNotFoundError';
  }
}

export class TenantExistsError extends Error {
  constructor(name: string) {
    super(`A tenant named "${name}" already exists`);
    this.name = 'TenantExistsError';
  }
}

export class ApiKeyNotFoundError extends Error {
  constructor(id: string) {
    super(`No API key with id ${id} (see: key list)`);
    this.name = 'ApiKeyNotFoundError';
  }
}

export interface Tenant {
  id: string;
  name: string;
  createdAt: Date;
}

export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  tenantName: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function createTenant(sql: Sql, name: string): Promise<Tenant> {
  const [row] = await sql<Tenant[]>`
    insert into tenants (name) values (${name})
    on conflict (name) do nothing
    returning id, name, created_at as "createdAt"`;
  if (!row) throw new TenantExistsError(name);
  return row;
}

export async function listTenants(
  sql: Sql,
): Promise<Array<Tenant & { activeKeys: number; integrations: number }>> {
  return sql`
    select t.id, t.name, t.created_at as "createdAt",
      (select count(*) from api_keys k where k.tenant_id = t.id and k.revoked_at is null) as "activeKeys",
      (select count(*) from integrations i where i.tenant_id = t.id and i.enabled) as "integrations"
    from tenants t order by t.name`;
}

/** Creates a key for the named tenant and returns it in clear text: the only time it is ever visible. */
export async function createApiKey(
  sql: Sql,
  { tenantName, name }: { tenantName: string; name?: string },
): Promise<{ key: string; record: ApiKeyRecord }> {
  const [tenant] = await sql<{ id: string }[]>`select id from tenants where name = ${tenantName}`;
  if (!tenant) throw new TenantNotFoundError(tenantName);
  const key = generateApiKey();
  const [row] = await sql<{ id: string; createdAt: Date }[]>`
    insert into api_keys (tenant_id, name, prefix, key_hash)
    values (${tenant.id}, ${name ?? 'default'}, ${key.slice(0, SHOWN_PREFIX_LENGTH)}, ${hashApiKey(key)})
    returning id, created_at as "createdAt"`;
  return {
    key,
    record: {
      id: row!.id,
      tenantId: tenant.id,
      tenantName,
      name: name ?? 'default',
      prefix: key.slice(0, SHOWN_PREFIX_LENGTH),
      createdAt: row!.createdAt,
      lastUsedAt: null,
      revokedAt: null,
    },
  };
}

export async function listApiKeys(sql: Sql, tenantName?: string): Promise<ApiKeyRecord[]> {
  if (tenantName !== undefined) {
    const [tenant] = await sql`select 1 from tenants where name = ${tenantName}`;
    if (!tenant) throw new TenantNotFoundError(tenantName);
  }
  return sql<ApiKeyRecord[]>`
    select k.id, k.tenant_id as "tenantId", t.name as "tenantName", k.name, k.prefix,
      k.created_at as "createdAt", k.last_used_at as "lastUsedAt", k.revoked_at as "revokedAt"
    from api_keys k join tenants t on t.id = k.tenant_id
    ${tenantName !== undefined ? sql`where t.name = ${tenantName}` : sql``}
    order by t.name, k.created_at, k.id`;
}

/** Revokes a key (idempotent: revoking twice keeps the first revocation time). */
export async function revokeApiKey(sql: Sql, keyId: string): Promise<ApiKeyRecord> {
  if (!UUID.test(keyId)) throw new ApiKeyNotFoundError(keyId);
  const [row] = await sql<{ id: string }[]>`
    update api_keys set revoked_at = coalesce(revoked_at, now()) where id = ${keyId} returning id`;
  if (!row) throw new ApiKeyNotFoundError(keyId);
  const [record] = await sql<ApiKeyRecord[]>`
    select k.id, k.tenant_id as "tenantId", t.name as "tenantName", k.name, k.prefix,
      k.created_at as "createdAt", k.last_used_at as "lastUsedAt", k.revoked_at as "revokedAt"
    from api_keys k join tenants t on t.id = k.tenant_id where k.id = ${keyId}`;
  return record!;
}

/** The tenant a presented key belongs to, or undefined when it is unknown or revoked. */
export async function authenticateApiKey(
  sql: Sql,
  key: string,
): Promise<{ apiKeyId: string; tenantId: string } | undefined> {
  const [row] = await sql<{ apiKeyId: string; tenantId: string; stale: boolean }[]>`
    select id as "apiKeyId", tenant_id as "tenantId",
      (last_used_at is null or last_used_at < now() - interval '1 minute') as stale
    from api_keys where key_hash = ${hashApiKey(key)} and revoked_at is null`;
  if (!row) return undefined;
  // Coarse on purpose: one write per key per minute instead of one per request.
  if (row.stale) await sql`update api_keys set last_used_at = now() where id = ${row.apiKeyId}`;
  return { apiKeyId: row.apiKeyId, tenantId: row.tenantId };
}

import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from './database';

/**
 * Tenants and their API keys. A key is shown once at creation; only its sha256 is stored, so a database
 * leak does not hand out working keys. The `ic_live_` prefix makes leaked keys easy to find by secret
 * scanners and tells a reader what the string is.
 */
export const API_KEY_PREFIX = 'ic_live_';
const SHOWN_PREFIX_LENGTH = API_KEY_PREFIX.length + 6;

/** The exact shape generateApiKey() produces; anything else is refused before a database round trip. */
export const API_KEY_FORMAT = /^ic_live_[A-Za-z0-9_-]{43}$/;

/**
 * What a key may do. `read` lists, reads and exports; `admin` also creates, changes, tests, collects,
 * disconnects and triages findings. Kept to two on purpose: the split that matters is "can this key change or
 * destroy evidence".
 */
export const apiKeyScopes = ['admin', 'read'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

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
  scope: ApiKeyScope;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const KEY_COLUMNS = (sql: Sql) => sql`
  k.id, k.tenant_id as "tenantId", t.name as "tenantName", k.name, k.prefix, k.scope,
  k.created_at as "createdAt", k.expires_at as "expiresAt", k.last_used_at as "lastUsedAt",
  k.revoked_at as "revokedAt"`;

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
  {
    tenantName,
    name = 'default',
    scope = 'admin',
    expiresAt = null,
  }: { tenantName: string; name?: string; scope?: ApiKeyScope; expiresAt?: Date | null },
): Promise<{ key: string; record: ApiKeyRecord }> {
  const [tenant] = await sql<{ id: string }[]>`select id from tenants where name = ${tenantName}`;
  if (!tenant) throw new TenantNotFoundError(tenantName);
  const key = generateApiKey();
  const [row] = await sql<{ id: string; createdAt: Date }[]>`
    insert into api_keys (tenant_id, name, prefix, key_hash, scope, expires_at)
    values (${tenant.id}, ${name}, ${key.slice(0, SHOWN_PREFIX_LENGTH)}, ${hashApiKey(key)}, ${scope}, ${expiresAt})
    returning id, created_at as "createdAt"`;
  return {
    key,
    record: {
      id: row!.id,
      tenantId: tenant.id,
      tenantName,
      name,
      prefix: key.slice(0, SHOWN_PREFIX_LENGTH),
      scope,
      createdAt: row!.createdAt,
      expiresAt,
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
    select ${KEY_COLUMNS(sql)}
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
    select ${KEY_COLUMNS(sql)} from api_keys k join tenants t on t.id = k.tenant_id where k.id = ${keyId}`;
  return record!;
}

export interface ApiKeyIdentity {
  apiKeyId: string;
  apiKeyName: string;
  scope: ApiKeyScope;
  tenantId: string;
  tenantName: string;
}

/**
 * The identity a presented key stands for, or undefined when it is malformed, unknown, revoked or expired.
 * `onBackgroundError` hears about a failed last-used write, which never fails the request.
 */
export async function authenticateApiKey(
  sql: Sql,
  key: string,
  onBackgroundError: (error: unknown) => void = () => {},
): Promise<ApiKeyIdentity | undefined> {
  if (!API_KEY_FORMAT.test(key)) return undefined;
  const [row] = await sql<(ApiKeyIdentity & { stale: boolean })[]>`
    select k.id as "apiKeyId", k.name as "apiKeyName", k.scope, k.tenant_id as "tenantId",
      t.name as "tenantName",
      (k.last_used_at is null or k.last_used_at < now() - interval '1 minute') as stale
    from api_keys k join tenants t on t.id = k.tenant_id
    where k.key_hash = ${hashApiKey(key)} and k.revoked_at is null
      and (k.expires_at is null or k.expires_at > now())`;
  if (!row) return undefined;
  // Coarse and off the request path: at most one write per key per minute, conditional so concurrent
  // requests do not queue on the row lock, and a read-only replica or failover cannot fail authentication.
  if (row.stale) {
    sql`update api_keys set last_used_at = now()
        where id = ${row.apiKeyId} and (last_used_at is null or last_used_at < now() - interval '1 minute')`.catch(
      onBackgroundError,
    );
  }
  const { stale: _stale, ...identity } = row;
  return identity;
}

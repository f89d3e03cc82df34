import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../api/errors';
import type { Session } from '../../api/routes/session';
import type { Integration, IntegrationDetail } from '../../api/schemas/integration';
import { randomUUID } from 'node:crypto';
import { createApiKey, createTenant } from '../../platform/api-keys';
import { parseAdminCommand, UsageError } from '../../api/admin/commands';
import { connectTestServices } from '../support/context';
import { buildTestApp, client, tenantWithKey, validIntegration, type Services } from '../api/support/harness';

/**
 * L6 and M2: API keys carry a scope (a read key cannot change or destroy evidence), can expire, are checked
 * for shape before any database round trip, and failed authentications are limited per client address.
 */
let services: Services;
let harness: ReturnType<typeof buildTestApp>;

beforeAll(async () => {
  services = await connectTestServices();
  harness = buildTestApp(services);
});
afterAll(async () => {
  await services?.close();
});

async function keyFor(tenantName: string, options: Omit<Parameters<typeof createApiKey>[1], 'tenantName'>) {
  return (await createApiKey(services.sql, { tenantName, ...options })).key;
}

describe('key scopes', () => {
  it('a read key reads, and every write answers 403 insufficient_scope without touching anything', async () => {
    const { tenant, key: adminKey } = await tenantWithKey(services, 'scopes');
    const admin = client(harness.app, adminKey);
    const created = await admin<Integration>('POST', '/v1/integrations', validIntegration());
    expect(created.status).toBe(201);
    const id = created.body.id;

    const read = client(harness.app, await keyFor(tenant.name, { name: 'auditor', scope: 'read' }));
    expect((await read('GET', '/v1/integrations')).status).toBe(200);
    expect((await read('GET', `/v1/integrations/${id}/runs`)).status).toBe(200);
    expect((await read('GET', `/v1/integrations/${id}/users`)).status).toBe(200);

    const writes: Array<[string, string, unknown?]> = [
      ['POST', '/v1/integrations', validIntegration()],
      ['PATCH', `/v1/integrations/${id}`, { displayName: 'Renamed by an auditor' }],
      ['DELETE', `/v1/integrations/${id}?purge=true`],
      ['POST', `/v1/integrations/${id}/test`],
      ['POST', `/v1/integrations/${id}/collect`],
      ['POST', `/v1/integrations/${id}/pause`],
    ];
    for (const [method, path, body] of writes) {
      const res = await read<ErrorBody>(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe('insufficient_scope');
      expect(res.body.error.message).toMatch(/"read" scope.*--scope admin/);
    }
    const after = await admin<IntegrationDetail>('GET', `/v1/integrations/${id}`);
    expect(after.body.displayName).toBe(created.body.displayName);
    expect(after.body.enabled ?? true).toBe(true);
    const [row] = await services.sql<{ count: number }[]>`
      select count(*)::int as count from integrations i join tenants t on t.id = i.tenant_id where t.name = ${tenant.name}`;
    expect(row!.count).toBe(1);
  });

  it('GET /v1/session tells the console who the key is and what it may do', async () => {
    const { tenant, key, keyId } = await tenantWithKey(services, 'session');
    const session = await client(harness.app, key)<Session>('GET', '/v1/session');
    expect(session.status).toBe(200);
    expect(session.body).toEqual({
      tenant: { id: tenant.id, name: tenant.name },
      key: { id: keyId, name: 'test', scope: 'admin' },
    });
    const readOnly = await client(
      harness.app,
      await keyFor(tenant.name, { name: 'ro', scope: 'read' }),
    )<Session>('GET', '/v1/session');
    expect(readOnly.body.key.scope).toBe('read');
  });

  it('an expired key is refused like a revoked one', async () => {
    const tenant = await createTenant(services.sql, `expiry-${randomUUID()}`);
    const expired = await keyFor(tenant.name, { expiresAt: new Date(Date.now() - 1000) });
    const res = await client(harness.app, expired)<ErrorBody>('GET', '/v1/integrations');
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/expired/);
    const valid = await keyFor(tenant.name, { expiresAt: new Date(Date.now() + 3_600_000) });
    expect((await client(harness.app, valid)('GET', '/v1/integrations')).status).toBe(200);
  });

  it('the OpenAPI document lists 403 on every write operation and on no read', async () => {
    const { body: doc } = await client(harness.app, undefined)<{
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    }>('GET', '/openapi.json');
    let writes = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (method === 'get') expect(op.responses['403'], `GET ${path}`).toBeUndefined();
        else {
          writes += 1;
          expect(op.responses['403'], `${method} ${path}`).toBeDefined();
        }
      }
    }
    expect(writes).toBeGreaterThan(5);
  });

  it('the admin CLI creates scoped, expiring keys and refuses a bad scope naming the choices', () => {
    expect(
      parseAdminCommand(['key', 'create', '--tenant', 'acme', '--scope', 'read', '--expires-in-days', '30']),
    ).toEqual({
      kind: 'key create',
      tenant: 'acme',
      scope: 'read',
      expiresInDays: 30,
    });
    expect(parseAdminCommand(['key', 'create', '--tenant', 'acme']).kind).toBe('key create');
    expect(() => parseAdminCommand(['key', 'create', '--tenant', 'acme', '--scope', 'root'])).toThrow(
      new UsageError('--scope must be one of admin, read (got "root")'),
    );
    expect(() => parseAdminCommand(['key', 'create', '--tenant', 'acme', '--expires-in-days', '0'])).toThrow(
      UsageError,
    );
  });
});

describe('failed authentications per client address', () => {
  it('over the budget an address gets 429 with Retry-After before PostgreSQL, even with a good key; the window then reopens', async () => {
    let now = Date.now();
    const limited = buildTestApp(services, {
      now: () => new Date(now),
      config: { authFailuresPerMinute: 5 },
    });
    const { key } = await tenantWithKey(services, 'auth-limit');
    const guess = client(limited.app, `ic_live_${'A'.repeat(43)}`);
    for (let i = 0; i < 5; i++) expect((await guess('GET', '/v1/integrations')).status).toBe(401);
    // Malformed keys count too (and never reach the database).
    const blocked = await client(limited.app, 'ic_live_short')('GET', '/v1/integrations');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await client(limited.app, key)('GET', '/v1/integrations')).status).toBe(429);
    now += 61_000;
    expect((await client(limited.app, key)('GET', '/v1/integrations')).status).toBe(200);
  });

  it('successful requests do not use the budget', async () => {
    const limited = buildTestApp(services, { config: { authFailuresPerMinute: 2 } });
    const { key } = await tenantWithKey(services, 'auth-ok');
    for (let i = 0; i < 10; i++)
      expect((await client(limited.app, key)('GET', '/v1/integrations')).status).toBe(200);
  });

  it('the request log names the API key id, never the key', async () => {
    const logged = buildTestApp(services);
    const { key, keyId } = await tenantWithKey(services, 'log');
    await client(logged.app, key)('GET', '/v1/integrations');
    const line = logged.log.records().find((r) => r.msg === 'request' || r.message === 'request');
    expect(line?.apiKeyId).toBe(keyId);
    expect(logged.log.lines.join('\n')).not.toContain(key);
  });
});

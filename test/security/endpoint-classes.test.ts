import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ErrorBody } from '../../api/errors';
import type { Integration } from '../../api/schemas/integration';
import { createSql, type Sql } from '../../platform/database';
import { connectTestServices } from '../support/context';
import { buildTestApp, client, tenantWithKey, validIntegration, type Services } from '../api/support/harness';

/**
 * M3 and M7: reports run on their own pool with their own statement timeout, cost more of the rate limit,
 * are capped per tenant, and a tenant cannot add integrations without end.
 */
let services: Services;
const pools: Sql[] = [];
const pool = (size: number, statementTimeoutMs?: number) => {
  const sql = createSql({
    url: inject('databaseUrl'),
    poolSize: size,
    applicationName: 'endpoint-class-test',
    ...(statementTimeoutMs ? { statementTimeoutMs } : {}),
  });
  pools.push(sql);
  return sql;
};

beforeAll(async () => {
  services = await connectTestServices();
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end({ timeout: 5 })));
  await services?.close();
});

async function tenantWithIntegration(app: ReturnType<typeof buildTestApp>['app']) {
  const t = await tenantWithKey(services, 'classes');
  const api = client(app, t.key);
  const created = await api<Integration>('POST', '/v1/integrations', validIntegration());
  expect(created.status).toBe(201);
  return { api, id: created.body.id };
}

describe('endpoint classes', () => {
  it('a report whose statement outlives the report timeout is a 503 query_timeout naming the fix; page reads wait instead', async () => {
    const harness = buildTestApp(services, { reportSql: pool(1, 300) });
    const { api, id } = await tenantWithIntegration(harness.app);
    // A long lock wait (a migration, a purge) stands in for a slow report: the statement cannot finish in time.
    const locker = pool(1);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holding = locker.begin(async (tx) => {
      await tx`lock table integrations in access exclusive mode`;
      locked();
      await released;
    });
    await isLocked;
    const report = await api<ErrorBody>(
      'GET',
      `/v1/integrations/${id}/auth-activity?from=2026-01-01&to=2026-06-01`,
    );
    expect(report.status).toBe(503);
    expect(report.body.error.code).toBe('query_timeout');
    expect(report.body.error.message).toMatch(/narrow it/);
    const page = api('GET', `/v1/integrations/${id}/runs`);
    setTimeout(release, 500);
    await holding;
    expect((await page).status).toBe(200);
  });

  it('one tenant may run only so many reports at once; the next is 429 at once, and other tenants are not refused', async () => {
    const reportSql = pool(1);
    const harness = buildTestApp(services, { reportSql, config: { reportsPerTenant: 1 } });
    const a = await tenantWithIntegration(harness.app);
    const b = await tenantWithIntegration(harness.app);
    // Hold the report pool's only connection, so the first report stays in flight.
    const hold = reportSql`select pg_sleep(1.5)`.then(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    const first = a.api('GET', `/v1/integrations/${a.id}/unused-accounts`);
    await new Promise((r) => setTimeout(r, 100));
    const second = await a.api<ErrorBody>('GET', `/v1/integrations/${a.id}/auth-activity`);
    expect(second.status).toBe(429);
    expect(second.body.error.message).toMatch(/at most 1 at once/);
    expect(second.headers.get('retry-after')).toBe('2');
    const other = b.api('GET', `/v1/integrations/${b.id}/unused-accounts`);
    await hold;
    expect((await first).status).toBe(200);
    expect((await other).status).toBe(200);
    // The slot is free again.
    expect((await a.api('GET', `/v1/integrations/${a.id}/unused-accounts`)).status).toBe(200);
  });

  it('a report costs ten page reads of the rate limit', async () => {
    const harness = buildTestApp(services, { config: { rateLimitPerMinute: 25 } });
    const { api, id } = await tenantWithIntegration(harness.app); // 1 token
    expect((await api('GET', `/v1/integrations/${id}/unused-accounts`)).status).toBe(200); // 11
    expect((await api('GET', `/v1/integrations/${id}/unused-accounts?format=csv`)).status).toBe(200); // 21
    const third = await api('GET', `/v1/integrations/${id}/unused-accounts`);
    expect(third.status).toBe(429);
    // A cheap page read still fits in what is left.
    expect((await api('GET', `/v1/integrations/${id}`)).status).toBe(200);
  });
});

describe('integrations per tenant', () => {
  it('refuses an integration over the cap with 409 naming the limit, and accepts again after a disconnect', async () => {
    const harness = buildTestApp(services, { config: { maxIntegrationsPerTenant: 2 } });
    const t = await tenantWithKey(services, 'cap');
    const api = client(harness.app, t.key);
    const first = await api<Integration>('POST', '/v1/integrations', validIntegration());
    expect((await api('POST', '/v1/integrations', validIntegration())).status).toBe(201);
    const over = await api<ErrorBody>('POST', '/v1/integrations', validIntegration());
    expect(over.status).toBe(409);
    expect(over.body.error).toMatchObject({
      code: 'tenant_limit_reached',
      details: { limit: 2, active: 2 },
    });
    expect(over.body.error.message).toMatch(/MAX_INTEGRATIONS_PER_TENANT/);
    expect((await api('DELETE', `/v1/integrations/${first.body.id}`)).status).toBe(204);
    expect((await api('POST', '/v1/integrations', validIntegration())).status).toBe(201);
  });
});

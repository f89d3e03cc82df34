import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import type { ErrorBody } from '../../api/errors';
import type { Integration } from '../../api/schemas/integration';
import { createSql } from '../../platform/database';
import { buildTestApp, client, tenantWithKey } from '../api/support/harness';
import { connectTestServices } from '../support/context';
import { createTenantIntegration } from '../insights/fixtures';

/**
 * M2/M6 (and L1): outages of PostgreSQL or Temporal answer 503 with a clear code and Retry-After, never a 500
 * or internal text; a value PostgreSQL cannot store is a 400 with nothing written; /readyz says only up/down.
 */
let services: Awaited<ReturnType<typeof connectTestServices>>;
let deadTemporal: Client;
const deadDatabase = () => {
  const url = new URL(inject('databaseUrl'));
  url.port = '1'; // nothing listens on port 1
  return createSql({ url: url.toString(), applicationName: 'test-dead' });
};
const INTERNAL = /ECONNREFUSED|127\.0\.0\.1|:1\b|password|postgres:\/\//;

beforeAll(async () => {
  services = await connectTestServices();
  deadTemporal = new Client({
    connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 }),
    namespace: 'default',
  });
});
afterAll(async () => services.close());

describe('readiness', () => {
  it('/readyz with PostgreSQL down is 503 up/down only, no driver text', async () => {
    const sql = deadDatabase();
    const { app, log } = buildTestApp(services, { sql });
    const res = await app.request('/readyz');
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      status: 'not_ready',
      checks: { postgres: { status: 'down' }, temporal: { status: 'ok' } },
    });
    expect(text).not.toMatch(INTERNAL);
    // The reason is for operators: in the log.
    expect(log.lines.join('\n')).toMatch(/readiness check failed/);
    await sql.end({ timeout: 1 });
  });
});

describe('outages answer 503 with a code and Retry-After', () => {
  it('PostgreSQL down: an authenticated route is 503 database_unavailable', async () => {
    const sql = deadDatabase();
    const { app } = buildTestApp(services, { sql });
    const res = await client(app, `ic_live_${'a'.repeat(43)}`)<ErrorBody>('GET', '/v1/integrations');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('database_unavailable');
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(res.text).not.toMatch(INTERNAL);
    await sql.end({ timeout: 1 });
  });

  it('Temporal down: pause is 503 workflow_unavailable', async () => {
    const { app } = buildTestApp(services, { temporal: deadTemporal });
    const { tenant, key } = await tenantWithKey(services, 'outage');
    const { integrationId } = await createTenantIntegration(services.sql, {}, tenant.id);
    const res = await client(app, key)<ErrorBody>('POST', `/v1/integrations/${integrationId}/pause`);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('workflow_unavailable');
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(res.text).not.toMatch(INTERNAL);
  });

  it('Temporal down: PATCH saves and answers 200 (not 500), saying the workflow was not told', async () => {
    const { app } = buildTestApp(services, { temporal: deadTemporal });
    const { tenant, key } = await tenantWithKey(services, 'outage');
    const { integrationId } = await createTenantIntegration(services.sql, {}, tenant.id);
    const res = await client(app, key)<Integration>('PATCH', `/v1/integrations/${integrationId}`, {
      displayName: 'Renamed during an outage',
    });
    expect(res.status).toBe(200);
    expect(res.body.displayName).toBe('Renamed during an outage');
    expect(res.headers.get('x-workflow-notified')).toBe('false');
  });
});

describe('values PostgreSQL cannot store are 400, and nothing is written (L1)', () => {
  it('a NUL byte in displayName', async () => {
    const { app } = buildTestApp(services);
    const { tenant, key } = await tenantWithKey(services, 'nul');
    const { integrationId } = await createTenantIntegration(services.sql, {}, tenant.id);
    const [before] = await services.sql<{ display_name: string }[]>`
      select display_name from integrations where id = ${integrationId}`;
    const res = await client(app, key)<ErrorBody>('PATCH', `/v1/integrations/${integrationId}`, {
      displayName: 'a\u0000b',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.message).toMatch(/NUL/);
    const [after] = await services.sql<{ display_name: string }[]>`
      select display_name from integrations where id = ${integrationId}`;
    expect(after).toEqual(before);
  });

  it.each([
    ['license=%00', /NUL/],
    ['lastLoginBefore=0000-01-01T00:00:00Z', /dates/],
  ])('/users?%s', async (query, message) => {
    const { app } = buildTestApp(services);
    const { tenant, key } = await tenantWithKey(services, 'nul');
    const { integrationId } = await createTenantIntegration(services.sql, {}, tenant.id);
    const res = await client(app, key)<ErrorBody>('GET', `/v1/integrations/${integrationId}/users?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
  });
});

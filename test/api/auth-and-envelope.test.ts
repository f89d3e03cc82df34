import { describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../api/errors';
import { revokeApiKey } from '../../platform/api-keys';
import type { Sql } from '../../platform/database';
import { useTestServices } from '../support/context';
import { createTestIntegration } from '../support/factories';
import { buildTestApp, client, tenantWithKey, validIntegration } from './support/harness';
import type { Page } from '../../api/pagination';
import type { Integration } from '../../api/schemas/integration';

describe('authentication, tenancy, rate limits, request ids, logs and the error envelope', () => {
  const services = useTestServices();
  const harness = buildTestApp(services);

  it.each([
    ['no Authorization header', undefined, /Bearer/],
    ['a non-Bearer scheme', 'Basic dXNlcjpwYXNz', /Bearer <key>/],
    ['an unknown key', 'Bearer ic_live_doesnotexist', /not valid, has expired or has been revoked/],
    ['an empty bearer', 'Bearer ', /Bearer <key>/],
  ])('answers 401 with WWW-Authenticate for %s', async (_label, authorization, message) => {
    const res = await client(harness.app, undefined)<ErrorBody>('GET', '/v1/integrations', undefined, {
      ...(authorization !== undefined ? { authorization } : {}),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="identity-collector"/);
    expect(res.body.error).toMatchObject({
      code: 'unauthorized',
      requestId: res.headers.get('x-request-id'),
    });
    expect(res.body.error.message).toMatch(message);
  });

  it('answers 401 for unknown routes under /v1 without a key (nothing is revealed before authentication)', async () => {
    const res = await client(harness.app, undefined)('GET', '/v1/secret-admin-thing');
    expect(res.status).toBe(401);
  });

  it('a revoked key stops working at once', async () => {
    const t = await tenantWithKey(services);
    const api = client(harness.app, t.key);
    expect((await api('GET', '/v1/integrations')).status).toBe(200);
    await revokeApiKey(services.sql, t.keyId);
    const res = await api('GET', '/v1/integrations');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('records when a key was last used', async () => {
    const t = await tenantWithKey(services);
    await client(harness.app, t.key)('GET', '/v1/integrations');
    // Written off the request path (platform/api-keys.ts), so it lands just after the answer.
    await expect
      .poll(async () => {
        const [row] = await services.sql<
          { last_used_at: Date | null }[]
        >`select last_used_at from api_keys where id = ${t.keyId}`;
        return row!.last_used_at;
      })
      .not.toBeNull();
  });

  it('a tenant lists only its own integrations', async () => {
    const a = await tenantWithKey(services);
    const b = await tenantWithKey(services);
    // Rows inserted directly: the listing must not depend on Temporal.
    for (const [tenant, name] of [
      [a.tenant.id, 'A'],
      [b.tenant.id, 'B'],
    ] as const) {
      await createTestIntegration(services.sql, { tenantId: tenant, displayName: name });
    }
    const listA = await client(harness.app, a.key)<Page<Integration>>('GET', '/v1/integrations');
    expect(listA.body.data.map((i) => i.displayName)).toEqual(['A']);
  });

  it('health, readiness, the OpenAPI document and the docs need no key', async () => {
    const anonymous = client(harness.app, undefined);
    for (const path of ['/healthz', '/readyz', '/openapi.json', '/docs']) {
      const res = await anonymous('GET', path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('x-request-id'), path).toBeTruthy();
    }
  });

  it('keeps a sane incoming X-Request-Id and replaces an unsafe one', async () => {
    const anonymous = client(harness.app, undefined);
    const kept = await anonymous<ErrorBody>('GET', '/v1/integrations', undefined, {
      'x-request-id': 'trace-1234.abc',
    });
    expect(kept.headers.get('x-request-id')).toBe('trace-1234.abc');
    expect(kept.body.error.requestId).toBe('trace-1234.abc');
    const replaced = await anonymous('GET', '/healthz', undefined, { 'x-request-id': 'bad id <script>' });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const long = await anonymous('GET', '/healthz', undefined, { 'x-request-id': 'a'.repeat(500) });
    expect(long.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rate limits per key with 429 and Retry-After, refilling over time', async () => {
    let clock = 1_000_000;
    const limited = buildTestApp(services, { config: { rateLimitPerMinute: 3 }, now: () => new Date(clock) });
    const t = await tenantWithKey(services);
    const other = await tenantWithKey(services);
    const api = client(limited.app, t.key);
    for (let i = 0; i < 3; i++) expect((await api('GET', '/v1/integrations')).status).toBe(200);
    const refused = await api<ErrorBody>('GET', '/v1/integrations');
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBe(20);
    // Another key has its own bucket.
    expect((await client(limited.app, other.key)('GET', '/v1/integrations')).status).toBe(200);
    clock += 20_000;
    expect((await api('GET', '/v1/integrations')).status).toBe(200);
  });

  it('logs one structured line per request with the route template and never headers or bodies', async () => {
    const t = await tenantWithKey(services);
    const logged = buildTestApp(services);
    const api = client(logged.app, t.key);
    const secret = 'LOG-CANARY-SECRET-9876';
    await api(
      'POST',
      '/v1/integrations',
      validIntegration({ consumerSecret: secret, salesforceUrl: 'https://login.salesforce.com' }),
    );
    await api('GET', '/v1/integrations/00000000-0000-4000-8000-000000000000/users?active=true', undefined, {
      'x-request-id': 'req-log-test',
    });
    const requests = logged.log.records().filter((r) => r.message === 'request');
    expect(requests).toHaveLength(2);
    expect(requests[1]).toMatchObject({
      method: 'GET',
      path: '/v1/integrations/:id/users',
      status: 404,
      requestId: 'req-log-test',
      tenantId: t.tenant.id,
    });
    expect(typeof requests[1]!.durationMs).toBe('number');
    const all = logged.log.lines.join('\n');
    expect(all).not.toContain(secret);
    expect(all).not.toContain(t.key);
    expect(all).not.toContain('active=true');
  });

  it('answers an unexpected failure with 500 and a generic message, logging it with the request id', async () => {
    // A dependency failing in a way nobody anticipated (an unreachable database is a 503 instead, see
    // test/security/outages.test.ts).
    const sql = (() => {
      throw new Error('unexpected: ECONNREFUSED 10.0.0.5:5432 at pool.ts');
    }) as unknown as Sql;
    const broken = buildTestApp(services, { sql });
    const res = await client(broken.app, `ic_live_${'w'.repeat(43)}`)('GET', '/v1/integrations', undefined, {
      'x-request-id': 'req-500-test',
    });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      error: {
        code: 'internal_error',
        message: 'Something went wrong on our side. Quote the request id if you contact support',
        requestId: 'req-500-test',
      },
    });
    expect(res.text).not.toMatch(/ECONNREFUSED|stack|at .*\.ts/);
    const logged = broken.log.records().find((r) => r.message === 'unhandled error');
    expect(logged).toMatchObject({ level: 'error', requestId: 'req-500-test' });
  });

  it('answers unknown routes with the error envelope', async () => {
    const t = await tenantWithKey(services);
    const res = await client(harness.app, t.key)<ErrorBody>('GET', '/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    const outside = await client(harness.app, undefined)<ErrorBody>('GET', '/nothing');
    expect(outside.status).toBe(404);
    expect(outside.body.error.code).toBe('not_found');
  });
});

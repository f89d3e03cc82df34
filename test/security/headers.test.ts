import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, client, tenantWithKey } from '../api/support/harness';
import { connectTestServices } from '../support/context';

/** L13: nosniff on every response; no-store and Vary: Accept on /v1 (personal data, JSON or CSV). */
let services: Awaited<ReturnType<typeof connectTestServices>>;
beforeAll(async () => {
  services = await connectTestServices();
});
afterAll(async () => services.close());

describe('protective headers', () => {
  it('a /v1 answer, an error and /healthz carry them', async () => {
    const { app } = buildTestApp(services);
    const { key } = await tenantWithKey(services, 'headers');
    const ok = await client(app, key)('GET', '/v1/integrations');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(ok.headers.get('vary')).toMatch(/Accept/);

    const denied = await client(app, undefined)('GET', '/v1/integrations');
    expect(denied.status).toBe(401);
    expect(denied.headers.get('x-content-type-options')).toBe('nosniff');
    expect(denied.headers.get('cache-control')).toBe('no-store');

    const health = await app.request('/healthz');
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOrg, type TestOrg } from './harness';

describe('faults switchable per org at run time', () => {
  let t: TestOrg;
  beforeAll(async () => {
    t = await startOrg({ users: 20, logins: 200 });
  });
  afterEach(() => t.control.clearFaults('acme'));
  afterAll(() => t.close());

  it('adds latency', async () => {
    t.control.setFaults('acme', { latencyMs: 150 });
    const started = performance.now();
    expect((await t.get('/services/data/v62.0/limits')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('answers 503 SERVER_UNAVAILABLE at the configured rate, uncounted', async () => {
    const before = t.control.counters('acme').apiCallsCounted;
    t.control.setFaults('acme', { unavailableRate: 1 });
    const reply = await t.get('/services/data/v62.0/limits');
    expect(reply.status).toBe(503);
    expect(reply.json).toEqual([{ message: 'Server Unavailable', errorCode: 'SERVER_UNAVAILABLE' }]);
    expect(t.control.counters('acme').apiCallsCounted).toBe(before);
  });

  it('drops the connection mid-body', async () => {
    t.control.setFaults('acme', { dropConnectionRate: 1 });
    const token = await t.token();
    const response = await request(
      `${t.org.salesforceUrl}/services/data/v62.0/query?q=${encodeURIComponent('SELECT Id FROM LoginHistory')}`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(response.statusCode).toBe(200);
    await expect(response.body.text()).rejects.toThrow();
    expect(t.control.counters('acme').faultsInjected.dropConnection).toBe(1);
  });

  it('revokes tokens every N calls', async () => {
    t.control.setFaults('acme', { revokeTokensEveryCalls: 3 });
    const token = await t.token();
    expect((await t.get('/services/data/v62.0/limits', { token })).status).toBe(200);
    expect((await t.get('/services/data/v62.0/limits', { token })).status).toBe(200);
    const third = await t.get('/services/data/v62.0/limits', { token });
    expect(third.status).toBe(401);
    expect(third.json[0].errorCode).toBe('INVALID_SESSION_ID');
  });

  it('refuses with the concurrency REQUEST_LIMIT_EXCEEDED, by rate or by requests in flight', async () => {
    t.control.setFaults('acme', { concurrencyLimitRate: 1 });
    const reply = await t.get('/services/data/v62.0/limits');
    expect(reply.status).toBe(403);
    expect(reply.json).toEqual([
      { message: 'ConcurrentPerOrgLongTxn Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ]);

    t.control.setFaults('acme', { maxConcurrentRequests: 1, latencyMs: 200 });
    const token = await t.token();
    const replies = await Promise.all([1, 2, 3].map(() => t.get('/services/data/v62.0/limits', { token })));
    expect(replies.filter((r) => r.status === 200).length).toBe(1);
    expect(replies.filter((r) => r.status === 403 && r.json[0].message.startsWith('Concurrent')).length).toBe(
      2,
    );
  });

  it('disables the API for the org (fault, or configuration)', async () => {
    t.control.setFaults('acme', { apiDisabled: true });
    const reply = await t.get('/services/data/v62.0/limits');
    expect(reply.status).toBe(403);
    expect(reply.json).toEqual([
      { message: 'The REST API is not enabled for this Organization.', errorCode: 'API_DISABLED_FOR_ORG' },
    ]);
    t.control.clearFaults('acme');
    t.control.configureOrg('acme', { apiEnabled: false });
    expect((await t.get('/services/data/v62.0/limits')).json[0].errorCode).toBe('API_DISABLED_FOR_ORG');
    t.control.configureOrg('acme', { apiEnabled: true });
  });

  it('Professional Edition has no API unless enabled', async () => {
    const pe = t.control.createOrg({ key: 'pe', edition: 'Professional Edition', users: 10, logins: 10 });
    expect(t.control.getOrg('pe').apiEnabled).toBe(false);
    void pe;
  });

  it('a run-as user without API Enabled gets API_CURRENTLY_DISABLED', async () => {
    t.control.configureOrg('acme', { runAsApiEnabled: false });
    const reply = await t.get('/services/data/v62.0/limits');
    expect(reply.status).toBe(403);
    expect(reply.json).toEqual([
      { message: 'API is disabled for this User', errorCode: 'API_CURRENTLY_DISABLED' },
    ]);
    t.control.configureOrg('acme', { runAsApiEnabled: true });
  });

  it('other apps consuming the quota show up in usage', async () => {
    const before = t.control.counters('acme').currentUsage;
    expect(t.control.consumeApiCalls('acme', 1000).currentUsage).toBe(before + 1000);
    const reply = await t.get('/services/data/v62.0/limits');
    expect(reply.headers['sforce-limit-info']).toBe(`api-usage=${before + 1001}/${t.org.dailyApiMax}`);
  });
});

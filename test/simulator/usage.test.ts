import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrg, type TestOrg } from './harness';

const HOUR = 3_600_000;

describe('API usage: Sforce-Limit-Info and the rolling 24-hour allocation', () => {
  let t: TestOrg;
  beforeAll(async () => {
    t = await startOrg({ users: 20, logins: 200, dailyApiMax: 50 });
  });
  afterAll(() => t.close());

  it('counts each REST call and reports api-usage=USED/MAX', async () => {
    const first = await t.get('/services/data/v62.0/limits');
    expect(first.headers['sforce-limit-info']).toBe('api-usage=1/50');
    const second = await t.query('SELECT Id FROM User');
    expect(second.headers['sforce-limit-info']).toBe('api-usage=2/50');
    await t.token();
    await t.get(`${t.org.salesforceUrl}/services/data/`, { token: null });
    expect(t.control.counters('acme')).toMatchObject({ apiCallsCounted: 2, currentUsage: 2, max: 50 });
  });

  it('refuses calls past the maximum with 403 REQUEST_LIMIT_EXCEEDED, then recovers as the window rolls', async () => {
    // Other apps consume most of the allocation now; this client's two calls were made an hour earlier.
    t.control.advanceClock(HOUR);
    t.control.consumeApiCalls('acme', 48);
    const refused = await t.get('/services/data/v62.0/limits');
    expect(refused.status).toBe(403);
    expect(refused.json).toEqual([
      { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ]);
    expect(refused.headers['sforce-limit-info']).toBe('api-usage=50/50');
    expect(t.control.counters('acme').peakUsagePercent).toBe(100);

    // 23 h after the first two calls they leave the window; the 48 from other apps remain.
    t.control.advanceClock(23 * HOUR);
    const allowed = await t.get('/services/data/v62.0/limits');
    expect(allowed.status).toBe(200);
    expect(allowed.json.DailyApiRequests).toEqual({ Max: 50, Remaining: 1 });
    expect(allowed.headers['sforce-limit-info']).toBe('api-usage=49/50');

    t.control.advanceClock(24 * HOUR);
    expect((await t.get('/services/data/v62.0/limits')).headers['sforce-limit-info']).toBe('api-usage=1/50');
  });

  it('resets counters on request', () => {
    t.control.resetCounters('acme');
    expect(t.control.counters('acme')).toMatchObject({
      apiCallsCounted: 0,
      tokenRequests: 0,
      peakUsage: 1,
      currentUsage: 1,
    });
  });

  it('uses the documented default allocations per edition', () => {
    const developer = t.control.createOrg({
      key: 'dev',
      edition: 'Developer Edition',
      users: 10,
      logins: 10,
    });
    expect(developer.dailyApiMax).toBe(15_000);
    const enterprise = t.control.createOrg({ key: 'ee', users: 10, logins: 10 });
    expect(enterprise.dailyApiMax % 1000).toBe(0);
    expect(enterprise.dailyApiMax).toBeGreaterThan(100_000);
    const unlimited = t.control.createOrg({ key: 'ue', edition: 'Unlimited Edition', users: 10, logins: 10 });
    expect(unlimited.dailyApiMax - 100_000).toBe((enterprise.dailyApiMax - 100_000) * 5);
  });
});

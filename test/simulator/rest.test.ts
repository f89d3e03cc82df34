import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, startOrg, type TestOrg } from './harness';

describe('REST surface: versions, resources, limits, headers', () => {
  let t: TestOrg;
  beforeAll(async () => {
    t = await startOrg();
  });
  afterAll(() => t.close());

  it('lists versions at /services/data/ without auth, uncounted and without Sforce-Limit-Info', async () => {
    const before = t.control.counters('acme').apiCallsCounted;
    const reply = await send(`${t.org.salesforceUrl}/services/data/`);
    expect(reply.status).toBe(200);
    expect(reply.json).toContainEqual({ label: "Winter '24", url: '/services/data/v59.0', version: '59.0' });
    expect(reply.json[0]).toEqual({ label: "Summer '14", url: '/services/data/v31.0', version: '31.0' });
    expect(reply.headers['sforce-limit-info']).toBeUndefined();
    expect(t.control.counters('acme').apiCallsCounted).toBe(before);
  });

  it('serves /limits with DailyApiRequests and a few other real keys, counted, with Sforce-Limit-Info', async () => {
    t.control.resetCounters('acme');
    const reply = await t.get('/services/data/v62.0/limits');
    expect(reply.status).toBe(200);
    const used = t.control.counters('acme').currentUsage;
    expect(reply.json.DailyApiRequests).toEqual({
      Max: t.org.dailyApiMax,
      Remaining: t.org.dailyApiMax - used,
    });
    expect(Object.keys(reply.json)).toEqual([...Object.keys(reply.json)].sort());
    expect(reply.json).toHaveProperty('DataStorageMB');
    expect(reply.json).toHaveProperty('DailyBulkApiBatches');
    expect(reply.headers['sforce-limit-info']).toBe(`api-usage=${used}/${t.org.dailyApiMax}`);
    expect(t.control.counters('acme').endpoints.limits).toBe(1);
  });

  it('answers 410 for retired versions and 404 NOT_FOUND for unknown ones', async () => {
    const retired = await t.get('/services/data/v30.0/limits');
    expect(retired.status).toBe(410);
    expect(retired.json[0].errorCode).toBe('GONE');
    const unknown = await t.get('/services/data/v99.0/limits');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual([
      { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
    ]);
    const path = await t.get('/services/data/v62.0/nothing-here');
    expect(path.status).toBe(404);
  });

  it('rejects a missing Authorization header with INVALID_AUTH_HEADER', async () => {
    const reply = await t.get('/services/data/v62.0/limits', { token: null });
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual([{ message: 'INVALID_HEADER_TYPE', errorCode: 'INVALID_AUTH_HEADER' }]);
  });

  it('gzips responses when asked', async () => {
    const token = await t.token();
    const response = await request(
      `${t.org.salesforceUrl}/services/data/v62.0/query?q=${encodeURIComponent('SELECT Id FROM User')}`,
      {
        headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip' },
      },
    );
    expect(response.headers['content-encoding']).toBe('gzip');
    const body = JSON.parse(gunzipSync(Buffer.from(await response.body.arrayBuffer())).toString());
    expect(body.totalSize).toBe(60);
  });

  it('lists resources for a version', async () => {
    const reply = await t.get('/services/data/v62.0/');
    expect(reply.status).toBe(200);
    expect(reply.json.query).toBe('/services/data/v62.0/query');
    expect(reply.json.limits).toBe('/services/data/v62.0/limits');
  });
});

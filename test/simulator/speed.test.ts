import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrg, type TestOrg } from './harness';

describe('speed sanity: a large LoginHistory served from the columnar store', () => {
  let t: TestOrg;
  let generationMs = 0;
  beforeAll(async () => {
    const started = performance.now();
    t = await startOrg({ users: 3000, logins: 300_000, seed: 7 });
    generationMs = performance.now() - started;
  }, 120_000);
  afterAll(() => t.close());

  it('generates quickly and pages with O(page) continuations', async () => {
    expect(generationMs).toBeLessThan(20_000);
    const token = await t.token();
    const dispatcher = new Agent({ connections: 1 });
    const soql =
      'SELECT Id, UserId, LoginTime, Status, LoginType, SourceIp, LoginGeo.Country FROM LoginHistory WHERE LoginTime >= 2000-01-01T00:00:00Z ORDER BY LoginTime';
    let url = `${t.org.salesforceUrl}/services/data/v62.0/query?q=${encodeURIComponent(soql)}`;
    const pageMs: number[] = [];
    let rows = 0;
    const started = performance.now();
    for (let page = 0; page < 60; page++) {
      const pageStarted = performance.now();
      const response = await request(url, { headers: { authorization: `Bearer ${token}` }, dispatcher });
      const body = (await response.body.json()) as { nextRecordsUrl?: string; records: unknown[] };
      pageMs.push(performance.now() - pageStarted);
      rows += body.records.length;
      url = `${t.org.salesforceUrl}${body.nextRecordsUrl}`;
    }
    const seconds = (performance.now() - started) / 1000;
    await dispatcher.close();
    expect(rows).toBe(120_000);
    // A slow shared CI box still does far better than this; the point is catching O(n) continuations.
    expect(60 / seconds).toBeGreaterThan(5);
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    expect(median(pageMs.slice(-20))).toBeLessThan(median(pageMs.slice(1, 21)) * 3 + 20);
  });
});

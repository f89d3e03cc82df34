import { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrg, type TestOrg } from './harness';

describe('a real Salesforce client (jsforce) against the org base URL', () => {
  let t: TestOrg;
  beforeAll(async () => {
    t = await startOrg({ users: 50, logins: 4500 });
  });
  afterAll(() => t.close());

  it('logs in with client credentials, pages a query automatically and reads limits', async () => {
    const conn = new Connection({
      oauth2: {
        clientId: t.org.consumerKey,
        clientSecret: t.org.consumerSecret,
        loginUrl: t.org.salesforceUrl,
      },
      version: '62.0',
    });
    const userInfo = await conn.authorize({ grant_type: 'client_credentials' });
    expect(userInfo).toMatchObject({ id: t.org.runAsUserId, organizationId: t.org.orgId });
    expect(conn.instanceUrl).toBe(t.org.salesforceUrl);

    const records: { Id: string; LoginTime: string }[] = [];
    const result = await conn
      .query<{ Id: string; LoginTime: string }>(
        'SELECT Id, LoginTime, LoginGeo.Country FROM LoginHistory ORDER BY LoginTime',
      )
      .on('record', (record) => records.push(record))
      .run({ autoFetch: true, maxFetch: 100_000 });
    expect(result.totalSize).toBe(4500);
    expect(records).toHaveLength(4500);
    expect(new Set(records.map((record) => record.Id)).size).toBe(4500);
    expect(t.control.counters('acme').endpoints.queryMore).toBe(2);

    const first = await conn.query('SELECT Id FROM LoginHistory');
    expect(first.done).toBe(false);
    const more = await conn.queryMore(first.nextRecordsUrl!);
    expect(more.records).toHaveLength(2000);

    const limits = await conn.limits();
    expect(limits.DailyApiRequests?.Max).toBe(t.org.dailyApiMax);
    expect(limits.DailyApiRequests?.Remaining).toBe(
      t.org.dailyApiMax - t.control.counters('acme').currentUsage,
    );
  });
});

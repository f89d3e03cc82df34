import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/index';
import { send, tokenRequest } from './harness';

describe('control API under /__simulator', () => {
  let running: RunningSimulator;
  const call = (method: string, path: string, body?: unknown) =>
    send(`${running.url}/__simulator${path}`, {
      method: method as 'GET',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  beforeAll(async () => {
    running = await startSimulator({ port: 0 });
  });
  afterAll(() => running.close());

  it('creates an org whose Salesforce URL works for a token request', async () => {
    const created = await call('POST', '/orgs', {
      key: 'globex',
      users: 40,
      logins: 1000,
      seed: 3,
      edition: 'Developer Edition',
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      key: 'globex',
      salesforceUrl: `${running.url}/orgs/globex`,
      dailyApiMax: 15000,
    });
    const token = await tokenRequest(created.json.salesforceUrl, {
      grant_type: 'client_credentials',
      client_id: created.json.consumerKey,
      client_secret: created.json.consumerSecret,
    });
    expect(token.status).toBe(200);
    expect((await call('GET', '/orgs')).json.map((org: { key: string }) => org.key)).toEqual(['globex']);
  });

  it('validates requests and reports errors in one envelope', async () => {
    const duplicate = await call('POST', '/orgs', { key: 'globex' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.json.error.code).toBe('ORG_EXISTS');
    const invalid = await call('POST', '/orgs', { users: -1, edition: 'Free Edition' });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.code).toBe('INVALID_REQUEST');
    const missing = await call('GET', '/orgs/nope/truth');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('ORG_NOT_FOUND');
    const unknownField = await call('PATCH', '/orgs/globex', { colour: 'blue' });
    expect(unknownField.status).toBe(400);
  });

  it('configures an org, plants scenarios, appends logins, touches users and reads the truth', async () => {
    const patched = await call('PATCH', '/orgs/globex', { dailyApiMax: 1234, sessionTimeoutMinutes: 15 });
    expect(patched.json).toMatchObject({ dailyApiMax: 1234, sessionTimeoutMinutes: 15 });
    const planted = await call('POST', '/orgs/globex/scenarios', { kind: 'bruteForce' });
    expect(planted.status).toBe(201);
    expect(planted.json.evidenceIds).toHaveLength(13);
    const impossible = await call('POST', '/orgs/globex/scenarios', { kind: 'passwordSpray', users: 400 });
    expect(impossible.status).toBe(422);
    const appended = await call('POST', '/orgs/globex/logins', { count: 25, sameLoginTime: true });
    expect(appended.status).toBe(201);
    expect(appended.json.count).toBe(25);
    const touched = await call('POST', '/orgs/globex/users/touch', { count: 3 });
    expect(touched.json.userIds).toHaveLength(3);
    const truth = await call('GET', '/orgs/globex/truth?unusedDays=60');
    expect(truth.json.unusedDays).toBe(60);
    expect(truth.json.scenarios).toHaveLength(1);
    const counts = await call('GET', '/orgs/globex/object-counts');
    expect(counts.json.LoginHistory).toBe(1000 + 13 + 25);
  });

  it('moves the clock, injects faults, revokes tokens, consumes quota and reads counters', async () => {
    const before = Date.parse((await call('GET', '/clock')).json.now);
    const advanced = await call('POST', '/clock/advance', { hours: 25 });
    expect(Date.parse(advanced.json.now) - before).toBeGreaterThanOrEqual(25 * 3_600_000);
    expect((await call('POST', '/clock/advance', { ms: -5 })).status).toBe(400);
    const faults = await call('PUT', '/orgs/globex/faults', { unavailableRate: 0.5, latencyMs: 5 });
    expect(faults.json).toMatchObject({ unavailableRate: 0.5, latencyMs: 5, dropConnectionRate: 0 });
    expect((await call('PUT', '/orgs/globex/faults', { unavailableRate: 2 })).status).toBe(400);
    expect((await call('DELETE', '/orgs/globex/faults')).status).toBe(204);
    expect((await call('GET', '/orgs/globex/faults')).json.unavailableRate).toBe(0);
    expect((await call('POST', '/orgs/globex/tokens/revoke')).json.revoked).toBeGreaterThanOrEqual(0);
    const usage = await call('POST', '/orgs/globex/api-usage', { count: 617 });
    expect(usage.json).toEqual({ currentUsage: 617, max: 1234 });
    const counters = await call('GET', '/orgs/globex/counters');
    expect(counters.json).toMatchObject({
      currentUsage: 617,
      max: 1234,
      peakUsage: 617,
      peakUsagePercent: 50,
    });
    expect(counters.json.endpoints.token).toBe(1);
    expect((await call('DELETE', '/orgs/globex/counters')).status).toBe(204);
    expect((await call('GET', '/orgs/globex/counters')).json.tokenRequests).toBe(0);
    expect((await call('DELETE', '/orgs/globex')).status).toBe(204);
    expect((await call('GET', '/orgs/globex')).status).toBe(404);
  });
});

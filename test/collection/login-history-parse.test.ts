import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSalesforceClientFactory } from '../../salesforce/client';
import {
  loginHistorySpec,
  parseFast,
  parseWithSchema,
} from '../../activities/collection/objects/login-history';
import { startSimulator, type RunningSimulator } from '../salesforce/support';

/**
 * LoginHistory records are mapped by a hand-written check (parseFast) with zod as its fallback: for every
 * record it accepts, it must give exactly zod's mapping, and it must accept nothing zod refuses.
 */
describe('LoginHistory record mapping', () => {
  let sim: RunningSimulator;
  const factory = createSalesforceClientFactory({ requestTimeoutMs: 10_000, allowLocalUrls: true });
  beforeAll(async () => {
    sim = await startSimulator({ port: 0 });
  });
  afterAll(async () => {
    await factory.close();
    await sim?.close();
  });

  const valid = {
    attributes: { type: 'LoginHistory', url: '/services/data/v62.0/sobjects/LoginHistory/0Ya000000000001' },
    Id: '0Ya000000000001AAA',
    UserId: '005000000000001AAA',
    LoginTime: '2026-05-01T10:00:00.000+0000',
    LoginType: 'Application',
    Status: 'Success',
    SourceIp: '203.0.113.7',
    LoginGeo: { City: 'Paris', Country: 'France', CountryIso: 'FR', Latitude: 48.85, Longitude: 2.35 },
  };

  it('maps every record of a simulator page exactly as zod does', async () => {
    const org = sim.simulator.control.createOrg({ users: 50, logins: 2500 });
    const client = factory({
      integrationId: 'parse-test',
      salesforceUrl: org.salesforceUrl,
      consumerKey: org.consumerKey,
      consumerSecret: org.consumerSecret,
      credentialsVersion: 1,
    });
    const page = await client.query(loginHistorySpec.soql(''), { batchSize: 2000 });
    expect(page.records.length).toBe(2000);
    for (const record of page.records) expect(parseFast(record)).toEqual(parseWithSchema(record));
  });

  it.each([
    ['a full record', valid],
    ['no LoginGeo', { ...valid, LoginGeo: undefined }],
    ['a null LoginGeo and null texts', { ...valid, LoginGeo: null, Status: null, Browser: null }],
    ['a Z timestamp with no fraction', { ...valid, LoginTime: '2026-05-01T10:00:00Z' }],
    ['an offset with a colon', { ...valid, LoginTime: '2026-05-01T12:00:00.000+02:00' }],
    ['a 15-character Id', { ...valid, Id: '0Ya000000000001' }],
  ])('accepts %s with zod’s mapping', (_name, record) => {
    expect(parseFast(record)).not.toBeNull();
    expect(parseFast(record)).toEqual(parseWithSchema(record));
  });

  it.each([
    ['an array', [valid]],
    ['a bad Id', { ...valid, Id: 'not an id!' }],
    ['no UserId', { ...valid, UserId: undefined }],
    ['a date without time', { ...valid, LoginTime: '2026-05-01' }],
    ['a number for a text field', { ...valid, Status: 200 }],
    ['a string latitude', { ...valid, LoginGeo: { ...valid.LoginGeo, Latitude: '48.85' } }],
    ['LoginGeo as a list', { ...valid, LoginGeo: [valid.LoginGeo] }],
  ])('leaves %s to zod, which refuses it naming the field', (_name, record) => {
    expect(parseFast(record)).toBeNull();
    expect(() => loginHistorySpec.parse(record)).toThrow();
  });
});

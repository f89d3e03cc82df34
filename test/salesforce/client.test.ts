import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { createSalesforceClientFactory, type SalesforceConnection } from '../../salesforce/client';
import {
  SalesforceConcurrencyLimitError,
  SalesforceDailyLimitError,
  SalesforceQueryError,
  SalesforceSetupError,
  SalesforceTransientError,
  InvalidQueryLocatorError,
  toActivityFailure,
} from '../../salesforce/errors';
import { parseLimitInfo } from '../../salesforce/limit-info';
import { startSimulator, type CreatedOrg, type RunningSimulator } from './support';

let sim: RunningSimulator;
const factories: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
});
afterAll(async () => {
  await Promise.all(factories.map((f) => f.close()));
  await sim.close();
});

function factory() {
  const f = createSalesforceClientFactory({ requestTimeoutMs: 10_000, allowLocalUrls: true });
  factories.push(f);
  return f;
}

let nextIntegration = 0;
function connectionFor(org: CreatedOrg, overrides: Partial<SalesforceConnection> = {}): SalesforceConnection {
  return {
    integrationId: `integration-${++nextIntegration}`,
    salesforceUrl: org.salesforceUrl,
    consumerKey: org.consumerKey,
    consumerSecret: org.consumerSecret,
    credentialsVersion: 1,
    ...overrides,
  };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('Sforce-Limit-Info parsing', () => {
  const at = new Date('2026-01-01T00:00:00Z');
  it.each([
    ['api-usage=10018/100000', 10018, 100000],
    ['api-usage=1/100; api-bursts=1/750', 1, 100],
    ['api-bursts=1/750; api-usage=25/15000', 25, 15000],
    ['per-app-api-usage=17/250(appName=sample-connected-app); api-usage=110018/100000', 110018, 100000],
    ['  API-USAGE = 7 / 9 ', 7, 9],
  ])('reads %s', (header, used, max) => {
    expect(parseLimitInfo(header, at)).toEqual({ used, max, observedAt: at.toISOString() });
  });
  it.each([
    [undefined],
    [''],
    ['api-bursts=1/750'],
    ['api-usage=abc/100'],
    ['per-app-api-usage=17/250'],
    ['api-usage=5/0'],
  ])('ignores %s', (header) => {
    expect(parseLimitInfo(header, at)).toBeNull();
  });
});

describe('Salesforce client against the simulator', () => {
  it('mints one token for concurrent calls, reuses it across clients, and reads the identity', async () => {
    const org = sim.simulator.control.createOrg({ users: 20, logins: 100 });
    const f = factory();
    const connection = connectionFor(org);
    const client = f(connection);
    await Promise.all([
      client.query('SELECT Id FROM User'),
      client.query('SELECT Id FROM UserLicense'),
      client.limits(),
    ]);
    expect(client.tokenRequests).toBe(1);
    expect(client.callsMade).toBe(3);
    expect(await client.identity()).toMatchObject({ orgId: org.orgId, userId: org.runAsUserId });
    const second = f(connection);
    await second.query('SELECT Id FROM User LIMIT 1');
    expect(second.tokenRequests).toBe(0);
    expect(f.tokenCache.mints).toBe(1);
    expect(sim.simulator.control.counters(org.key).tokenRequests).toBe(1);
    // New credentials never reuse the old token.
    const rotated = f({ ...connection, credentialsVersion: 2 });
    await rotated.limits();
    expect(rotated.tokenRequests).toBe(1);
  });

  it("shares one /limits read between segments, and one caller's cancellation does not fail the others", async () => {
    const org = sim.simulator.control.createOrg({ users: 10, logins: 10 });
    const f = factory();
    const connection = connectionFor(org);
    const first = f(connection);
    const second = f(connection);
    await first.identity(); // the token, so the timing below is the /limits call alone
    sim.simulator.control.resetCounters(org.key);
    sim.simulator.control.setFaults(org.key, { latencyMs: 300 });
    const stopFirst = new AbortController();
    const firstRead = first.limits(stopFirst.signal, { sharedWithinMs: 10_000 });
    const secondRead = second.limits(new AbortController().signal, { sharedWithinMs: 10_000 });
    stopFirst.abort(new Error('segment stopped'));
    expect(await caught(firstRead)).toMatchObject({ message: 'segment stopped' });
    expect(await secondRead).toMatchObject({ max: org.dailyApiMax });
    expect(sim.simulator.control.counters(org.key).endpoints.limits).toBe(1);
    sim.simulator.control.clearFaults(org.key);
  });

  it('re-mints once after the session is revoked, and fails when a fresh token is rejected again', async () => {
    const org = sim.simulator.control.createOrg({ users: 10, logins: 10 });
    const client = factory()(connectionFor(org));
    await client.limits();
    sim.simulator.control.revokeTokens(org.key);
    const usage = await client.limits();
    expect(usage.max).toBe(org.dailyApiMax);
    expect(client.tokenRequests).toBe(2);

    sim.simulator.control.setFaults(org.key, { revokeTokensEveryCalls: 1 });
    const error = await caught(client.limits());
    expect(error).toBeInstanceOf(SalesforceTransientError);
    expect(client.tokenRequests).toBe(3); // exactly one re-mint, no loop
    sim.simulator.control.clearFaults(org.key);
  });

  it('reads the daily usage from Sforce-Limit-Info on every response', async () => {
    const org = sim.simulator.control.createOrg({ users: 10, logins: 10, dailyApiMax: 1000 });
    sim.simulator.control.consumeApiCalls(org.key, 100);
    const client = factory()(connectionFor(org));
    await client.query('SELECT Id FROM User');
    expect(client.lastUsage).toMatchObject({ used: 101, max: 1000 });
    await client.query('SELECT Id FROM UserLicense');
    expect(client.lastUsage).toMatchObject({ used: 102, max: 1000 });
  });

  describe('setup problems are non-retryable SalesforceSetupErrors that name the fix', () => {
    const cases: Array<
      [
        string,
        (org: CreatedOrg) => Partial<SalesforceConnection>,
        Parameters<RunningSimulator['simulator']['control']['createOrg']>[0],
        string,
        RegExp,
      ]
    > = [
      ['bad consumer key', () => ({ consumerKey: '3MVGwrong' }), {}, 'INVALID_CLIENT_ID', /Consumer Key/],
      [
        'bad consumer secret',
        () => ({ consumerSecret: 'not-the-secret' }),
        {},
        'INVALID_CLIENT_SECRET',
        /Consumer Secret/,
      ],
      [
        'client credentials flow disabled',
        () => ({}),
        { clientCredentialsEnabled: false },
        'CLIENT_CREDENTIALS_FLOW_DISABLED',
        /Enable Client Credentials Flow/,
      ],
      [
        'no Run As user',
        () => ({}),
        { runAsUser: false },
        'NO_RUN_AS_USER',
        /Edit Policies → Client Credentials Flow → Run As/,
      ],
      [
        // The worker's URL guard refuses a non-org URL before the secret is sent (security review H1).
        'wrong domain (login.salesforce.com analogue)',
        () => ({ salesforceUrl: sim.url }),
        {},
        'URL_REFUSED',
        /My Domain/,
      ],
      [
        'API disabled for the org',
        () => ({}),
        { edition: 'Professional Edition' },
        'API_DISABLED_FOR_ORG',
        /Enterprise.*Professional Edition with the API add-on/,
      ],
      [
        'API disabled for the Run As user',
        () => ({}),
        { runAsApiEnabled: false },
        'API_DISABLED_FOR_USER',
        /API Enabled/,
      ],
    ];
    it.each(cases)('%s', async (_name, override, spec, code, fix) => {
      const org = sim.simulator.control.createOrg({ users: 10, logins: 10, ...spec });
      const connection = connectionFor(org, override(org));
      const client = factory()(connection);
      const error = await caught(client.limits());
      expect(error).toBeInstanceOf(SalesforceSetupError);
      const setup = error as SalesforceSetupError;
      expect(setup.code).toBe(code);
      expect(setup.fix).toMatch(fix);
      expect(setup.message).not.toContain(connection.consumerSecret);
      const failure = toActivityFailure(error) as ApplicationFailure;
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure.nonRetryable).toBe(true);
      expect(failure.type).toBe('SalesforceSetupError');
      expect(failure.details).toEqual([{ code, message: setup.message, fix: setup.fix }]);
    });
  });

  it('surfaces 503s and dropped connections as retryable transient errors', async () => {
    const org = sim.simulator.control.createOrg({ users: 10, logins: 3000 });
    const client = factory()(connectionFor(org));
    await client.limits();
    sim.simulator.control.setFaults(org.key, { unavailableRate: 1 });
    const unavailable = await caught(client.query('SELECT Id FROM User'));
    expect(unavailable).toBeInstanceOf(SalesforceTransientError);
    expect((unavailable as SalesforceTransientError).status).toBe(503);
    const failure = toActivityFailure(unavailable) as ApplicationFailure;
    expect(failure.nonRetryable).toBe(false);
    expect(failure.type).toBe('SalesforceTransientError');

    sim.simulator.control.setFaults(org.key, { dropConnectionRate: 1 });
    const dropped = await caught(client.query('SELECT Id, LoginTime, SourceIp FROM LoginHistory'));
    expect(dropped).toBeInstanceOf(SalesforceTransientError);
    expect((toActivityFailure(dropped) as ApplicationFailure).nonRetryable).toBe(false);
    sim.simulator.control.clearFaults(org.key);
    const ok = await client.query('SELECT Id FROM User');
    expect(ok.records.length).toBe(10);
  });

  it('tells the concurrency limit from the daily cap', async () => {
    const org = sim.simulator.control.createOrg({ users: 10, logins: 10, dailyApiMax: 500 });
    const client = factory()(connectionFor(org));
    sim.simulator.control.setFaults(org.key, { concurrencyLimitRate: 1 });
    const concurrency = await caught(client.query('SELECT Id FROM User'));
    expect(concurrency).toBeInstanceOf(SalesforceConcurrencyLimitError);
    const retry = toActivityFailure(concurrency) as ApplicationFailure;
    expect(retry.nonRetryable).toBe(false);
    expect(retry.nextRetryDelay).toBeDefined();
    sim.simulator.control.clearFaults(org.key);

    sim.simulator.control.consumeApiCalls(org.key, 500);
    const daily = await caught(client.query('SELECT Id FROM User'));
    expect(daily).toBeInstanceOf(SalesforceDailyLimitError);
    expect(daily).toMatchObject({ used: 500, max: 500 });
  });

  it('classifies query errors and refuses foreign locators', async () => {
    const org = sim.simulator.control.createOrg({ users: 10, logins: 10 });
    const client = factory()(connectionFor(org));
    const invalidField = await caught(client.query('SELECT Id, NoSuchField__c FROM User'));
    expect(invalidField).toBeInstanceOf(SalesforceQueryError);
    expect((invalidField as SalesforceQueryError).errorCode).toBe('INVALID_FIELD');
    expect((toActivityFailure(invalidField) as ApplicationFailure).nonRetryable).toBe(true);
    const invalidType = await caught(client.query('SELECT Id FROM NoSuchThing'));
    expect((invalidType as SalesforceQueryError).errorCode).toBe('INVALID_TYPE');
    const locator = await caught(client.queryMore('/services/data/v62.0/query/01g000000000000AAA-2000'));
    expect(locator).toBeInstanceOf(InvalidQueryLocatorError);
    const foreign = await caught(client.queryMore('https://evil.example.com/services/data/v62.0/query/x-1'));
    expect(foreign).toBeInstanceOf(InvalidQueryLocatorError);
  });
});

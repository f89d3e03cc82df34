import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createConnectivityActivities } from '../../activities/connectivity';
import { isPublicAddress, publicOnlyLookup, type LookupFunction } from '../../salesforce/address-guard';
import { createSalesforceClientFactory, type ClosableSalesforceClientFactory } from '../../salesforce/client';
import { InvalidQueryLocatorError, SalesforceError, SalesforceSetupError } from '../../salesforce/errors';
import { DispatcherPool, send } from '../../salesforce/http';
import { createIntegrationBodySchema } from '../../api/schemas/integration';
import { localSalesforceUrlsAllowed } from '../../platform/env';
import { checkSalesforceUrl } from '../../platform/salesforce-url';
import { connectTestServices } from '../support/context';
import { insertIntegration, makeDeps } from '../salesforce/support';
import { testSecrets } from '../support/factories';

/**
 * H1 (and L4, L5, L12, L16): every URL the worker calls passes the SSRF guard, in the worker, before a secret
 * or a token leaves; resolved addresses must be public outside local mode; bodies are bounded.
 */

interface Recorded {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

/** A plain HTTP server that records every request and answers with `respond`. */
async function recordingServer(
  host: string,
  respond: (
    req: IncomingMessage,
    body: string,
  ) => { status: number; headers?: Record<string, string>; body: Buffer | string },
): Promise<{ server: Server; port: number; requests: Recorded[]; connections: () => number }> {
  const requests: Recorded[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
      const answer = respond(req, body);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body);
    });
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port, requests, connections: () => connections };
}

const CONSUMER_SECRET = 'super-secret-consumer-secret-0123456789';
const connection = (salesforceUrl: string) => ({
  integrationId: crypto.randomUUID(),
  salesforceUrl,
  consumerKey: 'key',
  consumerSecret: CONSUMER_SECRET,
  credentialsVersion: 1,
});

let victim: Awaited<ReturnType<typeof recordingServer>>;
let org: Awaited<ReturnType<typeof recordingServer>>;
let instanceUrl = '';
let limitsAnswer: { status: number; headers?: Record<string, string>; body: Buffer | string } = {
  status: 200,
  body: '{}',
};
const factories: ClosableSalesforceClientFactory[] = [];
const factory = (options: Parameters<typeof createSalesforceClientFactory>[0]) => {
  const created = createSalesforceClientFactory({ requestTimeoutMs: 5_000, ...options });
  factories.push(created);
  return created;
};

beforeAll(async () => {
  // 127.0.0.2 is loopback too, but not a host the local-mode guard accepts: it plays the internal service.
  victim = await recordingServer('127.0.0.2', () => ({
    status: 200,
    body: '[{"errorCode":"X","message":"secret"}]',
  }));
  // A fake org on loopback whose token endpoint names whatever instance_url the test sets.
  org = await recordingServer('127.0.0.1', (req) => {
    if (req.url === '/orgs/evil/services/oauth2/token') {
      return {
        status: 200,
        body: JSON.stringify({
          access_token: 'ATTACKER_VISIBLE_TOKEN',
          instance_url: instanceUrl,
          id: 'https://x/id/00D000000000001/005000000000001',
        }),
      };
    }
    if (req.url?.endsWith('/limits')) return limitsAnswer;
    return { status: 404, body: '[]' };
  });
});

afterEach(() => {
  victim.requests.length = 0;
  org.requests.length = 0;
});

afterAll(async () => {
  await Promise.all(factories.map((f) => f.close()));
  victim.server.close();
  org.server.close();
});

describe('H1: the token response instance_url is checked before the bearer token is sent', () => {
  const orgUrl = () => `http://127.0.0.1:${org.port}/orgs/evil`;
  const corpus = () => [
    `http://127.0.0.2:${victim.port}/#`,
    `http://127.0.0.2:${victim.port}/orgs/evil`,
    `http://127.0.0.2:${victim.port}/?`,
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/role#',
    'http://10.0.0.1:6379',
    'file:///etc/passwd',
    'gopher://x',
    'javascript:alert(1)',
    'https://acme.my.salesforce.com.evil.com',
    // Local mode: another local origin than the org's own is refused too.
    `http://127.0.0.1:${victim.port}/orgs/evil`,
  ];

  it('refuses every hostile instance_url, even in local mode, and no request reaches it', async () => {
    const salesforce = factory({ allowLocalUrls: true });
    for (const hostile of corpus()) {
      instanceUrl = hostile;
      const client = salesforce(connection(orgUrl()));
      const error = await client.limits().catch((e: unknown) => e);
      expect(error, hostile).toBeInstanceOf(SalesforceSetupError);
      expect((error as SalesforceSetupError).code, hostile).toBe('URL_REFUSED');
      expect((error as Error).message).toMatch(/instance_url/);
      expect((error as Error).message).not.toContain('ATTACKER_VISIBLE_TOKEN');
    }
    expect(victim.requests).toEqual([]);
    // Only token requests reached the fake org: never a GET carrying the bearer token.
    expect(org.requests.every((r) => r.method === 'POST' && r.authorization === undefined)).toBe(true);
  });

  it('still calls an instance_url on the org origin in local mode (the simulator case)', async () => {
    instanceUrl = orgUrl();
    limitsAnswer = { status: 200, body: JSON.stringify({ DailyApiRequests: { Max: 100, Remaining: 90 } }) };
    const usage = await factory({ allowLocalUrls: true })(connection(orgUrl())).limits();
    expect(usage).toMatchObject({ used: 10, max: 100 });
    expect(org.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
  });
});

describe('H1: the worker re-checks the stored URL before POSTing the decrypted secret', () => {
  const services = { current: undefined as Awaited<ReturnType<typeof connectTestServices>> | undefined };
  beforeAll(async () => {
    services.current = await connectTestServices();
  });
  afterAll(async () => {
    await services.current?.close();
  });

  it('a stored loopback URL (written while local mode was on) gets URL_REFUSED in a strict worker, no secret sent', async () => {
    const { sql, temporal } = services.current!;
    const secrets = testSecrets().box;
    const integrationId = await insertIntegration(sql, secrets, {
      salesforceUrl: `http://127.0.0.1:${org.port}/orgs/evil`,
      consumerKey: 'key',
      consumerSecret: CONSUMER_SECRET,
    });
    const deps = makeDeps({ sql, temporal, secrets, salesforce: factory({ allowLocalUrls: false }) });
    const result = await createConnectivityActivities(deps).testConnectivity({ integrationId });
    expect(result).toMatchObject({ ok: false, code: 'URL_REFUSED' });
    if (!result.ok) expect(result.fix).toMatch(/My Domain/);
    expect(org.requests).toEqual([]);
  });

  it.each([
    'https://attacker.example.com',
    'http://169.254.169.254/latest',
    'https://acme.my.salesforce.com/services/oauth2/token#',
  ])('stored URL %s is refused before any connection', async (stored) => {
    const error = await factory({ allowLocalUrls: true })(connection(stored))
      .identity()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SalesforceSetupError);
    expect((error as SalesforceSetupError).code).toBe('URL_REFUSED');
    expect((error as Error).message).not.toContain(CONSUMER_SECRET);
  });
});

describe('L4: connect-time address check (DNS rebinding)', () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
  ])('%s is not public', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['8.8.8.8', '13.108.0.1', '2001:4860:4860::8888'])('%s is public', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('a My Domain name that resolves to loopback is refused at connect time, nothing is sent', async () => {
    let resolved = 0;
    // Stands in for a DNS answer re-pointed at the worker's own network after the URL check passed.
    const rebinding: LookupFunction = (_hostname, options, callback) => {
      resolved += 1;
      if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
      else callback(null, '127.0.0.1', 4);
    };
    const error = await factory({ allowLocalUrls: false, resolve: rebinding })(
      connection('https://acme.my.salesforce.com'),
    )
      .identity()
      .catch((e: unknown) => e);
    expect(resolved).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(SalesforceSetupError);
    expect((error as SalesforceSetupError).code).toBe('URL_REFUSED');
    expect((error as Error).message).toMatch(/acme\.my\.salesforce\.com resolves to a loopback, private/);
    expect((error as Error).message).not.toContain('127.0.0.1');
  });

  it('the system resolver answer for localhost is refused, and the server sees no connection', async () => {
    const pool = new DispatcherPool(undefined, { allowPrivateAddresses: false });
    const url = `http://localhost:${org.port}/orgs/evil/services/oauth2/token`;
    const before = org.connections();
    const error = await send(pool.for(url), { url, method: 'GET', headers: {}, timeoutMs: 5_000 }).catch(
      (e: unknown) => e,
    );
    await pool.close();
    expect((error as SalesforceSetupError).code).toBe('URL_REFUSED');
    expect(org.connections()).toBe(before);
    // An address literal never reaches `lookup`: it is judged before a pool exists.
    expect(() => pool.for(`http://127.0.0.1:${org.port}/`)).toThrow(/resolves to a loopback/);
    await new Promise<void>((resolve, reject) =>
      publicOnlyLookup()('localhost', {}, (e) => (e ? resolve() : reject(new Error('accepted')))),
    );
  });
});

describe('L5: bounded response bodies', () => {
  it('a gzip bomb on a REST answer fails without retry instead of filling the worker memory', async () => {
    instanceUrl = `http://127.0.0.1:${org.port}/orgs/evil`;
    limitsAnswer = {
      status: 200,
      headers: { 'content-encoding': 'gzip' },
      body: gzipSync(Buffer.alloc(80 * 1024 * 1024)),
    };
    const error = await factory({ allowLocalUrls: true })(connection(instanceUrl))
      .limits()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SalesforceError);
    expect((error as SalesforceError).retryable).toBe(false);
    expect((error as Error).message).toMatch(/exceeded \d+ bytes/);
  });
});

describe('L12: nextRecordsUrl is a bare locator', () => {
  it.each([
    '/services/data/v62.0/query/..\\..\\..\\x',
    '/services/data/v62.0/query/..',
    '/services/data/v62.0/query/a%2F..',
  ])('%s is refused before any call', async (locator) => {
    const client = factory({ allowLocalUrls: true })(connection(`http://127.0.0.1:${org.port}/orgs/evil`));
    await expect(client.queryMore(locator)).rejects.toBeInstanceOf(InvalidQueryLocatorError);
    expect(org.requests).toEqual([]);
  });
});

describe('L16: Government Cloud Plus, China and partitioned My Domains are accepted, just as strictly', () => {
  it.each([
    'https://agency.my.salesforce.mil',
    'https://agency--uat.sandbox.my.salesforce.mil',
    'https://acme.my.sfcrmproducts.cn',
    'https://acme--uat.sandbox.my.sfcrmproducts.cn',
    'https://acme.scratch.my.salesforce.com',
    'https://acme.demo.my.salesforce.com',
    'https://acme.trailblaze.my.salesforce.com',
    'https://acme--patch1.patch.my.salesforce.com',
  ])('accepts %s', (url) => {
    expect(checkSalesforceUrl(url, { allowLocal: false })).toEqual({ ok: true, url });
  });

  it.each([
    'https://my.salesforce.mil',
    'https://a.b.my.salesforce.mil',
    'https://acme.my.salesforce.mil.evil.com',
    'https://acme.evil.my.salesforce.com',
    'https://acme.my.sfcrmproducts.cn:8443',
  ])('rejects %s', (url) => {
    expect(checkSalesforceUrl(url, { allowLocal: false }).ok).toBe(false);
  });
});

describe('L3: local mode accepts only the simulator ports it was given', () => {
  it.each([
    'http://127.0.0.1:6379/orgs/x',
    'http://localhost:8080/orgs/a',
    'http://0x7f000001:8080/orgs/a',
    'http://127.0.0.1/orgs/a',
  ])('with LOCAL_SALESFORCE_PORTS=4010, %s is refused naming the setting', (url) => {
    const check = checkSalesforceUrl(url, { allowLocal: [4010] });
    expect(check).toMatchObject({ ok: false });
    if (!check.ok) expect(check.reason).toContain('LOCAL_SALESFORCE_PORTS');
  });

  it('with LOCAL_SALESFORCE_PORTS=4010, the simulator itself is accepted', () => {
    expect(checkSalesforceUrl('http://127.0.0.1:4010/orgs/demo', { allowLocal: [4010] })).toEqual({
      ok: true,
      url: 'http://127.0.0.1:4010/orgs/demo',
    });
  });

  it('the environment gives the port list only with local mode on, and an unparseable list allows no port', () => {
    expect(localSalesforceUrlsAllowed({ LOCAL_SALESFORCE_PORTS: '4010' })).toBe(false);
    expect(
      localSalesforceUrlsAllowed({
        ALLOW_LOCAL_SALESFORCE_URLS: 'true',
        LOCAL_SALESFORCE_PORTS: '4010,4011',
      }),
    ).toEqual([4010, 4011]);
    expect(localSalesforceUrlsAllowed({ ALLOW_LOCAL_SALESFORCE_URLS: 'true' })).toBe(true);
    expect(
      localSalesforceUrlsAllowed({ ALLOW_LOCAL_SALESFORCE_URLS: 'true', LOCAL_SALESFORCE_PORTS: '6379;x' }),
    ).toEqual([]);
  });

  it('a worker limited to another port refuses the stored URL before the secret is POSTed', async () => {
    const error = await factory({ allowLocalUrls: [org.port + 1] })(
      connection(`http://127.0.0.1:${org.port}/orgs/evil`),
    )
      .identity()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SalesforceSetupError);
    expect((error as SalesforceSetupError).code).toBe('URL_REFUSED');
    expect(org.requests).toEqual([]);
  });

  it('the API body schema refuses a local URL on another port on the salesforceUrl field', () => {
    const parsed = createIntegrationBodySchema([4010]).safeParse({
      displayName: 'Local',
      salesforceUrl: 'http://127.0.0.1:6379/orgs/x',
      consumerKey: '3MVG9-consumer-key',
      consumerSecret: 'consumer-secret-value',
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['salesforceUrl']);
    expect(parsed.error?.issues[0]?.message).toContain('LOCAL_SALESFORCE_PORTS');
  });
});

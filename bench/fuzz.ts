/**
 * API fuzz drill: thousands of random and malformed requests against the listening API process. Passes when
 * no answer is a 5xx, the process is still alive and /healthz answers, and nothing was written: the counts
 * of tenants, api_keys, integrations and collection_runs only moved by what the fuzz's own valid creations
 * (tracked 201s) legitimately added, and the other tenant's integration row is byte-for-byte unchanged.
 */
import { randomUUID } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import { createApiKey, createTenant } from '../platform/api-keys';
import { startApi } from './harness/api-process';
import { createIntegration } from './harness/integration';
import type { Stack } from './harness/stack';
import { spawnWorker } from './harness/worker-process';

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const chance = (p: number) => Math.random() < p;

const strings = [
  '',
  ' ',
  'a',
  'x'.repeat(5000),
  '💥🔥 ünïcödé \u202e\u0000 𝕏',
  '\u0000',
  "'; drop table integrations; --",
  '" or 1=1 --',
  '../../etc/passwd',
  '%00',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '-1',
  '1e309',
  'NaN',
  'null',
  'true',
  '2026-13-45T99:99:99Z',
];
const ssrfUrls = [
  'http://169.254.169.254/latest/meta-data/',
  'http://127.0.0.1:5432',
  'http://localhost:7233',
  'http://[::1]/',
  'http://0.0.0.0/',
  'http://10.0.0.1/',
  'https://192.168.1.1/',
  'file:///etc/passwd',
  'gopher://127.0.0.1:6379/_INFO',
  'https://acme.my.salesforce.com.evil.example/',
  'https://evil.example/?x=.my.salesforce.com',
  'https://acme.my.salesforce.com@169.254.169.254/',
  'https://acme.my.salesforce.com:22/',
  'javascript:alert(1)',
  'https://2130706433/',
  'https://0x7f.0.0.1/',
  'https://acme.my.salesforce.com/#@127.0.0.1',
  'http://acme.my.salesforce.com/',
];
const scalars = (): unknown =>
  pick<() => unknown>([
    () => pick(strings),
    () => Math.random() * 1e12 - 5e11,
    () => pick([0, -1, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER, 200, 2000, 100]),
    () => pick([true, false, null]),
    () => [],
    () => ({}),
    () => [pick(strings), 1, null],
    () => ({ nested: { deeper: pick(strings) } }),
  ])();

function randomBody(): unknown {
  const body: Record<string, unknown> = {};
  const fields = [
    'displayName',
    'salesforceUrl',
    'consumerKey',
    'consumerSecret',
    'options',
    'status',
    'extra',
    '__proto__',
    'constructor',
  ];
  for (const field of fields) if (chance(0.5)) body[field] = scalars();
  if (chance(0.6)) body.salesforceUrl = pick(ssrfUrls);
  if (chance(0.3))
    body.options = {
      pageSize: scalars(),
      quotaThresholdPercent: pick([0, 101, -5, 75, 'x', 1e9]),
      timezone: pick(['Mars/Olympus', 'UTC', '', 'Europe/Paris\u0000']),
      [pick(strings).slice(0, 20)]: scalars(),
    };
  return body;
}

/** A syntactically valid create (https My Domain URL, valid fields): may legitimately return 201. */
function validCreateBody(): unknown {
  return {
    displayName: `fuzz ${randomUUID()}`,
    salesforceUrl: `https://fuzz${Math.floor(Math.random() * 1e9)}.my.salesforce.com`,
    consumerKey: `3MVG9${randomUUID().replaceAll('-', '')}`,
    consumerSecret: randomUUID().replaceAll('-', ''),
  };
}

function rawBody(): string | undefined {
  return pick<() => string | undefined>([
    () => undefined,
    () => '{',
    () => '{"displayName": "a",}',
    () => 'null',
    () => '[]',
    () => '"just a string"',
    () => '{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}',
    () => JSON.stringify({ displayName: 'x'.repeat(2_000_000) }),
    () => '\u0000\u0001\u0002',
    () => '{"displayName": "\\ud800"}',
    () => JSON.stringify(randomBody()),
    () => JSON.stringify(randomBody()),
    () => JSON.stringify(randomBody()),
  ])();
}

export async function fuzz(stack: Stack, requests: number): Promise<{ ok: boolean; detail: string }> {
  const { sql } = stack.pg;
  const tenantA = await createTenant(sql, `fuzz-a-${randomUUID()}`);
  const tenantB = await createTenant(sql, `fuzz-b-${randomUUID()}`);
  const { key } = await createApiKey(sql, { tenantName: tenantA.name });
  const { key: revokedKey, record: revoked } = await createApiKey(sql, {
    tenantName: tenantA.name,
    name: 'revoked',
  });
  await sql`update api_keys set revoked_at = now() where id = ${revoked.id}`;
  const { key: keyB } = await createApiKey(sql, { tenantName: tenantB.name });
  // Issue 13's inputs: a read-scoped key (every write must answer 403 and change nothing) and an expired key.
  const { key: readKey } = await createApiKey(sql, { tenantName: tenantA.name, name: 'read', scope: 'read' });
  const { key: expiredKey } = await createApiKey(sql, {
    tenantName: tenantA.name,
    name: 'expired',
    expiresAt: new Date(Date.now() - 60_000),
  });
  const org = {
    salesforceUrl: 'https://fuzz-own.my.salesforce.com',
    consumerKey: '3MVG9ownkey000',
    consumerSecret: 'ownsecret000',
  };
  // Own and foreign integrations with running workflows (awaiting_test: nothing can collect before a passing
  // Test Connectivity, and their URLs point nowhere) and a worker to answer their status queries.
  const worker = spawnWorker(stack, `${stack.taskQueue}-fuzz`);
  const own = await createIntegration(stack, org, {}, 'fuzz-own', `${stack.taskQueue}-fuzz`);
  await sql`update integrations set tenant_id = ${tenantA.id} where id = ${own.integrationId}`;
  const foreign = await createIntegration(
    stack,
    { ...org, salesforceUrl: 'https://fuzz-b.my.salesforce.com' },
    {},
    'fuzz-b',
    `${stack.taskQueue}-fuzz`,
  );
  await sql`update integrations set tenant_id = ${tenantB.id} where id = ${foreign.integrationId}`;

  const api = await startApi(stack, {
    API_RATE_LIMIT_PER_MINUTE: '100000000',
    // The fuzz is one client address sending bad keys on purpose; with the production budget of failed
    // authentications every later request would be answered 429 before reaching a handler.
    API_AUTH_FAILURES_PER_MINUTE: '100000000',
    ALLOW_LOCAL_SALESFORCE_URLS: 'false',
    API_BODY_LIMIT_BYTES: '65536',
  });
  const counts = async () => {
    const [row] = await sql<
      {
        tenants: number;
        keys: number;
        integrations: number;
        runs: number;
        networks: number;
        statusChanges: number;
      }[]
    >`
      select (select count(*)::int from tenants) as tenants, (select count(*)::int from api_keys) as keys,
        (select count(*)::int from integrations) as integrations, (select count(*)::int from collection_runs) as runs,
        (select count(*)::int from trusted_networks) as networks,
        (select count(*)::int from finding_status_changes) as "statusChanges"`;
    return row!;
  };
  const foreignRow = async () => {
    const [row] = await sql<
      { h: string }[]
    >`select md5(to_jsonb(i)::text) as h from integrations i where id = ${foreign.integrationId}`;
    return row!.h;
  };
  const before = await counts();
  const foreignBefore = await foreignRow();

  const ids = () =>
    pick([
      foreign.integrationId,
      foreign.integrationId,
      randomUUID(),
      '00000000-0000-0000-0000-000000000000',
      pick(strings),
      'not-a-uuid',
      encodeURIComponent('💥'),
      '%2e%2e%2f%2e%2e%2f',
      '1 or 1=1',
    ]);
  // Mostly the valid key, so most requests get past authentication into the handlers.
  const auths = () =>
    chance(0.65)
      ? `Bearer ${key}`
      : pick<() => string | undefined>([
          () => undefined,
          () => `Bearer ${revokedKey}`,
          () => `Bearer ${expiredKey}`,
          () => `Bearer ${readKey}`,
          () => `Bearer ${key.slice(0, -1)}x`,
          () => `Basic ${Buffer.from('a:b').toString('base64')}`,
          () => 'Bearer ',
          () => `Bearer ${'x'.repeat(10_000)}`,
          () => `bearer ${key}`,
          () => `Bearer ${key} extra`,
          () => `Bearer ic_live_${pick(strings)}`,
        ])();
  const queries = () =>
    pick([
      '',
      `?limit=${pick(['-1', '0', '1e9', 'abc', '100000', '50', ''])}`,
      `?cursor=${encodeURIComponent(pick(strings))}`,
      `?cursor=${Buffer.from(JSON.stringify({ l: 'users', k: ["' or 1=1"] })).toString('base64url')}`,
      `?active=${pick(['maybe', 'true', '1', ''])}&status=${encodeURIComponent(pick(strings))}`,
      `?from=${encodeURIComponent(pick(strings))}&to=2020-01-01`,
      `?state=${pick(['idle', 'bogus', ''])}&kind=${pick(['brute_force', 'x'])}`,
      `?view=${pick(['timeline', 'summary', 'x'])}&userId=${encodeURIComponent(pick(strings))}`,
      `?days=${pick(['-5', '0', '90', '99999', 'x'])}`,
      `?format=${pick(['csv', 'ndjson', 'xml', '', encodeURIComponent(pick(strings))])}`,
      `?status=${pick(['partial', 'failed', 'running', 'x'])}`,
      `?format=csv&limit=${pick(['1', '200', '201', 'x'])}`,
    ]);

  const statuses: Record<string, number> = {};
  const fiveHundreds: string[] = [];
  let created = 0;
  let networksCreated = 0;
  const readKeyWrites: string[] = [];
  let unsendable = 0;
  const createdIds: string[] = [];
  const send = async (
    method: string,
    path: string,
    init: { body?: string; auth?: string; contentType?: string },
  ) => {
    const headers: Record<string, string> = {};
    if (init.auth !== undefined) headers.authorization = init.auth;
    if (init.contentType !== undefined) headers['content-type'] = init.contentType;
    let status: number;
    try {
      // undici's request, not fetch: fetch refuses methods such as TRACE before they leave the process.
      const res = await request(`${api.url}${path}`, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body: init.body,
        // A fresh connection per request: after a 413 the server closes the socket without reading the body,
        // and a keep-alive client racing its next request onto that socket would see "other side closed".
        reset: true,
        signal: AbortSignal.timeout(30_000),
      });
      status = res.statusCode;
      if (init.auth === `Bearer ${readKey}` && method !== 'GET' && status < 300)
        readKeyWrites.push(`${method} ${path.slice(0, 80)} → ${status}`);
      if (status === 201 && method === 'POST' && path.endsWith('/trusted-networks')) networksCreated += 1;
      if (status === 201 && method === 'POST' && path === '/v1/integrations') {
        created += 1;
        createdIds.push(((await res.body.json()) as { id: string }).id);
      } else await res.body.dump();
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      // A header value the HTTP client itself will not put on the wire (e.g. a NUL byte) never reaches the API.
      if (code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_CHAR') {
        unsendable += 1;
        return;
      }
      status = 0; // connection reset or timeout: as bad as a 5xx
      fiveHundreds.push(`${method} ${path.slice(0, 80)} → ${code} ${(error as Error).message}`);
    }
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status >= 500) fiveHundreds.push(`${method} ${path.slice(0, 80)} → ${status}`);
  };

  const started = performance.now();
  const concurrency = 8;
  let sent = 0;
  const one = async () => {
    const id = ids();
    const ownOrForeign = chance(0.5) ? own.integrationId : id;
    const contentType = pick([
      'application/json',
      'application/json',
      'application/json',
      undefined,
      'text/plain',
      'application/json; charset=utf-16',
      'multipart/form-data; boundary=x',
    ]);
    const body = rawBody();
    const kind = Math.floor(Math.random() * 14);
    switch (kind) {
      case 0:
      case 1: {
        const valid = chance(0.05);
        return send('POST', '/v1/integrations', {
          auth: valid ? `Bearer ${key}` : auths(),
          contentType: valid ? 'application/json' : contentType,
          body: valid ? JSON.stringify(validCreateBody()) : body,
        });
      }
      case 2:
        // Own integration: any valid PATCH is legitimate (it changes no counts); foreign/random ids must 404.
        return send('PATCH', `/v1/integrations/${encodeURIComponent(ownOrForeign)}`, {
          auth: auths(),
          contentType,
          body,
        });
      case 3:
        return send('DELETE', `/v1/integrations/${encodeURIComponent(id)}`, { auth: auths() });
      case 4:
        return send(
          'POST',
          `/v1/integrations/${encodeURIComponent(id)}/${pick(['test', 'collect', 'pause', 'resume', 'disconnect', 'x'])}`,
          {
            auth: auths(),
            contentType,
            body,
          },
        );
      case 5:
        return send(
          'PATCH',
          `/v1/integrations/${encodeURIComponent(id)}/findings/${encodeURIComponent(pick([randomUUID(), pick(strings)]))}`,
          {
            auth: auths(),
            contentType,
            body,
          },
        );
      case 6:
        return send(
          pick(['PUT', 'OPTIONS', 'HEAD', 'TRACE']),
          `/v1/integrations/${encodeURIComponent(ownOrForeign)}`,
          { auth: auths() },
        );
      case 7:
        // Trusted networks: mostly junk, sometimes a valid CIDR (tracked) on the own integration.
        return chance(0.7)
          ? send('POST', `/v1/integrations/${encodeURIComponent(ownOrForeign)}/trusted-networks`, {
              auth: auths(),
              contentType,
              body: chance(0.1)
                ? JSON.stringify({ cidr: `10.${Math.floor(Math.random() * 250)}.0.0/16`, label: 'fuzz' })
                : body,
            })
          : send(
              'DELETE',
              `/v1/integrations/${encodeURIComponent(ownOrForeign)}/trusted-networks/${encodeURIComponent(pick([randomUUID(), pick(strings)]))}`,
              { auth: auths() },
            );
      case 8:
        // A read-scoped key on every write: 403 (or 4xx for a malformed request), never a change.
        return send(
          pick(['POST', 'PATCH', 'DELETE']),
          pick([
            '/v1/integrations',
            `/v1/integrations/${encodeURIComponent(own.integrationId)}`,
            `/v1/integrations/${encodeURIComponent(own.integrationId)}?purge=true`,
            `/v1/integrations/${encodeURIComponent(own.integrationId)}/${pick(['test', 'collect', 'pause', 'resume'])}`,
            `/v1/integrations/${encodeURIComponent(own.integrationId)}/trusted-networks`,
            `/v1/integrations/${encodeURIComponent(own.integrationId)}/findings/${randomUUID()}`,
          ]),
          {
            auth: `Bearer ${readKey}`,
            contentType: 'application/json',
            body: chance(0.5) ? JSON.stringify(validCreateBody()) : body,
          },
        );
      default: {
        const path = pick([
          '/v1/session',
          `/v1/integrations/${encodeURIComponent(ownOrForeign)}/users/export`,
          `/v1/integrations/${encodeURIComponent(ownOrForeign)}/logins/export`,
          `/v1/integrations/${encodeURIComponent(ownOrForeign)}/trusted-networks`,
          `/v1/integrations/${encodeURIComponent(ownOrForeign)}/findings/${encodeURIComponent(pick([randomUUID(), pick(strings)]))}`,
          '/v1/integrations',
          `/v1/integrations/${encodeURIComponent(ownOrForeign)}`,
          `/v1/integrations/${encodeURIComponent(ownOrForeign)}/users`,
          `/v1/integrations/${encodeURIComponent(ownOrForeign)}/logins`,
          `/v1/integrations/${encodeURIComponent(ownOrForeign)}/runs`,
          `/v1/integrations/${encodeURIComponent(ownOrForeign)}/runs/${encodeURIComponent(pick([randomUUID(), pick(strings)]))}`,
          `/v1/integrations/${encodeURIComponent(ownOrForeign)}/findings`,
          `/v1/integrations/${encodeURIComponent(ownOrForeign)}/unused-accounts`,
          `/v1/integrations/${encodeURIComponent(ownOrForeign)}/auth-activity`,
          '/v1/findings',
          `/${encodeURIComponent(pick(strings))}`,
        ]);
        return send('GET', `${path}${queries()}`, { auth: chance(0.1) ? `Bearer ${keyB}` : auths() });
      }
    }
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < requests) {
        sent += 1;
        await one();
      }
    }),
  );
  const ms = performance.now() - started;

  const problems: string[] = [];
  if (!api.alive()) problems.push('the API process died');
  const health = await fetch(`${api.url}/healthz`)
    .then((r) => r.status)
    .catch(() => 0);
  if (health !== 200) problems.push(`/healthz answered ${health}`);
  if (fiveHundreds.length)
    problems.push(`${fiveHundreds.length} 5xx/failed: ${[...new Set(fiveHundreds)].slice(0, 8).join('; ')}`);
  const after = await counts();
  if (after.tenants !== before.tenants) problems.push(`tenants ${before.tenants}→${after.tenants}`);
  if (after.keys !== before.keys) problems.push(`api_keys ${before.keys}→${after.keys}`);
  if (after.integrations !== before.integrations + created)
    problems.push(
      `integrations ${before.integrations}→${after.integrations} with ${created} valid creations`,
    );
  if (after.runs !== before.runs) problems.push(`collection_runs ${before.runs}→${after.runs}`);
  if (after.networks !== before.networks + networksCreated)
    problems.push(
      `trusted_networks ${before.networks}→${after.networks} with ${networksCreated} valid creations`,
    );
  if (after.statusChanges !== before.statusChanges)
    problems.push(`finding_status_changes ${before.statusChanges}→${after.statusChanges}`);
  if (readKeyWrites.length)
    problems.push(`the read-scoped key wrote: ${readKeyWrites.slice(0, 5).join('; ')}`);
  if ((await foreignRow()) !== foreignBefore) problems.push("the other tenant's integration row changed");
  if (createdIds.length) {
    const [owned] = await sql<{ n: number }[]>`
      select count(*)::int as n from integrations where id in ${sql(createdIds)} and tenant_id = ${tenantA.id}`;
    if (owned!.n !== createdIds.length) problems.push('a created integration landed in another tenant');
  }
  await api.stop();
  await worker.stop();
  return {
    ok: problems.length === 0,
    detail:
      `${sent - unsendable} requests in ${(ms / 1000).toFixed(1)} s (${unsendable} more refused by the HTTP client), ` +
      `statuses ${JSON.stringify(statuses)}, ${created} valid integration and ${networksCreated} trusted-network creations tracked` +
      (problems.length ? `; ${problems.join('; ')}` : '; no 5xx, API alive, nothing else written'),
  };
}

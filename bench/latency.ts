/**
 * API latency (5): p50/p95/p99 and requests/s of the list, status, users, logins and findings endpoints at
 * 50 concurrent connections (autocannon), against the API process on an org of 100,000 users and 5,000,000
 * logins generated in PostgreSQL; the status endpoint reads what a real, running integration workflow mirrored.
 */
import autocannon from 'autocannon';
import { createApiKey, createTenant } from '../platform/api-keys';
import { startApi } from './harness/api-process';
import { generateOrg } from './harness/generate-org';
import { createIntegration, waitForState } from './harness/integration';
import { machine, num, printTable, seconds } from './harness/report';
import { startStack } from './harness/stack';
import { spawnWorker } from './harness/worker-process';
import { createTestIntegration } from '../test/support/factories';

export interface LatencyArgs {
  users: number;
  logins: number;
  duration: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

export async function latency(args: LatencyArgs): Promise<boolean> {
  console.log(`[latency] ${machine()}`);
  const stack = await startStack();
  const { sql } = stack.pg;
  const tenant = await createTenant(sql, 'latency');
  const { key } = await createApiKey(sql, { tenantName: tenant.name });
  const org = {
    salesforceUrl: 'https://bench.my.salesforce.com',
    consumerKey: '3MVG9benchkey',
    consumerSecret: 'benchsecret',
  };
  // The workflow is started idle (awaiting_test: nothing to collect); its worker writes the status mirror.
  const worker = spawnWorker(stack);
  const integration = await createIntegration(
    stack,
    org,
    { licenseMonthlyPrices: { Salesforce: 150 } },
    'latency',
  );
  await sql`update integrations set tenant_id = ${tenant.id} where id = ${integration.integrationId}`;
  // Four more integrations so the list endpoint returns a page, not a single row.
  for (let i = 0; i < 4; i++) {
    await createTestIntegration(sql, { tenantId: tenant.id, displayName: `other ${i}` });
  }
  console.log(`[latency] generating ${num(args.users)} users / ${num(args.logins)} logins in PostgreSQL`);
  const started = performance.now();
  await generateOrg(sql, integration.integrationId, new Date(), args.users, args.logins);
  console.log(`[latency] data generated in ${seconds(performance.now() - started)}`);
  await waitForState(integration, () => true, 60_000);

  const api = await startApi(stack, { API_RATE_LIMIT_PER_MINUTE: '1000000000', DATABASE_POOL_SIZE: '10' });
  const base = `${api.url}/v1/integrations`;
  const id = integration.integrationId;
  const endpoints: Array<[string, string]> = [
    ['list    GET /v1/integrations', base],
    ['status  GET /v1/integrations/{id}', `${base}/${id}`],
    ['users   GET /{id}/users', `${base}/${id}/users`],
    ['logins  GET /{id}/logins', `${base}/${id}/logins`],
    ['findings GET /{id}/findings', `${base}/${id}/findings`],
  ];
  const rows: Array<[string, string]> = [];
  let ok = true;
  for (const [label, url] of endpoints) {
    const check = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
    if (!check.ok) throw new Error(`${label} answered ${check.status}: ${await check.text()}`);
    // A short warm-up so connection pools and plans are ready, then the measured run.
    await autocannon({ url, connections: 50, duration: 2, headers: { authorization: `Bearer ${key}` } });
    const samples: number[] = [];
    const instance = autocannon({
      url,
      connections: 50,
      duration: args.duration,
      headers: { authorization: `Bearer ${key}` },
    });
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) =>
      samples.push(ms),
    );
    const result = await instance;
    samples.sort((a, b) => a - b);
    const p99 = percentile(samples, 99);
    const failed = result.non2xx + result.errors + result.timeouts;
    // Timeouts and errors are figures to report, not a broken bench; only an endpoint that never answers is.
    if (samples.length === 0) ok = false;
    rows.push([
      label,
      `p50 ${percentile(samples, 50).toFixed(1)} ms  p95 ${percentile(samples, 95).toFixed(1)} ms  ` +
        `p99 ${p99.toFixed(1)} ms  ${num(result.requests.total / result.duration)} req/s` +
        `${p99 > 50 ? '  (p99 over 50 ms)' : ''}${failed ? `  ${failed} non-2xx/errors` : ''}`,
    ]);
  }
  printTable(
    `API latency at 50 connections, ${args.duration} s per endpoint (${num(args.users)} users, ${num(args.logins)} logins)`,
    rows,
  );
  console.log(
    `\nJSON ${JSON.stringify({ bench: 'latency', machine: machine(), results: Object.fromEntries(rows) })}`,
  );
  await api.stop();
  await worker.stop();
  return ok;
}

/**
 * Bulk export: one `GET …/logins/export` request streams every login of an org of 5,000,000 (NDJSON, then
 * CSV) from the API process; rows/s, MB/s and the API process's RSS while it streams (sampled from
 * /proc/<pid>/status every 100 ms), against the paged listing's request count for the same rows.
 */
import { readFileSync } from 'node:fs';
import { keysetBatches, selectLogins, toLogin } from '../api/collected-queries';
import { createApiKey, createTenant } from '../platform/api-keys';
import { startApi } from './harness/api-process';
import { generate } from './harness/generate-org';
import { machine, mb, num, printTable, seconds } from './harness/report';
import { startStack } from './harness/stack';
import { createTestIntegration } from '../test/support/factories';

export interface ExportArgs {
  users: number;
  logins: number;
}

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.match(/(\d+)/)?.[1] ?? 0) * 1024;
}

export async function exportBench(args: ExportArgs): Promise<boolean> {
  console.log(`[export] ${machine()}`);
  const stack = await startStack();
  const { sql } = stack.pg;
  const tenant = await createTenant(sql, 'export');
  const { key } = await createApiKey(sql, { tenantName: tenant.name });
  const { integrationId: id } = await createTestIntegration(sql, {
    tenantId: tenant.id,
    displayName: 'export',
  });
  console.log(`[export] generating ${num(args.users)} users / ${num(args.logins)} logins in PostgreSQL`);
  const generatedAt = performance.now();
  await generate(sql, id, new Date(), args.users, args.logins);
  console.log(`[export] data generated in ${seconds(performance.now() - generatedAt)}`);

  // The ceiling: the same batched keyset queries and encoding in this process, without HTTP.
  const ceilingStarted = performance.now();
  let ceilingRows = 0;
  const batches = keysetBatches(
    (page) => selectLogins(sql, id, {}, page),
    (row) => [row.cursor_time, row.id],
    1000,
  );
  for await (const batch of batches) {
    for (const login of batch) JSON.stringify(toLogin(login));
    ceilingRows += batch.length;
  }
  const ceilingMs = performance.now() - ceilingStarted;

  // The production rate limit: the whole export is one request of it.
  const api = await startApi(stack, { API_RATE_LIMIT_PER_MINUTE: '600' });
  const idleRss = rssBytes(api.pid);
  const rows: Array<[string, string]> = [];
  let ok = true;
  for (const format of ['ndjson', 'csv'] as const) {
    const started = performance.now();
    let peak = rssBytes(api.pid);
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(api.pid))), 100);
    const res = await fetch(`${api.url}/v1/integrations/${id}/logins/export?format=${format}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    let bytes = 0;
    let lines = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      for (const byte of chunk) if (byte === 10) lines += 1;
    }
    clearInterval(sampler);
    const ms = performance.now() - started;
    const exported = format === 'csv' ? lines - 1 : lines;
    if (res.status !== 200 || exported !== args.logins) ok = false;
    rows.push([
      format,
      `${num(exported)} rows in ${seconds(ms)}: ${num(exported / (ms / 1000))} rows/s, ${num(bytes / 2 ** 20 / (ms / 1000), 1)} MB/s, ${mb(bytes)} total; API RSS peak ${mb(peak)} (idle ${mb(idleRss)})`,
    ]);
  }
  rows.push([
    'ceiling',
    `${num(ceilingRows)} rows in ${seconds(ceilingMs)}: ${num(ceilingRows / (ceilingMs / 1000))} rows/s (same batched queries and NDJSON encoding in the bench process, no HTTP)`,
  ]);
  rows.push([
    'requests',
    `1 per export (the paged listing needs ${num(Math.ceil(args.logins / 200))} at its maximum page of 200)`,
  ]);
  printTable(`Export of ${num(args.logins)} logins through one API request`, rows);
  await api.stop();
  return ok;
}

/**
 * Collection throughput (1), API efficiency (2), Temporal cost (3) and memory (4): one initial collection of
 * a simulated org through the real worker process, with the PostgreSQL COPY ceiling and a naive row-by-row
 * loader measured in the same run.
 */
import { spawn } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { z } from 'zod';
import type { CreatedOrg } from '../simulator';
import { onCleanup } from './harness/cleanup';
import { fingerprint, totalRows, expectedFromSimulator, collectedTables } from './harness/compare';
import {
  connect,
  createIntegration,
  historyCost,
  requestCollection,
  waitForRun,
} from './harness/integration';
import { machine, mb, num, printTable, seconds } from './harness/report';
import { startBenchSimulator, startStack, type Stack } from './harness/stack';
import { memoryOf, resetPeak, sampleMemory, spawnWorker } from './harness/worker-process';

const jsforceLoader = fileURLToPath(new URL('./harness/jsforce-loader.ts', import.meta.url));

export interface ThroughputArgs {
  users: number;
  logins: number;
  pageSize: number;
  /** LoginHistory segments collected at once (the integration option parallelSegments). */
  segments: number;
}

export async function throughput(args: ThroughputArgs): Promise<boolean> {
  console.log(`[throughput] ${machine()}`);
  const stack = await startStack();
  const sim = await startBenchSimulator();
  const control = sim.simulator.control;
  let started = performance.now();
  const org = control.createOrg({ users: args.users, logins: args.logins, seed: 7 });
  console.log(`[throughput] simulator org generated in ${seconds(performance.now() - started)}`);
  const counts = control.objectCounts(org.key);
  const simulatorAfterGenerate = memoryOf('self')!.rss;

  const integration = await createIntegration(
    stack,
    org,
    { pageSize: args.pageSize, parallelSegments: args.segments },
    'throughput',
  );
  const worker = spawnWorker(stack);
  await connect(integration);
  control.resetCounters(org.key);

  // The worker bundles the workflow code with webpack at start-up, which sets a high-water mark of its own;
  // reset the mark (clear_refs 5, Linux ≥ 4.0) so VmHWM afterwards is the collection's peak alone.
  const startupPeak = memoryOf(worker.pid)!.hwm;
  resetPeak(worker.pid);
  const workerMemory = sampleMemory(worker.pid);
  const benchMemory = sampleMemory('self');
  started = performance.now();
  const runId = await requestCollection(integration);
  const run = await waitForRun(stack.pg.sql, integration, runId, 3_600_000);
  const collectMs = performance.now() - started;
  const workerPeak = workerMemory.stop();
  const benchPeak = benchMemory.stop();
  if (run.status !== 'succeeded') throw new Error(`collection ${run.status}: ${run.error}`);
  const counters = control.counters(org.key);
  await worker.stop();

  // The run also recomputes findings over the new logins after the last object; split the two.
  const [phases] = await stack.pg.sql<{ objectsMs: number; runMs: number; loginHistoryMs: number }[]>`
    select extract(epoch from (max((p.value->>'finishedAt')::timestamptz) - r.started_at)) * 1000 as "objectsMs",
      extract(epoch from (r.finished_at - r.started_at)) * 1000 as "runMs",
      extract(epoch from ((r.progress->'LoginHistory'->>'finishedAt')::timestamptz
        - (r.progress->'LoginHistory'->>'startedAt')::timestamptz)) * 1000 as "loginHistoryMs"
    from collection_runs r, jsonb_each(r.progress) p where r.id = ${runId} group by r.id`;
  const fp = await fingerprint(stack.pg.sql, integration.integrationId);
  const rows = totalRows(fp);
  const expected = expectedFromSimulator(counts);
  const missing = collectedTables.filter((t) => expected[t] !== undefined && fp[t].rows !== expected[t]);
  const cost = await historyCost(stack, integration, 2);

  // Ideal: one query per page of pageSize rows per object (an empty object still costs one query), plus the
  // fixed /limits checks (at most one a minute: a usage figure older than 60 s is refreshed before a page).
  const pages = (n: number | undefined) => Math.ceil((n ?? 0) / args.pageSize);
  const objectRows = collectedTables.map((t) => expected[t] ?? 0);
  const idealData = objectRows.reduce((sum, n) => sum + Math.max(1, pages(n)), 0);
  const fixedLimits = Math.max(1, Math.ceil(collectMs / 60_000));
  const ideal = idealData + fixedLimits;

  const copy = await copyCeiling(stack.pg.url, integration.integrationId);
  const peer = await jsforceLoad(stack, org, integration.integrationId);

  // Throughput is judged on the collection itself (first request to last object written).
  const objectsMs = phases!.objectsMs;
  const rowsPerSecond = rows / (objectsMs / 1000);
  const loginRows = fp.sf_login_history.rows;
  const loginRowsPerSecond = loginRows / (phases!.loginHistoryMs / 1000);
  const results: Array<[string, string]> = [
    [
      'org',
      `${num(counts.User!)} users, ${num(counts.LoginHistory!)} LoginHistory, pageSize ${args.pageSize}`,
    ],
    [
      'rows collected (all 6 objects)',
      `${num(rows)}${missing.length ? `  MISSING in ${missing.join(', ')}` : ''}`,
    ],
    ['collection of the 6 objects', seconds(objectsMs)],
    [
      'whole run incl. findings recompute',
      `${seconds(phases!.runMs)} (Collect Now → idle ${seconds(collectMs)})`,
    ],
    ['collection throughput', `${num(rowsPerSecond)} rows/s`],
    [
      'COPY ceiling (same rows, from memory)',
      `${num(copy.rowsPerSecond)} rows/s (${num(copy.rows)} rows in ${seconds(copy.ms)})`,
    ],
    ['throughput / COPY ceiling', `${((rowsPerSecond / copy.rowsPerSecond) * 100).toFixed(1)} %`],
    [
      `LoginHistory pass (${args.segments} segment${args.segments === 1 ? '' : 's'} at once)`,
      `${num(loginRowsPerSecond)} rows/s (${num(loginRows)} rows in ${seconds(phases!.loginHistoryMs)})`,
    ],
    ['LoginHistory pass / COPY ceiling', `${((loginRowsPerSecond / copy.rowsPerSecond) * 100).toFixed(1)} %`],
    [
      'jsforce 3.7 peer (autoFetch stream, 2,000-row INSERTs)',
      `${num(peer.rowsPerSecond)} rows/s (${num(peer.rows)} rows in ${seconds(peer.ms)}), peak RSS ${mb(peer.peakBytes)}`,
    ],
    ['LoginHistory pass / jsforce peer', `${(loginRowsPerSecond / peer.rowsPerSecond).toFixed(2)} ×`],
    ['REST calls counted (simulator)', `${num(counters.apiCallsCounted)}`],
    [
      'ideal calls (Σ ceil(rows/pageSize) + /limits ≤ 1/min)',
      `${num(idealData)} + ${fixedLimits} = ${num(ideal)}`,
    ],
    ['calls / ideal', `${((counters.apiCallsCounted / ideal) * 100).toFixed(2)} %`],
    [
      'calls by endpoint',
      Object.entries(counters.endpoints)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k} ${n}`)
        .join(', '),
    ],
    ['token requests (apart)', `${counters.tokenRequests} (${counters.tokensIssued} issued)`],
    ['run api_calls (PostgreSQL)', `${run.apiCalls}`],
    ['workflow executions / continue-as-new', `${cost.executions} / ${cost.continuedAsNew}`],
    ['history events per execution', cost.eventsPerExecution.join(', ')],
    [
      'history events of the collection run',
      `${cost.eventsPerExecution[0] ?? 0} (includes Test Connectivity)`,
    ],
    ['largest history', `${cost.largestHistory}`],
    [
      'worker peak RSS during collection (VmHWM)',
      `${mb(workerPeak.peakBytes)} (${workerPeak.samples} samples)`,
    ],
    ['worker peak RSS at start-up (bundling)', mb(startupPeak)],
    [
      'bench process (simulator) RSS',
      `${mb(simulatorAfterGenerate)} after generating, peak ${mb(benchPeak.peakBytes)}`,
    ],
  ];
  printTable('Throughput, API efficiency, Temporal cost, memory', results);
  console.log(
    `\nJSON ${JSON.stringify({ bench: 'throughput', machine: machine(), results: Object.fromEntries(results) })}`,
  );
  return missing.length === 0;
}

/**
 * The storage ceiling: the same rows (every collected table, read into memory first) COPYed into identical empty
 * tables (same columns, constraints and indexes), timing only the COPY.
 */
async function copyCeiling(url: string, integrationId: string) {
  if (!/^[0-9a-f-]{36}$/.test(integrationId)) throw new Error(`not a uuid: ${integrationId}`);
  let rows = 0;
  let ms = 0;
  for (const table of collectedTables) {
    // One connection per COPY direction, ended afterwards: a pooled connection that served a COPY stream
    // was seen to stall the next query on it.
    const reader = postgres(url, { max: 1, onnotice: () => {} });
    const chunks: Buffer[] = [];
    // COPY takes no bind parameters; the id is a uuid we generated (checked above), never user input.
    const source = await reader
      .unsafe(`copy (select * from ${table} where integration_id = '${integrationId}') to stdout`)
      .readable();
    for await (const chunk of source) chunks.push(chunk as Buffer);
    await reader.end({ timeout: 5 });
    const target = `bench_copy_${table}`;
    const writer = postgres(url, { max: 1, onnotice: () => {} });
    await writer`drop table if exists ${writer(target)}`;
    await writer`create table ${writer(target)} (like ${writer(table)} including all)`;
    const started = performance.now();
    const sink = await writer`copy ${writer(target)} from stdin`.writable();
    await pipeline(async function* () {
      yield* chunks;
    }, sink);
    ms += performance.now() - started;
    const [count] = await writer<{ n: number }[]>`select count(*)::int as n from ${writer(target)}`;
    rows += count!.n;
    await writer`drop table ${writer(target)}`;
    await writer.end({ timeout: 5 });
  }
  return { rows, ms, rowsPerSecond: rows / (ms / 1000) };
}

/**
 * The peer: the same LoginHistory work with jsforce (bench/harness/jsforce-loader.ts) in its own process, into an
 * identical empty table (same columns, primary key and indexes), timed and memory-sampled from here.
 */
async function jsforceLoad(stack: Stack, org: CreatedOrg, integrationId: string) {
  const table = 'bench_jsforce_login_history';
  await stack.pg.sql`drop table if exists ${stack.pg.sql(table)}`;
  await stack.pg.sql`create table ${stack.pg.sql(table)} (like sf_login_history including all)`;
  const child = spawn(process.execPath, ['--import', 'tsx', jsforceLoader], {
    env: {
      ...process.env,
      JSFORCE_BENCH: JSON.stringify({
        databaseUrl: stack.pg.url,
        salesforceUrl: org.salesforceUrl,
        consumerKey: org.consumerKey,
        consumerSecret: org.consumerSecret,
        integrationId,
        table,
      }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onCleanup(`jsforce loader ${child.pid}`, async () => {
    child.kill('SIGKILL');
  });
  const memory = sampleMemory(child.pid!);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const peak = memory.stop();
  const line = /^JSFORCE (.*)$/m.exec(out)?.[1];
  if (code !== 0 || !line) throw new Error(`jsforce loader exited with ${code}: ${out.slice(-500)}`);
  const { rows, ms } = z.object({ rows: z.number(), ms: z.number() }).parse(JSON.parse(line));
  await stack.pg.sql`drop table ${stack.pg.sql(table)}`;
  return { rows, ms, rowsPerSecond: rows / (ms / 1000), peakBytes: peak.peakBytes };
}

/**
 * A fleet of orgs collecting at once at real Salesforce latency: does interactive work (Test Connectivity) stay
 * fast, does every org make progress, does anything fail, and how big do histories get?
 *
 *   npm run bench -- fleet [--orgs 200] [--largest 2000000] [--seconds 180] [--slice 20]
 *
 * Phase 1 measures one org alone (the single-org rate at the same latency). Phases 2 and 3 start `--orgs` orgs
 * of mixed sizes (one of `--largest` logins) with 300–800 ms per call, on one worker process and then on two
 * sharing the queues, and for `--seconds` press Test Connectivity on a newcomer org every 2 s.
 */
import { randomInt } from 'node:crypto';
import type { Sql } from '../platform/database';
import { printTable, num, mb, sleep, machine } from './harness/report';
import { startBenchSimulator, startStack, type Stack } from './harness/stack';
import { spawnWorker, sampleMemory, type WorkerProcess } from './harness/worker-process';
import { connect, createIntegration, requestCollection, type BenchIntegration } from './harness/integration';
import { testConnectivityUpdate } from '../workflows/definitions';
import type { RunningSimulator } from '../simulator';

export interface FleetOptions {
  orgs: number;
  largest: number;
  seconds: number;
  sliceSeconds: number;
}

interface FleetOrg {
  integration: BenchIntegration;
  logins: number;
}

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

async function loginRows(sql: Sql, integrationIds: string[]): Promise<Map<string, number>> {
  const rows = await sql<{ integration_id: string; n: number }[]>`
    select integration_id, count(*)::int as n from sf_login_history
    where integration_id = any(${integrationIds}::uuid[]) group by integration_id`;
  return new Map(rows.map((r) => [r.integration_id, r.n]));
}

/** Sizes like a real customer base: mostly small orgs, a few medium and large ones, and one very large. */
function fleetSizes(orgs: number, largest: number): Array<{ users: number; logins: number }> {
  return Array.from({ length: orgs }, (_, i) => {
    if (i === 0) return { users: 5_000, logins: largest };
    if (i % 20 === 0) return { users: 2_000, logins: 100_000 };
    if (i % 5 === 0) return { users: 500, logins: 20_000 };
    return { users: 100, logins: 3_000 };
  });
}

async function newOrg(
  stack: Stack,
  simulator: RunningSimulator,
  size: { users: number; logins: number },
  label: string,
  latencyMs = randomInt(300, 801),
): Promise<FleetOrg> {
  const org = simulator.simulator.control.createOrg({
    users: size.users,
    logins: size.logins,
    seed: randomInt(1, 1_000_000),
    dailyApiMax: 5_000_000,
  });
  simulator.simulator.control.setFaults(org.key, { latencyMs });
  const integration = await createIntegration(stack, org, { loginHistoryDays: 3660 }, label);
  return { integration, logins: size.logins };
}

async function phase(
  stack: Stack,
  simulator: RunningSimulator,
  options: FleetOptions,
  workers: number,
): Promise<Array<[string, string]>> {
  const processes: WorkerProcess[] = Array.from({ length: workers }, () =>
    spawnWorker(stack, stack.taskQueue, { COLLECTION_SLICE_SECONDS: String(options.sliceSeconds) }),
  );
  const memory = processes.map((p) => sampleMemory(p.pid));
  const fleet: FleetOrg[] = [];
  const sizes = fleetSizes(options.orgs, options.largest);
  for (const [i, size] of sizes.entries()) fleet.push(await newOrg(stack, simulator, size, `fleet-${i}`));
  // Connect everyone, then press Collect Now everywhere at once.
  await inBatches(fleet, 25, (org) => connect(org.integration));
  await Promise.all(fleet.map((org) => requestCollection(org.integration)));
  const ids = fleet.map((o) => o.integration.integrationId);
  const start = Date.now();
  const rowsAtStart = [...(await loginRows(stack.pg.sql, ids)).values()].reduce((a, b) => a + b, 0);

  // A newcomer every 2 s: a small org, its Test Connectivity timed as the API would wait for it.
  const testLatencies: number[] = [];
  const testFailures: string[] = [];
  let n = 0;
  while (Date.now() - start < options.seconds * 1000) {
    const newcomer = await newOrg(stack, simulator, { users: 20, logins: 100 }, `newcomer-${n++}`);
    const began = performance.now();
    try {
      const result = await newcomer.integration.handle.executeUpdate(testConnectivityUpdate);
      if (!result.ok) testFailures.push(result.code);
    } catch (error) {
      testFailures.push(String(error));
    }
    testLatencies.push(performance.now() - began);
    await sleep(2000);
  }
  const elapsed = (Date.now() - start) / 1000;
  const perOrg = await loginRows(stack.pg.sql, ids);
  const rows = [...perOrg.values()].reduce((a, b) => a + b, 0) - rowsAtStart;
  // Fair share: among orgs still collecting at the end, the least progress against the most.
  const unfinished = fleet
    .map((o) => ({ done: perOrg.get(o.integration.integrationId) ?? 0, total: o.logins }))
    .filter((o) => o.done < o.total);
  const least = Math.min(...unfinished.map((o) => o.done));
  const most = Math.max(...unfinished.map((o) => o.done));
  const [failed] = await stack.pg.sql<{ n: number }[]>`
    select count(*)::int as n from collection_runs where integration_id = any(${ids}::uuid[]) and status = 'failed'`;
  let largestHistory = 0;
  for await (const execution of stack.temporal.client.workflow.list({
    query: `TaskQueue = '${stack.taskQueue}'`,
  }))
    largestHistory = Math.max(largestHistory, execution.historyLength);
  const peaks = memory.map((m) => m.stop());
  await Promise.all(processes.map((p) => p.stop()));
  // Stop the fleet so the next phase starts from a quiet server.
  await Promise.all(
    fleet.map((o) => o.integration.handle.terminate('fleet bench phase over').catch(() => undefined)),
  );
  return [
    ['worker processes', String(workers)],
    ['orgs collecting', `${options.orgs} (largest ${num(options.largest)} logins), 300–800 ms per call`],
    ['measured for', `${elapsed.toFixed(0)} s, collection slice ${options.sliceSeconds} s`],
    [
      'Test Connectivity p50 / p99 / max',
      `${(percentile(testLatencies, 50) / 1000).toFixed(2)} s / ${(percentile(testLatencies, 99) / 1000).toFixed(2)} s / ${(Math.max(...testLatencies) / 1000).toFixed(2)} s (${testLatencies.length} tests, ${testFailures.length} failed)`,
    ],
    ['LoginHistory rows/s, whole fleet', num(rows / elapsed)],
    [
      'slowest ÷ fastest unfinished org (rows)',
      unfinished.length > 1
        ? `${(least / Math.max(1, most)).toFixed(2)} (${num(least)} / ${num(most)})`
        : 'n/a',
    ],
    ['orgs finished within the window', String(fleet.length - unfinished.length)],
    ['failed runs', String(failed!.n)],
    ['largest history per execution', `${largestHistory} events`],
    ['worker peak RSS (VmHWM)', peaks.map((p) => mb(p.peakBytes)).join(', ')],
  ];
}

export async function fleet(options: FleetOptions): Promise<boolean> {
  console.log(`[bench] fleet on ${machine()}`);
  const stack = await startStack();
  const simulator = await startBenchSimulator();

  // The single-org rate at the same latency, for the ratio.
  const solo = spawnWorker(stack, stack.taskQueue, {
    COLLECTION_SLICE_SECONDS: String(options.sliceSeconds),
  });
  const alone = await newOrg(stack, simulator, { users: 500, logins: 200_000 }, 'solo', 550);
  await connect(alone.integration);
  await requestCollection(alone.integration);
  const soloStart = Date.now();
  await sleep(30_000);
  const soloRows = (await loginRows(stack.pg.sql, [alone.integration.integrationId])).get(
    alone.integration.integrationId,
  );
  const soloRate = (soloRows ?? 0) / ((Date.now() - soloStart) / 1000);
  await alone.integration.handle.terminate('solo phase over');
  await solo.stop();
  printTable('One org alone (550 ms per call)', [['LoginHistory rows/s', num(soloRate)]]);

  let ok = true;
  for (const workers of [1, 2]) {
    const rows = await phase(stack, simulator, options, workers);
    const fleetRate = Number(rows.find(([k]) => k.startsWith('LoginHistory rows/s'))![1].replace(/,/g, ''));
    rows.push(['fleet rows/s ÷ single-org rows/s', (fleetRate / soloRate).toFixed(1)]);
    printTable(`Fleet on ${workers} worker process${workers > 1 ? 'es' : ''}`, rows);
    if (rows.find(([k]) => k === 'failed runs')![1] !== '0') ok = false;
  }
  return ok;
}

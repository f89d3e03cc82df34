/**
 * A large org at real Salesforce latency: every REST call of the simulator answers after 600 ± 200 ms (uniform
 * 400–800 ms), as a 2,000-row LoginHistory page does in production. The same initial collection runs twice
 * through the production worker process, first with one LoginHistory cursor (parallelSegments 1), then with
 * parallel time segments; both must end with exactly the same rows. Reported: wall-clock of the LoginHistory
 * pass and of the whole run, the speed-up, Salesforce calls ÷ ideal, and the worker's peak RSS (the parallel run
 * keeps every collection slot busy on 2,000-record pages).
 */
import { collectedTables, expectedFromSimulator, fingerprint, type Fingerprint } from './harness/compare';
import { connect, createIntegration, requestCollection, waitForRun } from './harness/integration';
import { machine, mb, num, printTable, seconds } from './harness/report';
import { startBenchSimulator, startStack } from './harness/stack';
import { resetPeak, sampleMemory, spawnWorker } from './harness/worker-process';
import type { ThroughputArgs } from './throughput';

/** The org and the collection options, as the throughput bench takes them. */
export type RealisticArgs = ThroughputArgs;

const LATENCY_MS = 400;
const JITTER_MS = 400;

interface Measured {
  loginHistoryMs: number;
  runMs: number;
  calls: number;
  ideal: number;
  peakBytes: number;
  fp: Fingerprint;
}

export async function realistic(args: RealisticArgs): Promise<boolean> {
  console.log(`[realistic] ${machine()}`);
  const stack = await startStack();
  const sim = await startBenchSimulator();
  const control = sim.simulator.control;
  const started = performance.now();
  const org = control.createOrg({ users: args.users, logins: args.logins, seed: 11, dailyApiMax: 5_000_000 });
  console.log(`[realistic] simulator org generated in ${seconds(performance.now() - started)}`);
  const counts = control.objectCounts(org.key);
  const expected = expectedFromSimulator(counts);
  control.setFaults(org.key, { latencyMs: LATENCY_MS, latencyJitterMs: JITTER_MS });

  const worker = spawnWorker(stack);
  const runOnce = async (segments: number): Promise<Measured> => {
    const integration = await createIntegration(
      stack,
      org,
      { pageSize: args.pageSize, parallelSegments: segments },
      `realistic-${segments}`,
    );
    await connect(integration);
    control.resetCounters(org.key);
    resetPeak(worker.pid);
    const memory = sampleMemory(worker.pid);
    const t0 = performance.now();
    const runId = await requestCollection(integration);
    const run = await waitForRun(stack.pg.sql, integration, runId, 4 * 3_600_000);
    const wallMs = performance.now() - t0;
    const peak = memory.stop();
    if (run.status !== 'succeeded') throw new Error(`collection ${run.status}: ${run.error}`);
    const [phase] = await stack.pg.sql<{ loginHistoryMs: number }[]>`
      select extract(epoch from ((progress->'LoginHistory'->>'finishedAt')::timestamptz
        - (progress->'LoginHistory'->>'startedAt')::timestamptz)) * 1000 as "loginHistoryMs"
      from collection_runs where id = ${runId}`;
    const calls = control.counters(org.key).apiCallsCounted;
    console.log(`[realistic] ${segments} segment(s): ${seconds(wallMs)}, ${calls} calls`);
    return {
      loginHistoryMs: phase!.loginHistoryMs,
      runMs: wallMs,
      calls,
      ideal: idealCalls(expected, args.pageSize, wallMs),
      peakBytes: peak.peakBytes,
      fp: await fingerprint(stack.pg.sql, integration.integrationId),
    };
  };

  const sequential = await runOnce(1);
  const parallel = await runOnce(args.segments);
  await worker.stop();

  const missing = (fp: Fingerprint) =>
    collectedTables.filter((t) => expected[t] !== undefined && fp[t].rows !== expected[t]);
  const sameRows = collectedTables.every(
    (t) =>
      sequential.fp[t].rows === parallel.fp[t].rows &&
      sequential.fp[t].checksum === parallel.fp[t].checksum &&
      parallel.fp[t].distinctIds === parallel.fp[t].rows,
  );
  const results: Array<[string, string]> = [
    [
      'org',
      `${num(counts.User!)} users, ${num(counts.LoginHistory!)} LoginHistory, pageSize ${args.pageSize}, ${LATENCY_MS + JITTER_MS / 2} ± ${JITTER_MS / 2} ms per call`,
    ],
    ['LoginHistory pass, 1 cursor', seconds(sequential.loginHistoryMs)],
    [`LoginHistory pass, ${args.segments} segments`, seconds(parallel.loginHistoryMs)],
    ['LoginHistory speed-up', `${(sequential.loginHistoryMs / parallel.loginHistoryMs).toFixed(2)} ×`],
    ['whole run (Collect Now → done), 1 cursor', seconds(sequential.runMs)],
    [`whole run (Collect Now → done), ${args.segments} segments`, seconds(parallel.runMs)],
    ['whole run speed-up', `${(sequential.runMs / parallel.runMs).toFixed(2)} ×`],
    ['Salesforce calls ÷ ideal, 1 cursor', ratio(sequential)],
    [`Salesforce calls ÷ ideal, ${args.segments} segments`, ratio(parallel)],
    ['worker peak RSS, 1 cursor', mb(sequential.peakBytes)],
    [`worker peak RSS, ${args.segments} segments (every slot busy)`, mb(parallel.peakBytes)],
    [
      'rows',
      `identical in both runs: ${sameRows ? 'yes' : 'NO'}; missing: ${[...missing(sequential.fp), ...missing(parallel.fp)].join(', ') || 'none'}`,
    ],
  ];
  printTable('Realistic latency: one cursor vs parallel LoginHistory segments', results);
  console.log(
    `\nJSON ${JSON.stringify({ bench: 'realistic', machine: machine(), results: Object.fromEntries(results) })}`,
  );
  return sameRows && missing(sequential.fp).length === 0 && missing(parallel.fp).length === 0;
}

/** Σ max(1, ceil(rows / pageSize)) per object, plus at most one /limits read a minute. */
function idealCalls(
  expected: ReturnType<typeof expectedFromSimulator>,
  pageSize: number,
  wallMs: number,
): number {
  const data = collectedTables.reduce(
    (sum, t) => sum + Math.max(1, Math.ceil((expected[t] ?? 0) / pageSize)),
    0,
  );
  return data + Math.max(1, Math.ceil(wallMs / 60_000));
}

const ratio = (m: Measured) => `${num(m.calls)} ÷ ${num(m.ideal)} = ${(m.calls / m.ideal).toFixed(3)}`;

/**
 * Benchmarks and failure drills: `npm run bench -- <name> [--option value]`.
 *
 *   throughput   collection rows/s vs the COPY ceiling and a jsforce peer; API calls; Temporal history; worker RSS
 *   realistic    a large org at 600 ± 200 ms per Salesforce call: sequential vs parallel LoginHistory segments
 *   latency      API p50/p95/p99 and requests/s at 50 connections on 100k users / 5M logins
 *   export       one streaming export of 5M logins (NDJSON and CSV): rows/s, MB/s, API RSS
 *   drills       every failure drill (or one: kill, faults, postgres-restart, quota, fuzz)
 *   insights     bench/insights-latency.ts
 *   fleet        200 orgs at 300–800 ms per call on one, then two workers: Test Connectivity p99, fairness
 *   simulator    the simulator alone: LoginHistory pages/s and rows/s over HTTP, with and without gzip
 *   page-cost    CPU per 2,000-record LoginHistory page in the worker's read path, step by step
 *   all          all of the above, one after the other
 *
 * `--compiled` runs the worker and API child processes from the compiled build (dist/, made first from the
 * working tree) instead of the TypeScript sources through tsx.
 *
 * Exits non-zero when a drill loses data (or anything fails); everything started is stopped either way.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { cleanupAll } from './harness/cleanup';
import { selectEntryRuntime } from './harness/runtime';

const names = [
  'throughput',
  'realistic',
  'latency',
  'export',
  'drills',
  'kill',
  'faults',
  'postgres-restart',
  'quota',
  'fuzz',
  'insights',
  'fleet',
  'simulator',
  'page-cost',
  'all',
] as const;

const parsed = parseArgs({
  allowPositionals: true,
  options: {
    users: { type: 'string' },
    logins: { type: 'string' },
    segments: { type: 'string' },
    'page-size': { type: 'string' },
    duration: { type: 'string' },
    requests: { type: 'string' },
    orgs: { type: 'string' },
    largest: { type: 'string' },
    seconds: { type: 'string' },
    slice: { type: 'string' },
    compiled: { type: 'boolean' },
  },
});
const args = z
  .object({
    name: z.enum(names),
    users: z.coerce.number().int().min(100).optional(),
    logins: z.coerce.number().int().min(1000).optional(),
    segments: z.coerce.number().int().min(1).max(25).default(8),
    pageSize: z.coerce.number().int().min(200).max(2000).default(2000),
    duration: z.coerce.number().int().min(1).default(10),
    requests: z.coerce.number().int().min(100).default(3000),
    orgs: z.coerce.number().int().min(2).default(200),
    largest: z.coerce.number().int().min(1000).default(2_000_000),
    seconds: z.coerce.number().int().min(10).default(180),
    slice: z.coerce.number().int().min(1).default(20),
    compiled: z.boolean().default(false),
  })
  .parse({
    name: parsed.positionals[0] ?? 'all',
    users: parsed.values.users,
    logins: parsed.values.logins,
    segments: parsed.values.segments,
    pageSize: parsed.values['page-size'],
    duration: parsed.values.duration,
    requests: parsed.values.requests,
    orgs: parsed.values.orgs,
    largest: parsed.values.largest,
    seconds: parsed.values.seconds,
    slice: parsed.values.slice,
    compiled: parsed.values.compiled,
  });

async function runOne(name: (typeof names)[number]): Promise<boolean> {
  switch (name) {
    case 'throughput': {
      const { throughput } = await import('./throughput');
      return throughput({
        users: args.users ?? 20_000,
        logins: args.logins ?? 1_000_000,
        pageSize: args.pageSize,
        segments: args.segments,
      });
    }
    case 'realistic': {
      const { realistic } = await import('./realistic');
      return realistic({
        users: args.users ?? 20_000,
        logins: args.logins ?? 2_000_000,
        pageSize: args.pageSize,
        segments: args.segments,
      });
    }
    case 'latency': {
      const { latency } = await import('./latency');
      return latency({
        users: args.users ?? 100_000,
        logins: args.logins ?? 5_000_000,
        duration: args.duration,
      });
    }
    case 'page-cost': {
      const { pageCost } = await import('./page-cost');
      return pageCost({ logins: args.logins ?? 100_000 });
    }
    case 'export': {
      const { exportBench } = await import('./export');
      return exportBench({ users: args.users ?? 100_000, logins: args.logins ?? 5_000_000 });
    }
    case 'drills':
    case 'kill':
    case 'faults':
    case 'postgres-restart':
    case 'quota':
    case 'fuzz': {
      const { drills } = await import('./drills');
      return drills(name === 'drills' ? ['kill', 'faults', 'postgres-restart', 'quota', 'fuzz'] : [name], {
        requests: args.requests,
      });
    }
    case 'insights': {
      // Someone else's script; run it as it is, in its own process.
      const script = fileURLToPath(new URL('./insights-latency.ts', import.meta.url));
      const result = spawnSync(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit' });
      return result.status === 0;
    }
    case 'fleet': {
      const { fleet } = await import('./fleet');
      return fleet({
        orgs: args.orgs,
        largest: args.largest,
        seconds: args.seconds,
        sliceSeconds: args.slice,
      });
    }
    case 'simulator': {
      const { simulatorSpeed } = await import('./simulator-speed');
      return simulatorSpeed({ logins: args.logins ?? 1_000_000 });
    }
    case 'all': {
      let ok = true;
      for (const each of ['throughput', 'latency', 'drills', 'insights'] as const) {
        ok = (await runOne(each)) && ok;
        await cleanupAll();
      }
      return ok;
    }
  }
}

let ok = false;
try {
  await selectEntryRuntime(args.compiled ? 'compiled' : 'tsx');
  ok = await runOne(args.name);
} catch (error) {
  console.error('[bench] failed:', error);
} finally {
  await cleanupAll();
}
console.log(`\n[bench] ${args.name}: ${ok ? 'PASS' : 'FAIL'}`);
process.exit(ok ? 0 : 1);

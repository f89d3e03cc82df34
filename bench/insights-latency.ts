/**
 * Insight query latency at scale: 100,000 users and 5,000,000 logins generated in PostgreSQL with
 * generate_series, in a database this script creates and drops. Prints p50/p95 per insight query, the time
 * of a full and an incremental findings recompute, and (with --explain) the plans behind them.
 *
 *   npx tsx bench/insights-latency.ts [--users 100000] [--logins 5000000] [--iterations 40] [--explain]
 *     [--database name] [--skip-recompute]
 *
 * --database keeps the generated database under that name and reuses it on the next run (generation takes
 * minutes; pending migrations are applied to it), so query changes can be measured again in seconds.
 *
 * PostgreSQL: BENCH_POSTGRES_URL (a server URL whose user may create databases), else an embedded
 * PostgreSQL in a temporary directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { z } from 'zod';
import { freePort } from '../platform/ports';
import { startEmbeddedPostgres, type RunningPostgres } from '../dev/embedded-postgres';
import {
  topFailingIps,
  topFailingIpsQuery,
  topFailingUsers,
  topFailingUsersQuery,
} from '../insights/auth-activity/failures';
import { authActivitySummary } from '../insights/auth-activity/summary';
import { loginTimeline } from '../insights/auth-activity/timeline';
import { listFindings, recomputeFindings } from '../insights/findings';
import { apiOnlyUsersQuery, reclaimableUsersQuery, unusedAccounts } from '../insights/unused-accounts';
import { createSql } from '../platform/database';
import { applyMigrations } from '../platform/migrate';
import { generate, plantFindings, timed } from './harness/generate-org';
import { createTestIntegration } from '../test/support/factories';

const DAY = 86_400_000;

const args = z
  .object({
    users: z.coerce.number().int().min(1000).default(100_000),
    logins: z.coerce.number().int().min(10_000).default(5_000_000),
    iterations: z.coerce.number().int().min(5).default(40),
    explain: z.boolean().default(false),
    'skip-recompute': z.boolean().default(false),
    database: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/)
      .optional(),
  })
  .parse(
    parseArgs({
      options: {
        users: { type: 'string' },
        logins: { type: 'string' },
        iterations: { type: 'string' },
        explain: { type: 'boolean' },
        database: { type: 'string' },
        'skip-recompute': { type: 'boolean' },
      },
    }).values,
  );

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function measure(label: string, iterations: number, run: () => Promise<unknown>) {
  for (let i = 0; i < 3; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const p50 = percentile(samples, 50);
  const p95 = percentile(samples, 95);
  console.log(
    `${label.padEnd(44)} p50 ${p50.toFixed(1).padStart(7)} ms   p95 ${p95.toFixed(1).padStart(7)} ms${p95 > 100 ? '   OVER 100 ms' : ''}`,
  );
  return { label, p50, p95 };
}

async function main() {
  let embedded: RunningPostgres | undefined;
  let dataDir: string | undefined;
  let adminUrl = process.env.BENCH_POSTGRES_URL;
  if (!adminUrl) {
    dataDir = mkdtempSync(join(tmpdir(), 'ic-bench-pg-'));
    embedded = await startEmbeddedPostgres({ dataDir, port: await freePort() });
    adminUrl = embedded.url;
  }
  const database = args.database ?? `ic_bench_insights_${Date.now()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const [existing] = await admin`select 1 from pg_database where datname = ${database}`;
  const reuse = Boolean(existing) && args.database !== undefined;
  if (!reuse) await admin`create database ${admin(database)}`;
  const url = withDatabase(adminUrl, database);
  const sql = createSql({ url, poolSize: 4, applicationName: 'insights-bench' });
  try {
    await applyMigrations(url);
    // A reused database keeps its generation time as the integration's created_at: the data is relative to it.
    const [previous] = reuse
      ? await sql<{ id: string; tenant_id: string; created_at: Date }[]>`
          select id, tenant_id, created_at from integrations where display_name = 'Bench'
        `
      : [];
    const now = previous?.created_at ?? new Date();
    let integrationId: string;
    let tenantId: string;
    if (previous) {
      ({ id: integrationId, tenant_id: tenantId } = previous);
      console.log(`Reusing database ${database} generated at ${now.toISOString()}`);
    } else {
      ({ tenantId, integrationId } = await createTestIntegration(sql, {
        displayName: 'Bench',
        options: { licenseMonthlyPrices: { Salesforce: 150, 'Salesforce Platform': 25 } },
      }));
      // A later run reuses this database and reads its generation time from here.
      await sql`update integrations set created_at = ${now} where id = ${integrationId}`;
      console.log(
        `Generating ${args.users.toLocaleString('en')} users / ${args.logins.toLocaleString('en')} logins`,
      );
      await timed('Data generated', () => generate(sql, integrationId, now, args.users, args.logins));
    }

    const since = new Date(now.getTime() - DAY);
    if (!args['skip-recompute']) {
      console.log('\nFindings recompute');
      const steps = (step: string, ms: number) => console.log(`    ${step.padEnd(34)} ${ms} ms`);
      const full = await timed('  full (since = null)', () =>
        recomputeFindings(sql, { integrationId, since: null, now, onStep: steps }),
      );
      console.log(`    opened ${full.opened}, updated ${full.updated}`, full.byKind);
      const incremental = await timed('  incremental (since = now − 1 day, ~1/180 of the logins)', () =>
        recomputeFindings(sql, { integrationId, since, now, onStep: steps }),
      );
      console.log(`    opened ${incremental.opened}, updated ${incremental.updated}`);
      await timed('  incremental (since = now − 1 hour)', () =>
        recomputeFindings(sql, { integrationId, since: new Date(now.getTime() - 3_600_000), now }),
      );
    }

    const [planted] = await sql<{ n: number }[]>`
      select count(*)::int as n from findings where integration_id = ${integrationId} and dedupe_key like 'bench:%'
    `;
    if (planted!.n === 0) {
      // Findings to page through: the synthetic org is clean, so plant 20,000 directly (also into a reused
      // database whose earlier run stopped before this step).
      await plantFindings(sql, integrationId, now);
    }
    await sql`vacuum analyze findings`;
    await sql`vacuum analyze login_daily_counts`;
    // The recompute's tables, as autovacuum would leave them: the reports rely on index-only scans.
    for (const table of [
      'user_login_rollups',
      'login_failure_daily',
      'user_license_activity',
      'user_failure_totals',
      'ip_failure_totals',
    ]) {
      await sql`vacuum analyze ${sql(table)}`;
    }

    const last30 = { from: new Date(now.getTime() - 30 * DAY), to: now };
    const last180 = { from: new Date(now.getTime() - 180 * DAY), to: now };
    const someUser = '005BENCH0000012345';
    console.log(`\nInsight queries (${args.iterations} runs each after 3 warm-ups)`);
    const results = [
      await measure('unused accounts (days=90, 1,000 listed)', args.iterations, () =>
        unusedAccounts(sql, integrationId, { days: 90, limit: 1000, asOf: now }),
      ),
      await measure('unused accounts (days=30)', args.iterations, () =>
        unusedAccounts(sql, integrationId, { days: 30, limit: 1000, asOf: now }),
      ),
      // The CSV's list: every reclaimable user, no page.
      await measure('unused accounts (days=90, every user)', args.iterations, () =>
        unusedAccounts(sql, integrationId, { days: 90, limit: null, asOf: now }),
      ),
      await measure('auth summary by day, 30 days', args.iterations, () =>
        authActivitySummary(sql, integrationId, { groupBy: 'day', ...last30 }),
      ),
      await measure('auth summary by week, 180 days', args.iterations, () =>
        authActivitySummary(sql, integrationId, { groupBy: 'week', ...last180 }),
      ),
      // A zone other than the integration's (UTC here): aggregated from LoginHistory, not the rollup.
      await measure('auth summary by day, 30 days, another zone', args.iterations, () =>
        authActivitySummary(sql, integrationId, { groupBy: 'day', ...last30, timeZone: 'America/New_York' }),
      ),
      await measure('top failing users, 30 days', args.iterations, () =>
        topFailingUsers(sql, integrationId, { ...last30, limit: 50 }),
      ),
      await measure('top failing IPs, 30 days', args.iterations, () =>
        topFailingIps(sql, integrationId, { ...last30, limit: 50 }),
      ),
      await measure('top failing users, 180 days', args.iterations, () =>
        topFailingUsers(sql, integrationId, { ...last180, limit: 50 }),
      ),
      // Half the history inside, half outside: the worst case for either plan of the failure rollups.
      await measure('top failing users, 90 days (worst case)', args.iterations, () =>
        topFailingUsers(sql, integrationId, { from: new Date(now.getTime() - 90 * DAY), to: now, limit: 50 }),
      ),
      await measure('top failing IPs, 180 days', args.iterations, () =>
        topFailingIps(sql, integrationId, { ...last180, limit: 50 }),
      ),
      await measure('login timeline of one user, 180 days', args.iterations, () =>
        loginTimeline(sql, integrationId, { userId: someUser, ...last180, limit: 1000 }),
      ),
      await measure('findings page (integration, 50)', args.iterations, () =>
        listFindings(sql, { tenantId, integrationId, limit: 50 }),
      ),
      await measure('findings page (tenant, status=open, kind)', args.iterations, () =>
        listFindings(sql, { tenantId, status: 'open', kind: 'new_country', limit: 50 }),
      ),
    ];
    const over = results.filter((r) => r.p95 > 100);
    console.log(
      over.length === 0
        ? '\nEvery insight query p95 ≤ 100 ms'
        : `\n${over.length} queries over 100 ms at p95`,
    );

    if (args.explain) {
      const plan = async (label: string, query: postgres.PendingQuery<postgres.Row[]>) => {
        const rows = await sql`explain (analyze, costs off, summary on) ${query}`;
        console.log(`\n-- ${label}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`);
      };
      const cutoff = new Date(now.getTime() - 90 * DAY);
      await plan(
        'unused accounts: reclaimable users',
        reclaimableUsersQuery(sql, integrationId, cutoff, 1000) as unknown as postgres.PendingQuery<
          postgres.Row[]
        >,
      );
      await plan(
        'unused accounts: API-only users',
        apiOnlyUsersQuery(sql, integrationId) as unknown as postgres.PendingQuery<postgres.Row[]>,
      );
      const asPlan = (query: unknown) => query as postgres.PendingQuery<postgres.Row[]>;
      await plan(
        'top failing users, 30 days (daily sums)',
        asPlan(topFailingUsersQuery(sql, integrationId, { ...last30, limit: 50 }, 'days')),
      );
      await plan(
        'top failing users, 180 days (totals − outside days)',
        asPlan(topFailingUsersQuery(sql, integrationId, { ...last180, limit: 50 }, 'totals')),
      );
      await plan(
        'top failing IPs, 180 days (totals − outside days)',
        asPlan(topFailingIpsQuery(sql, integrationId, { ...last180, limit: 50 }, 'totals')),
      );
      await plan(
        'auth summary by day, 30 days',
        sql`
          select day, dimension, value, sum(logins) from login_daily_counts
          where integration_id = ${integrationId} and dimension = 'status'
            and day >= ${last30.from}::date and day < ${now}::date + 1
          group by 1, 2, 3`,
      );
      await plan(
        'incremental brute-force scan (since = now − 1 day)',
        sql`
          select user_id, count(*) over (partition by user_id order by login_time
            range between interval '20 minutes' preceding and current row)
          from sf_login_history
          where integration_id = ${integrationId} and status <> 'Success'
            and login_time >= ${new Date(since.getTime() - 30 * 60_000)}`,
      );
    }
  } finally {
    await sql.end({ timeout: 5 });
    if (!args.database) await admin`drop database if exists ${admin(database)} with (force)`;
    await admin.end({ timeout: 5 });
    if (embedded) await embedded.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();

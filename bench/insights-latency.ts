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
import { freePort } from '../dev/ports';
import { startEmbeddedPostgres, type RunningPostgres } from '../dev/embedded-postgres';
import {
  authActivitySummary,
  loginTimeline,
  topFailingIps,
  topFailingIpsQuery,
  topFailingUsers,
  topFailingUsersQuery,
} from '../insights/auth-activity';
import { listFindings, recomputeFindings } from '../insights/findings';
import { apiOnlyUsersQuery, reclaimableUsersQuery, unusedAccounts } from '../insights/unused-accounts';
import { createSql, type Sql } from '../platform/database';
import { applyMigrations } from '../platform/migrate';

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

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  console.log(`${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

/** Users, permissions and LoginHistory for one integration, all generated server-side. */
async function generate(sql: Sql, integrationId: string, now: Date, users: number, logins: number) {
  const historyStart = new Date(now.getTime() - 180 * DAY);
  await sql`
    insert into sf_user_licenses (integration_id, id, name, status, total_licenses, used_licenses) values
      (${integrationId}, '100BENCH00000001', 'Salesforce', 'Active', ${users}, ${Math.floor(users * 0.8)}),
      (${integrationId}, '100BENCH00000002', 'Salesforce Platform', 'Active', ${users}, ${Math.floor(users * 0.1)}),
      (${integrationId}, '100BENCH00000003', 'Salesforce Integration', 'Active', 5000, ${Math.floor(users * 0.02)})
  `;
  await sql`
    insert into sf_permission_sets (
      integration_id, id, name, is_owned_by_profile, profile_id, modify_all_data, view_all_data, api_user_only
    ) values
      (${integrationId}, '0PSBENCH0000001', 'X00eADMIN', true, '00eBENCHADMIN01', true, true, false),
      (${integrationId}, '0PSBENCH0000002', 'X00eSTANDARD', true, '00eBENCHSTD0001', false, false, false),
      (${integrationId}, '0PSBENCH0000003', 'X00eAPIONLY', true, '00eBENCHAPI0001', false, false, true),
      (${integrationId}, '0PSBENCH0000004', 'Audit_View_All_Data', false, null, false, true, false)
  `;
  // Users: 1 % admins, 2 % API-only integrations, 5 % inactive, 1 % frozen; users n ≡ 0 (mod 10) never
  // appear in LoginHistory (the unused and never-logged-in population).
  await sql`
    insert into sf_users (
      integration_id, id, username, name, is_active, user_type, profile_id, profile_name, user_license_id,
      user_license_name, created_at, last_modified_at, system_modstamp
    )
    select ${integrationId}, '005BENCH' || lpad(n::text, 10, '0'), 'user' || n || '@bench.example.com',
      'User ' || n, n % 20 <> 3, 'Standard',
      case when n % 100 = 1 then '00eBENCHADMIN01' when n % 50 = 2 then '00eBENCHAPI0001' else '00eBENCHSTD0001' end,
      case when n % 100 = 1 then 'System Administrator' when n % 50 = 2 then 'API Only' else 'Standard User' end,
      case when n % 50 = 2 then '100BENCH00000003' when n % 10 = 9 then '100BENCH00000002' else '100BENCH00000001' end,
      case when n % 50 = 2 then 'Salesforce Integration' when n % 10 = 9 then 'Salesforce Platform' else 'Salesforce' end,
      ${historyStart}::timestamptz - make_interval(days => 30 + n % 900),
      -- Deactivated (n ≡ 3 mod 20) "now", after their last login: a clean org has no attempts on them.
      ${now}, ${historyStart}::timestamptz
    from generate_series(1, ${users}) n
  `;
  await sql`
    insert into sf_user_logins (integration_id, id, user_id, is_frozen, is_password_locked, last_modified_at)
    select ${integrationId}, '0YwBENCH' || lpad(n::text, 10, '0'), '005BENCH' || lpad(n::text, 10, '0'),
      n % 100 = 7, false, ${now}
    from generate_series(1, ${users}) n
  `;
  await sql`
    insert into sf_permission_set_assignments (integration_id, id, assignee_id, permission_set_id)
    select ${integrationId}, '0PaBENCH' || lpad(n::text, 10, '0'), '005BENCH' || lpad(n::text, 10, '0'),
      case when n % 100 = 1 then '0PSBENCH0000001' when n % 50 = 2 then '0PSBENCH0000003' else '0PSBENCH0000002' end
    from generate_series(1, ${users}) n
  `;

  // Bulk load without the secondary indexes, then rebuild them: the definitions are read back from the
  // catalog (pg_get_indexdef of the migrated schema), so the benchmark measures exactly the shipped indexes.
  const indexes = await sql<{ name: string; definition: string }[]>`
    select indexrelid::regclass::text as name, pg_get_indexdef(indexrelid) as definition
    from pg_index where indrelid = 'sf_login_history'::regclass and not indisprimary
  `;
  for (const index of indexes) await sql`drop index ${sql(index.name)}`;
  await timed(`  LoginHistory: ${logins.toLocaleString('en')} rows`, async () => {
    const chunk = 1_000_000;
    for (let from = 1; from <= logins; from += chunk) {
      const to = Math.min(logins, from + chunk - 1);
      // Users k ∈ [0, 0.9·users) map to n = ⌊k/9⌋·10 + k mod 9 + 1, skipping every n ≡ 0 (mod 10); the
      // multiplier spreads consecutive logins over users. ~3.2 % failures; countries fixed per user.
      await sql`
        insert into sf_login_history (
          integration_id, id, user_id, login_time, login_type, status, source_ip, application, browser,
          platform, country_iso, geo_country_iso, geo_city, geo_latitude, geo_longitude
        )
        select ${integrationId}, '0YaBENCH' || lpad(i::text, 10, '0'),
          '005BENCH' || lpad(n::text, 10, '0'),
          ${historyStart}::timestamptz + (i::float8 / ${logins}) * interval '180 days',
          case when n % 50 = 2 then 'Remote Access 2.0' when i % 7 = 0 then 'SAML Sfdc Initiated SSO' else 'Application' end,
          case when i % 31 = 0 then (array['Invalid Password', 'Password Lockout', 'Restricted IP'])[1 + i % 3]
            else 'Success' end,
          '10.' || (n % 250) || '.' || (n / 250 % 250) || '.' || (1 + i % 2),
          case when n % 50 = 2 then 'Integration' when i % 5 = 0 then 'Salesforce for iOS' else 'Browser' end,
          'Chrome 125', 'Windows 11',
          c.iso, c.iso, c.city, c.lat, c.lon
        from generate_series(${from}::bigint, ${to}::bigint) i
        cross join lateral (select ((i * 7919) % ${Math.floor(users * 0.9)})::int as k) k
        cross join lateral (select (k.k / 9) * 10 + k.k % 9 + 1 as n) u
        cross join lateral (
          select * from (values
            (0, 'US', 'New York', 40.71, -74.0), (1, 'GB', 'London', 51.5, -0.12), (2, 'DE', 'Berlin', 52.52, 13.4),
            (3, 'FR', 'Paris', 48.85, 2.35), (4, 'IN', 'Bengaluru', 12.97, 77.59), (5, 'JP', 'Tokyo', 35.68, 139.69),
            (6, 'AU', 'Sydney', -33.87, 151.21)
          ) v(slot, iso, city, lat, lon) where v.slot = u.n % 7
        ) c
      `;
    }
  });
  await timed(`  ${indexes.length} LoginHistory indexes rebuilt`, async () => {
    await sql`set maintenance_work_mem = '512MB'`;
    // Catalog-generated DDL (pg_get_indexdef), not user input: the one place unsafe() is appropriate.
    for (const index of indexes) await sql.unsafe(index.definition);
  });
  await sql`
    update sf_users u set last_login_at = s.last_success
    from (
      select user_id, max(login_time) as last_success from sf_login_history
      where integration_id = ${integrationId} and status = 'Success' group by user_id
    ) s
    where u.integration_id = ${integrationId} and u.id = s.user_id
  `;
  await sql`vacuum analyze sf_login_history`;
  await sql`vacuum analyze sf_users`;
  await sql`vacuum analyze sf_user_logins`;
  await sql`vacuum analyze sf_permission_set_assignments`;
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
      const [tenant] = await sql<{ id: string }[]>`insert into tenants (name) values ('bench') returning id`;
      const [integration] = await sql<{ id: string }[]>`
        insert into integrations (
          tenant_id, display_name, salesforce_url, consumer_key, consumer_secret_ciphertext, consumer_secret_key_id,
          consumer_secret_last4, options, created_at
        ) values (
          ${tenant!.id}, 'Bench', 'https://bench.my.salesforce.com', 'key', ${Buffer.from('x')}, 'bench', 'xxxx',
          ${sql.json({ licenseMonthlyPrices: { Salesforce: 150, 'Salesforce Platform': 25 } })}, ${now}
        ) returning id
      `;
      integrationId = integration!.id;
      tenantId = tenant!.id;
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

    if (!previous) {
      // Findings to page through: the synthetic org is clean, so plant 20,000 directly.
      await sql`
        insert into findings (
          integration_id, kind, severity, dedupe_key, subject, user_id, user_ids, first_seen_at, last_seen_at, status
        )
        select ${integrationId}, (array['brute_force', 'new_country', 'impossible_travel'])[1 + n % 3],
          (array['medium', 'high', 'critical'])[1 + n % 3], 'bench:' || n, '005BENCH' || lpad(n::text, 10, '0'),
          '005BENCH' || lpad(n::text, 10, '0'), array['005BENCH' || lpad(n::text, 10, '0')],
          ${now}::timestamptz - make_interval(mins => n * 13), ${now}::timestamptz - make_interval(mins => n * 13),
          case when n % 4 = 0 then 'acknowledged' else 'open' end
        from generate_series(1, 20000) n
      `;
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
      await measure('auth summary by day, 30 days', args.iterations, () =>
        authActivitySummary(sql, integrationId, { groupBy: 'day', ...last30 }),
      ),
      await measure('auth summary by week, 180 days', args.iterations, () =>
        authActivitySummary(sql, integrationId, { groupBy: 'week', ...last180 }),
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

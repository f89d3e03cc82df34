import type { Sql } from '../../platform/database';

const DAY = 86_400_000;

/** Runs `work` and prints how long it took. */
export async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  console.log(`${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

/**
 * An org of `users` users and `logins` LoginHistory rows for one integration, generated server-side with
 * generate_series, the generator bench/insights-latency.ts uses too, plus
 * 20,000 findings to page through.
 */
export async function generateOrg(sql: Sql, integrationId: string, now: Date, users: number, logins: number) {
  await generate(sql, integrationId, now, users, logins);
  await plantFindings(sql, integrationId, now);
  await sql`vacuum analyze findings`;
}

/**
 * 20,000 findings (brute force, new country, impossible travel; every fourth acknowledged) to page through:
 * the generated org is clean, so the findings listing would otherwise have nothing to read.
 */
export async function plantFindings(sql: Sql, integrationId: string, now: Date) {
  await sql`
    insert into findings (
      integration_id, kind, severity, dedupe_key, subject, user_id, user_ids, first_seen_at, last_seen_at,
      span_from, span_to, status
    )
    select ${integrationId}, (array['brute_force', 'new_country', 'impossible_travel'])[1 + n % 3],
      (array['medium', 'high', 'critical'])[1 + n % 3], 'bench:' || n, '005BENCH' || lpad(n::text, 10, '0'),
      '005BENCH' || lpad(n::text, 10, '0'), array['005BENCH' || lpad(n::text, 10, '0')],
      ${now}::timestamptz - make_interval(mins => n * 13), ${now}::timestamptz - make_interval(mins => n * 13),
      ${now}::timestamptz - make_interval(mins => n * 13), ${now}::timestamptz - make_interval(mins => n * 13),
      case when n % 4 = 0 then 'acknowledged' else 'open' end
    from generate_series(1, 20000) n
  `;
}

/** Users, permissions and LoginHistory for one integration, all generated server-side. */
export async function generate(sql: Sql, integrationId: string, now: Date, users: number, logins: number) {
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

import { describe, expect, it } from 'vitest';
import { topFailingIps, topFailingUsers } from '../../insights/auth-activity/failures';
import { recomputeFindings } from '../../insights/findings';
import { unusedAccounts } from '../../insights/unused-accounts';
import { createSimulator, type ScenarioKind } from '../../simulator';
import { useTestServices } from '../support/context';
import { createTenantIntegration, insertLogins, insertUsers } from './fixtures';
import { loadOrgThroughRest } from './load-org';
import {
  topFailingIpsFromLoginHistory,
  topFailingUsersFromLoginHistory,
  unusedAccountsFromSourceTables,
} from './oracles';

const DAY = 86_400_000;

const { sql } = useTestServices();

/** Rows of either rollup that differ from the same aggregate computed from LoginHistory now (0 = exact). */
async function rollupDrift(integrationId: string) {
  const [row] = await sql<
    { users: number; failures: number; userTotals: number; ipTotals: number; licenseActivity: number }[]
  >`
    select
      (select count(*)::int from (
        (select user_id, first_login_at, last_login_at, last_success_at
          from user_login_rollups where integration_id = ${integrationId}
        except all
        select user_id, min(login_time), max(login_time), max(login_time) filter (where status = 'Success')
          from sf_login_history where integration_id = ${integrationId} group by user_id)
        union all
        (select user_id, min(login_time), max(login_time), max(login_time) filter (where status = 'Success')
          from sf_login_history where integration_id = ${integrationId} group by user_id
        except all
        select user_id, first_login_at, last_login_at, last_success_at
          from user_login_rollups where integration_id = ${integrationId})
      ) d) as users,
      (select count(*)::int from (
        (select day, user_id, source_ip, failures, last_failure_at
          from login_failure_daily where integration_id = ${integrationId}
        except all
        select (login_time at time zone 'UTC')::date, user_id, source_ip, count(*)::int, max(login_time)
          from sf_login_history where integration_id = ${integrationId} and status <> 'Success' group by 1, 2, 3)
        union all
        (select (login_time at time zone 'UTC')::date, user_id, source_ip, count(*)::int, max(login_time)
          from sf_login_history where integration_id = ${integrationId} and status <> 'Success' group by 1, 2, 3
        except all
        select day, user_id, source_ip, failures, last_failure_at
          from login_failure_daily where integration_id = ${integrationId})
      ) d) as failures,
      (select count(*)::int from (
        (select user_id, failures, last_failure_at from user_failure_totals where integration_id = ${integrationId}
        except all
        select user_id, count(*)::int, max(login_time)
          from sf_login_history where integration_id = ${integrationId} and status <> 'Success' group by 1)
        union all
        (select user_id, count(*)::int, max(login_time)
          from sf_login_history where integration_id = ${integrationId} and status <> 'Success' group by 1
        except all
        select user_id, failures, last_failure_at from user_failure_totals where integration_id = ${integrationId})
      ) d) as "userTotals",
      (select count(*)::int from (
        (select source_ip, failures, last_failure_at from ip_failure_totals where integration_id = ${integrationId}
        except all
        select source_ip, count(*)::int, max(login_time) from sf_login_history
          where integration_id = ${integrationId} and status <> 'Success' and source_ip is not null group by 1)
        union all
        (select source_ip, count(*)::int, max(login_time) from sf_login_history
          where integration_id = ${integrationId} and status <> 'Success' and source_ip is not null group by 1
        except all
        select source_ip, failures, last_failure_at from ip_failure_totals where integration_id = ${integrationId})
      ) d) as "ipTotals",
      -- Last successful login per active user straight from LoginHistory and LastLoginDate.
      (select count(*)::int from (
        (select user_id, last_login_at from user_license_activity where integration_id = ${integrationId}
        except all
        select u.id, greatest(u.last_login_at, (select max(h.login_time) from sf_login_history h
            where h.integration_id = u.integration_id and h.user_id = u.id and h.status = 'Success'))
          from sf_users u where u.integration_id = ${integrationId} and u.is_active)
        union all
        (select u.id, greatest(u.last_login_at, (select max(h.login_time) from sf_login_history h
            where h.integration_id = u.integration_id and h.user_id = u.id and h.status = 'Success'))
          from sf_users u where u.integration_id = ${integrationId} and u.is_active
        except all
        select user_id, last_login_at from user_license_activity where integration_id = ${integrationId})
      ) d) as "licenseActivity"
  `;
  return row;
}

const NO_DRIFT = { users: 0, failures: 0, userTotals: 0, ipTotals: 0, licenseActivity: 0 };

async function expectTopListsEqualLoginHistory(integrationId: string, now: Date) {
  const midnight = new Date(Math.floor(now.getTime() / DAY) * DAY);
  const ranges = [
    // The 180-day review ending now (partial first and last day), and the API's 30-day default.
    { from: new Date(now.getTime() - 180 * DAY), to: now },
    { from: new Date(now.getTime() - 30 * DAY), to: now },
    // Whole days only, odd edges, inside one day, and everything collected.
    { from: new Date(midnight.getTime() - 60 * DAY), to: midnight },
    { from: new Date(now.getTime() - 37.3 * DAY), to: new Date(now.getTime() - 2.1 * 3_600_000) },
    {
      from: new Date(midnight.getTime() - 3 * DAY + 3_600_000),
      to: new Date(midnight.getTime() - 3 * DAY + 9 * 3_600_000),
    },
    { from: new Date(0), to: new Date(now.getTime() + DAY) },
  ];
  for (const range of ranges) {
    // Every plan (daily sums, totals minus the outside days, and the automatic choice) on every range.
    for (const limit of [5, 10_000]) {
      const users = await topFailingUsersFromLoginHistory(sql, integrationId, { ...range, limit });
      const ips = await topFailingIpsFromLoginHistory(sql, integrationId, { ...range, limit });
      for (const strategy of ['auto', 'days', 'totals'] as const) {
        const label = `${range.from.toISOString()}..${range.to.toISOString()} limit ${limit} ${strategy}`;
        expect(await topFailingUsers(sql, integrationId, { ...range, limit }, { strategy }), label).toEqual(
          users,
        );
        expect(await topFailingIps(sql, integrationId, { ...range, limit }, { strategy }), label).toEqual(
          ips,
        );
      }
    }
  }
}

describe('insight rollups', () => {
  it('answer top failing users/IPs exactly like LoginHistory, after a full and after incremental recomputes', async () => {
    const simulator = createSimulator();
    const scenarios: ScenarioKind[] = ['bruteForce', 'passwordSpray', 'inactiveUserAttempt'];
    const org = simulator.control.createOrg({
      users: 800,
      logins: 40_000,
      seed: 11,
      scenarios: scenarios.map((kind) => ({ kind })),
    });
    const { integrationId } = await createTenantIntegration(sql);
    await loadOrgThroughRest(sql, simulator, org, integrationId);
    await recomputeFindings(sql, { integrationId, since: null, now: simulator.control.now() });
    expect(await rollupDrift(integrationId)).toEqual(NO_DRIFT);
    const [{ n } = { n: 0 }] = await sql<{ n: number }[]>`
      select count(*)::int as n from login_failure_daily where integration_id = ${integrationId}
    `;
    expect(n).toBeGreaterThan(0);
    await expectTopListsEqualLoginHistory(integrationId, simulator.control.now());

    // An incremental run with new attacks: only the window is re-aggregated, and doing it twice (a retried
    // activity, or the collection's overlap read again) leaves the rollups exact.
    const since = new Date(simulator.control.now().getTime() + 1000);
    simulator.control.advanceClock(2 * 3_600_000);
    for (const kind of ['bruteForce', 'passwordSpray'] as const)
      simulator.control.plantScenario(org.key, { kind });
    await loadOrgThroughRest(sql, simulator, org, integrationId, { loginsFrom: since });
    for (let i = 0; i < 2; i++) {
      await recomputeFindings(sql, { integrationId, since, now: simulator.control.now() });
      expect(await rollupDrift(integrationId)).toEqual(NO_DRIFT);
    }
    await expectTopListsEqualLoginHistory(integrationId, simulator.control.now());
  }, 240_000);

  it('keeps unused accounts fresh from the incremental window, idempotently', async () => {
    const now = new Date('2026-06-01T12:00:00Z');
    const { integrationId } = await createTenantIntegration(sql);
    const back = '005ROLLUP00000001';
    const quiet = '005ROLLUP00000002';
    await insertUsers(sql, integrationId, [{ id: back }, { id: quiet }]);
    await insertLogins(sql, integrationId, [
      { id: '0YaROLLUP0000001', userId: back, at: new Date('2026-01-10T09:00:00Z') },
      { id: '0YaROLLUP0000002', userId: quiet, at: new Date('2026-01-11T09:00:00Z') },
      {
        id: '0YaROLLUP0000003',
        userId: quiet,
        at: new Date('2026-05-30T09:00:00Z'),
        status: 'Invalid Password',
      },
    ]);
    await recomputeFindings(sql, { integrationId, since: null, now });
    const unusedIds = async () =>
      (await unusedAccounts(sql, integrationId, { days: 90, limit: 100, asOf: now })).users
        .filter((u) => u.reasons.includes('unused'))
        .map((u) => [u.userId, u.lastLoginAt]);
    expect(await unusedIds()).toEqual([
      [back, '2026-01-10T09:00:00.000Z'],
      // A failure is not a login for licence purposes.
      [quiet, '2026-01-11T09:00:00.000Z'],
    ]);

    const since = new Date('2026-06-01T00:00:00Z');
    await insertLogins(sql, integrationId, [
      { id: '0YaROLLUP0000004', userId: back, at: new Date('2026-06-01T08:00:00Z') },
      {
        id: '0YaROLLUP0000005',
        userId: quiet,
        at: new Date('2026-06-01T08:30:00Z'),
        status: 'Invalid Password',
      },
    ]);
    for (let i = 0; i < 2; i++) {
      await recomputeFindings(sql, { integrationId, since, now });
      expect(await unusedIds()).toEqual([[quiet, '2026-01-11T09:00:00.000Z']]);
      expect(await unusedAccounts(sql, integrationId, { days: 90, limit: 100, asOf: now })).toEqual(
        await unusedAccountsFromSourceTables(sql, integrationId, { days: 90, limit: 100, asOf: now }),
      );
      expect(await rollupDrift(integrationId)).toEqual(NO_DRIFT);
    }
    const incremental = await sql`
      select * from user_login_rollups where integration_id = ${integrationId} order by user_id
    `;
    await recomputeFindings(sql, { integrationId, since: null, now });
    expect(
      await sql`select * from user_login_rollups where integration_id = ${integrationId} order by user_id`,
    ).toEqual(incremental);

    // User attributes are re-derived by every recompute, incremental or not: a deactivated user leaves the
    // activity table (and the report), a frozen one is listed as frozen.
    await sql`update sf_users set is_active = false where integration_id = ${integrationId} and id = ${quiet}`;
    await sql`
      update sf_user_logins set is_frozen = true where integration_id = ${integrationId} and user_id = ${back}
    `;
    await recomputeFindings(sql, { integrationId, since, now });
    const report = await unusedAccounts(sql, integrationId, { days: 90, limit: 100, asOf: now });
    expect(report.users.map((u) => [u.userId, u.reasons])).toEqual([[back, ['frozen_with_license']]]);
    expect(report).toEqual(
      await unusedAccountsFromSourceTables(sql, integrationId, { days: 90, limit: 100, asOf: now }),
    );
    expect(await rollupDrift(integrationId)).toEqual(NO_DRIFT);
  });
});

import { describe, expect, it } from 'vitest';
import { recomputeFindings } from '../../insights/findings';
import { unusedAccounts } from '../../insights/unused-accounts';
import { useTestServices } from '../support/context';
import { unusedAccountsFromSourceTables } from './oracles';
import { createTenantIntegration, insertLogins, insertPermissionSets, insertUsers } from './fixtures';

const DAY = 86_400_000;
const NOW = new Date('2026-06-01T12:00:00Z');
const DAYS = 90;
const CUTOFF = new Date(NOW.getTime() - DAYS * DAY);
const LONG_AGO = new Date('2025-01-01T00:00:00Z');

const { sql } = useTestServices();

/** 18-character user ids whose middle names the case, so a failing assertion says which user. */
const id = (n: number) => `005${String(n).padStart(15, '0')}`;

async function report(integrationId: string) {
  await recomputeFindings(sql, { integrationId, since: null, now: NOW });
  const activity = await unusedAccounts(sql, integrationId, { days: DAYS, limit: 1000, asOf: NOW });
  // The table kept by the recompute answers exactly like the source tables.
  expect(activity).toEqual(
    await unusedAccountsFromSourceTables(sql, integrationId, { days: DAYS, limit: 1000, asOf: NOW }),
  );
  return {
    report: activity,
    reasons: Object.fromEntries(activity.users.map((u) => [u.userId, u.reasons])),
  };
}

describe('unused accounts: which licences can be reclaimed', () => {
  it('never counts seats that cannot be reclaimed (UserType, free and login-based licences)', async () => {
    const { integrationId } = await createTenantIntegration(sql, {
      licenseMonthlyPrices: { Salesforce: 150, 'Customer Community': 5 },
    });
    // Every user never logged in and was created long before the window: only the seat decides.
    await insertUsers(sql, integrationId, [
      { id: id(1), userType: 'Standard', license: 'Salesforce', createdAt: LONG_AGO },
      { id: id(2), userType: null, license: 'Salesforce', createdAt: LONG_AGO },
      { id: id(3), userType: 'Guest', license: 'Guest User License', createdAt: LONG_AGO },
      // A guest on a licence name the free list does not know is still not a seat.
      { id: id(4), userType: 'Guest', license: 'Salesforce', createdAt: LONG_AGO },
      { id: id(5), userType: 'AutomatedProcess', license: 'Salesforce', createdAt: LONG_AGO },
      { id: id(6), userType: 'CloudIntegrationUser', license: 'Salesforce', createdAt: LONG_AGO },
      { id: id(7), userType: 'CsnOnly', license: 'Chatter Free', createdAt: LONG_AGO },
      { id: id(8), userType: 'SelfService', license: 'Salesforce', createdAt: LONG_AGO },
      { id: id(9), userType: 'CspLitePortal', license: 'Customer Community', createdAt: LONG_AGO },
      { id: id(10), userType: 'CspLitePortal', license: 'Customer Community Login', createdAt: LONG_AGO },
      { id: id(11), userType: 'PowerPartner', license: 'Partner Community Login', createdAt: LONG_AGO },
      { id: id(12), userType: 'Standard', license: 'Analytics Cloud Integration User', createdAt: LONG_AGO },
      // A category Salesforce adds later is a paid seat until proven otherwise.
      { id: id(13), userType: 'SomeFutureType', license: 'Salesforce', createdAt: LONG_AGO },
      { id: id(14), userType: 'Standard', license: null, createdAt: LONG_AGO },
    ]);
    const { report: r, reasons } = await report(integrationId);
    expect(reasons).toEqual({
      [id(1)]: ['unused', 'never_logged_in'],
      [id(2)]: ['unused', 'never_logged_in'],
      [id(9)]: ['unused', 'never_logged_in'],
      [id(13)]: ['unused', 'never_logged_in'],
    });
    expect(r.totals).toMatchObject({ unused: 4, neverLoggedIn: 4, apiOnlyUnused: 0, reclaimable: 4 });
    expect(r.totals.estimatedMonthlySavings).toBe(3 * 150 + 5);
    expect(r.users.find((u) => u.userId === id(9))?.userType).toBe('CspLitePortal');
  });

  it('reclaims a dead API-only user on a paid licence with its own reason, at the window boundary', async () => {
    const { integrationId } = await createTenantIntegration(sql, {
      licenseMonthlyPrices: { Salesforce: 150 },
    });
    const apiProfile = '00e000000000000API';
    await insertUsers(sql, integrationId, [
      // API-only through the profile, full Salesforce licence: last API login 1 ms before the cutoff…
      { id: id(21), profileId: apiProfile, createdAt: LONG_AGO },
      // …exactly at the cutoff (inside the window: not reclaimable)…
      { id: id(22), profileId: apiProfile, createdAt: LONG_AGO },
      // …never, created before the window…
      { id: id(23), profileId: apiProfile, createdAt: LONG_AGO },
      // …never, created inside the window (a new integration being set up).
      { id: id(24), profileId: apiProfile, createdAt: new Date(CUTOFF.getTime() + 1) },
      // API-only through an assigned permission set, idle, and frozen.
      { id: id(25), createdAt: LONG_AGO, frozen: true, lastLoginAt: LONG_AGO },
      // API-only on the Salesforce Integration licence: idle, but that licence frees no paid seat.
      { id: id(26), license: 'Salesforce Integration', createdAt: LONG_AGO },
      // A person with the same history as id(21): the human reason.
      { id: id(27), createdAt: LONG_AGO },
    ]);
    await insertPermissionSets(sql, integrationId, [
      { id: '0PS00000000000PROF', profileId: apiProfile, apiUserOnly: true },
      { id: '0PS00000000000ASGN', apiUserOnly: true, assignees: [id(25)] },
    ]);
    const login = (n: number, user: number, at: Date) => ({
      id: `0Ya${String(n).padStart(15, '0')}`,
      userId: id(user),
      at,
      loginType: 'Remote Access 2.0',
    });
    await insertLogins(sql, integrationId, [
      login(1, 21, new Date(CUTOFF.getTime() - 1)),
      login(2, 22, CUTOFF),
      login(3, 27, new Date(CUTOFF.getTime() - 1)),
      // A failed API login is no use of the seat.
      { ...login(4, 23, new Date(NOW.getTime() - DAY)), status: 'Failed: Invalid Password' },
    ]);
    const { report: r, reasons } = await report(integrationId);
    expect(reasons).toEqual({
      [id(21)]: ['api_only_unused'],
      [id(23)]: ['api_only_unused'],
      [id(25)]: ['api_only_unused', 'frozen_with_license'],
      [id(27)]: ['unused'],
    });
    expect(r.totals).toMatchObject({
      unused: 1,
      neverLoggedIn: 0,
      apiOnlyUnused: 3,
      frozenWithLicense: 1,
      reclaimable: 4,
      estimatedMonthlySavings: 4 * 150,
    });
    expect(r.licenses.find((l) => l.license === 'Salesforce')).toMatchObject({
      apiOnlyUnused: 3,
      reclaimable: 4,
    });
    // Every API-only user is still listed apart, reclaimable or not.
    expect(r.apiOnlyUsers.map((u) => u.userId).sort()).toEqual(
      [id(21), id(22), id(23), id(24), id(25), id(26)].sort(),
    );

    // The integration comes back to life: the next recompute takes the user out of the report.
    await insertLogins(sql, integrationId, [login(5, 21, new Date(NOW.getTime() - DAY))]);
    expect((await report(integrationId)).reasons[id(21)]).toBeUndefined();
  });
});

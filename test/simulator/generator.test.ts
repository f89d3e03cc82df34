import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../simulator/index';
import { findViolations } from '../../simulator/generator/invariants';
import { allPermissions } from '../../simulator/data/permissions';

const START = Date.UTC(2025, 5, 2, 12);
const DAY = 86_400_000;

function org(spec: Parameters<ReturnType<typeof createSimulator>['control']['createOrg']>[0]) {
  const simulator = createSimulator({ clock: { frozen: true, start: START } });
  const created = simulator.control.createOrg({ key: 'gen', ...spec });
  return { simulator, created, internals: simulator.control.internals('gen') };
}

describe('seeded data generator', () => {
  it('is deterministic for a given seed', () => {
    const a = org({ users: 80, logins: 3000, seed: 5 });
    const b = org({ users: 80, logins: 3000, seed: 5 });
    const c = org({ users: 80, logins: 3000, seed: 6 });
    expect(b.internals.data.records.User.rows).toEqual(a.internals.data.records.User.rows);
    expect(b.internals.data.logins.columns.time).toEqual(a.internals.data.logins.columns.time);
    expect(b.internals.data.logins.columns.userRow).toEqual(a.internals.data.logins.columns.userRow);
    expect(b.created.consumerKey).toBe(a.created.consumerKey);
    expect(c.internals.data.logins.columns.userRow).not.toEqual(a.internals.data.logins.columns.userRow);
    expect(b.simulator.control.truth('gen')).toEqual(a.simulator.control.truth('gen'));
  });

  it.each([
    [30, 500, 1],
    [100, 5000, 2],
    [400, 40_000, 3],
    [1000, 120_000, 4],
  ])(
    'clean data of %i users / %i logins (seed %i) holds every documented invariant',
    (users, logins, seed) => {
      const { internals } = org({ users, logins, seed });
      expect(findViolations(internals.data, START)).toEqual([]);
      expect(internals.data.logins.size()).toBe(logins);
    },
  );

  it('spans six months of logins with realistic statuses, login types, browsers and geos', () => {
    const { internals } = org({ users: 300, logins: 30_000, seed: 9 });
    const { logins } = internals.data;
    expect(logins.columns.time[0]!).toBeGreaterThanOrEqual(START - 183 * DAY);
    expect(logins.lastTime()).toBeLessThanOrEqual(START);
    const statuses = new Set(logins.dictionaries.status.values);
    for (const status of ['Success', 'Invalid Password', 'Password Lockout'])
      expect(statuses).toContain(status);
    expect(statuses).not.toContain('User is Inactive');
    const types = new Set(logins.dictionaries.loginType.values);
    for (const type of [
      'Application',
      'Remote Access 2.0',
      'SAML Sfdc Initiated SSO',
      'Chatter Communities External User',
    ]) {
      expect(types).toContain(type);
    }
    const countries = new Set(logins.geos.values.filter((geo) => geo !== null).map((geo) => geo!.countryIso));
    expect(countries.size).toBeGreaterThan(1);
    const rowsWithSameTime = logins.size() - new Set(logins.columns.time.subarray(0, logins.size())).size;
    expect(rowsWithSameTime).toBeGreaterThan(0);
  });

  it('creates users across licences and lifecycles, and its truth matches the data', () => {
    const { internals, simulator } = org({ users: 200, logins: 12_000, seed: 3 });
    const truth = simulator.control.truth('gen', { unusedDays: 90 });
    const users = internals.data.records.User.rows;
    const byId = new Map(users.map((user) => [user.Id, user]));
    expect(truth.users.total).toBe(200);
    expect(truth.inactiveUserIds.length).toBeGreaterThan(0);
    expect(truth.frozenWithLicenseUserIds.length).toBeGreaterThan(0);
    expect(truth.neverLoggedInUserIds.length).toBeGreaterThan(0);
    expect(truth.apiOnlyUserIds).toContain(simulator.control.getOrg('gen').runAsUserId);
    expect(truth.privilegedUserIds.length).toBeGreaterThan(0);
    expect(truth.unusedActiveUserIds.length).toBeGreaterThan(0);
    for (const id of truth.neverLoggedInUserIds) expect(byId.get(id)!.LastLoginDate).toBeNull();
    for (const id of truth.unusedActiveUserIds) {
      const user = byId.get(id)!;
      expect(user.IsActive).toBe(true);
      expect(Number(user.LastLoginDate ?? user.CreatedDate)).toBeLessThan(START - 90 * DAY);
    }
    const licenses = new Set(internals.data.records.UserLicense.rows.map((row) => row.Name));
    for (const name of [
      'Salesforce',
      'Salesforce Platform',
      'Chatter Free',
      'Customer Community',
      'Salesforce Integration',
    ]) {
      expect(licenses).toContain(name);
    }
    const permissions = allPermissions(internals.data);
    expect(permissions.some((p) => p.PermissionsModifyAllData)).toBe(true);
    expect(truth.counts).toEqual(simulator.control.objectCounts('gen'));
    const asOfEarlier = simulator.control.truth('gen', { asOf: new Date(START - 100 * DAY), unusedDays: 30 });
    expect(asOfEarlier.asOf).toBe(new Date(START - 100 * DAY).toISOString());
  });

  it('appends clean logins as time passes, including many rows sharing one LoginTime', () => {
    const { simulator, internals } = org({ users: 100, logins: 4000, seed: 4 });
    simulator.control.advanceClock(2 * 3_600_000);
    const spread = simulator.control.appendLogins('gen', { count: 300 });
    expect(spread.count).toBe(300);
    expect(Date.parse(spread.lastLoginTime!)).toBe(
      Math.floor(simulator.control.now().getTime() / 1000) * 1000,
    );
    const burst = simulator.control.appendLogins('gen', { count: 50, sameLoginTime: true });
    expect(burst.firstLoginTime).toBe(burst.lastLoginTime);
    expect(internals.data.logins.size()).toBe(4350);
    expect(findViolations(internals.data, simulator.control.now().getTime())).toEqual([]);
    expect(() => simulator.control.appendLogins('gen', { count: 1, at: new Date(START - DAY) })).toThrow(
      /precede/,
    );
  });

  it('touches users, bumping SystemModstamp', () => {
    const { simulator, internals } = org({ users: 50, logins: 100, seed: 4 });
    simulator.control.advanceClock(60_000);
    const touched = simulator.control.touchUsers('gen', { count: 5 });
    expect(touched.userIds).toHaveLength(5);
    for (const id of touched.userIds) {
      const user = internals.data.records.User.rows[internals.data.records.User.rowOfId(id)]!;
      expect(user.SystemModstamp).toBe(Date.parse(touched.systemModstamp));
      expect(user.LastModifiedDate).toBe(Date.parse(touched.systemModstamp));
    }
  });
});

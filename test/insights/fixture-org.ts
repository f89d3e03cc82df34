import type { Sql } from '../../platform/database';
import { insertLogins, insertPermissionSets, insertUsers, type LoginFixture } from './fixtures';

const DAY = 86_400_000;
const MINUTE = 60_000;
export const FIXTURE_NOW = new Date('2026-06-01T00:00:00Z');
const historyStart = Date.parse('2026-01-01T09:00:00Z');
const at = (iso: string) => new Date(iso);
const uid = (n: number) => `005FIX${String(n).padStart(9, '0')}`;

export const fixtureUsers = {
  bruteForced: uid(1),
  travelling: uid(3),
  dormant: uid(4),
  inactive: uid(5),
  frozen: uid(6),
  apiOnly: uid(7),
  privileged: uid(8),
  abroad: uid(9),
  regular: uid(10),
  sprayed: Array.from({ length: 20 }, (_, i) => uid(100 + i)),
};
export const SPRAY_IP = '203.0.113.9';

/**
 * A small org with one instance of every detection and a quiet background, for exact expectations
 * (the simulator tests cover scale and the generator's own scenarios).
 */
export function fixtureLogins(): LoginFixture[] {
  const logins: LoginFixture[] = [];
  let serial = 0;
  const add = (login: Omit<LoginFixture, 'id'>) => {
    const id = `0YaFIX${String(++serial).padStart(9, '0')}`;
    logins.push({ ...login, id });
    return id;
  };
  const u = fixtureUsers;
  // Background: regular New York successes every three days until the end of May.
  for (const user of [u.bruteForced, u.travelling, u.abroad, u.regular, u.apiOnly]) {
    for (let t = historyStart; t < Date.parse('2026-05-31T00:00:00Z'); t += 3 * DAY) {
      add({
        userId: user,
        at: new Date(t + (user === u.apiOnly ? 7 : 0) * MINUTE),
        loginType: user === u.apiOnly ? 'Remote Access 2.0' : 'Application',
      });
    }
  }
  // Brute force: 12 failures a minute apart, then a success 15 minutes later.
  for (let i = 0; i < 12; i++) {
    add({
      userId: u.bruteForced,
      at: new Date(Date.parse('2026-05-20T10:00:00Z') + i * MINUTE),
      status: 'Invalid Password',
      ip: '198.51.100.7',
    });
  }
  add({ userId: u.bruteForced, at: at('2026-05-20T10:26:00Z'), ip: '198.51.100.7' });
  // Password spray: 20 users fail from one IP within 3 minutes.
  u.sprayed.forEach((user, i) =>
    add({
      userId: user,
      at: new Date(Date.parse('2026-05-21T12:00:00Z') + i * 9000),
      status: 'Invalid Password',
      ip: SPRAY_IP,
    }),
  );
  // Impossible travel: New York then Sydney 30 minutes later.
  add({ userId: u.travelling, at: at('2026-05-22T10:00:00Z') });
  add({ userId: u.travelling, at: at('2026-05-22T10:30:00Z'), country: 'AU', lat: -33.87, lon: 151.21 });
  // Dormant: a success in January, the next in late May.
  add({ userId: u.dormant, at: at('2026-01-02T09:00:00Z') });
  add({ userId: u.dormant, at: at('2026-05-25T09:00:00Z') });
  // Attempts on an inactive and a frozen user.
  for (let i = 0; i < 3; i++) {
    add({
      userId: u.inactive,
      at: new Date(Date.parse('2026-05-26T08:00:00Z') + i * MINUTE),
      status: 'User is Inactive',
    });
    add({
      userId: u.frozen,
      at: new Date(Date.parse('2026-05-27T08:00:00Z') + i * MINUTE),
      status: 'User is Frozen',
    });
  }
  // A UI login by an API-only user.
  add({ userId: u.apiOnly, at: at('2026-05-28T15:00:00Z'), loginType: 'Application' });
  // The privileged user's last logins: early January and two months ago (86 days apart: not dormant).
  add({ userId: u.privileged, at: at('2026-01-05T09:00:00Z') });
  add({ userId: u.privileged, at: at('2026-04-01T09:00:00Z') });
  // A login from France for a user only ever seen in the US.
  add({ userId: u.abroad, at: at('2026-05-29T09:00:00Z'), country: 'FR', lat: 48.85, lon: 2.35 });
  return logins.sort((a, b) => a.at.getTime() - b.at.getTime());
}

export async function loadFixtureOrg(sql: Sql, integrationId: string, logins = fixtureLogins()) {
  const u = fixtureUsers;
  await insertUsers(sql, integrationId, [
    ...[u.bruteForced, u.travelling, u.dormant, u.abroad, u.regular, u.privileged].map((id) => ({ id })),
    { id: u.inactive, isActive: false, lastModifiedAt: at('2026-03-01T00:00:00Z') },
    { id: u.frozen, frozen: true, frozenAt: at('2026-03-01T00:00:00Z') },
    { id: u.apiOnly, profileId: '00eFIXAPIONLY001', license: 'Salesforce Integration' },
    ...u.sprayed.map((id) => ({ id })),
  ]);
  await insertPermissionSets(sql, integrationId, [
    { id: '0PSFIXAPIONLY001', profileId: '00eFIXAPIONLY001', apiUserOnly: true },
    { id: '0PSFIXMODALL0001', modifyAllData: true, assignees: [u.privileged] },
  ]);
  await insertLogins(sql, integrationId, logins);
}

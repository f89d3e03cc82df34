import { describe, expect, it } from 'vitest';
import { useTestServices } from '../../support/context';
import type { LoginFixture } from '../fixtures';
import { at, fullRun, loginFactory, splitAt, splitRun, uid, type Org } from './harness';

const { sql } = useTestServices();

const users = Array.from({ length: 20 }, (_, i) => uid(100 + i));
const org: Org = { users: users.map((id) => ({ id })) };
const IP = '203.0.113.9';
const T0 = '2026-05-20T10:00:00Z';

/** One failure per user from IP, `count` users, 15 seconds apart. */
function spray(count: number, status = 'Invalid Password', ip = IP): LoginFixture[] {
  const make = loginFactory();
  return users
    .slice(0, count)
    .map((userId, i) => make({ userId, at: new Date(Date.parse(T0) + i * 15_000), status, ip }));
}

describe('password_spray', () => {
  it('fires at 16 distinct users in the window and not at 15', async () => {
    const hit = await fullRun(sql, org, spray(16));
    expect(hit.findings.map((f) => [f.kind, f.subject, f.userIds.length])).toEqual([
      ['password_spray', IP, 16],
    ]);
    expect((await fullRun(sql, org, spray(15))).findings).toEqual([]);
  });

  it('does not count policy blocks: 20 users behind one NAT hitting "Restricted IP" (D3)', async () => {
    expect((await fullRun(sql, org, spray(20, 'Restricted IP'))).findings).toEqual([]);
  });

  it('ignores a spray source inside a trusted network', async () => {
    const trusted = await fullRun(sql, { ...org, trustedNetworks: ['203.0.113.0/24'] }, spray(20));
    expect(trusted.findings).toEqual([]);
  });

  it('a spray straddling a run boundary ends equal to a full run, details included', async () => {
    const logins = spray(20);
    const full = await fullRun(sql, org, logins);
    const split = await splitRun(sql, org, splitAt(logins, at(T0, 3)));
    expect(full.findings[0]!.details).toMatchObject({ failures: 20, distinctUsers: 20 });
    expect(split.findings).toEqual(full.findings);
  });
});

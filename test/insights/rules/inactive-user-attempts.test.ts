import { describe, expect, it } from 'vitest';
import { useTestServices } from '../../support/context';
import { at, fullRun, loginFactory, splitRun, uid, type Org } from './harness';

const { sql } = useTestServices();

describe('inactive_user_attempts', () => {
  const departed = uid(5);
  const deactivatedAt = new Date('2026-05-01T00:00:00Z');
  const org: Org = { users: [{ id: departed, isActive: false, lastModifiedAt: deactivatedAt }] };

  it('reports attempts after deactivation, not logins before it', async () => {
    const make = loginFactory();
    const before = make({ userId: departed, at: at('2026-04-30T09:00:00Z') });
    const after = make({ userId: departed, at: at('2026-05-20T09:00:00Z'), status: 'User is Inactive' });
    const run = await fullRun(sql, org, [before, after]);
    expect(run.findings.map((f) => [f.kind, f.evidence, f.severity])).toEqual([
      ['inactive_user_attempts', [after.id], 'medium'],
    ]);
  });

  it('attempts 24 hours apart are one incident, 24 hours and one minute apart are two', async () => {
    const make = loginFactory();
    const one = await fullRun(sql, org, [
      make({ userId: departed, at: at('2026-05-20T09:00:00Z'), status: 'User is Inactive' }),
      make({ userId: departed, at: at('2026-05-21T09:00:00Z'), status: 'User is Inactive' }),
    ]);
    expect(one.findings).toHaveLength(1);
    const two = await fullRun(sql, org, [
      make({ userId: departed, at: at('2026-05-20T09:00:00Z'), status: 'User is Inactive' }),
      make({ userId: departed, at: at('2026-05-21T09:01:00Z'), status: 'User is Inactive' }),
    ]);
    expect(two.findings).toHaveLength(2);
  });

  it('probing every 12 hours across runs stays one finding with the counters of a full run', async () => {
    const make = loginFactory();
    const logins = Array.from({ length: 8 }, (_, i) =>
      make({ userId: departed, at: at('2026-05-20T09:00:00Z', i * 720), status: 'User is Inactive' }),
    );
    const full = await fullRun(sql, org, logins);
    expect(full.findings[0]!.details).toMatchObject({ attempts: 8 });
    const split = await splitRun(sql, org, [
      { logins: logins.slice(0, 3), since: null },
      { logins: logins.slice(3, 6), since: logins[3]!.at },
      { logins: logins.slice(6), since: logins[6]!.at },
    ]);
    expect(split.findings).toEqual(full.findings);
  });
});

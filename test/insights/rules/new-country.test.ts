import { describe, expect, it } from 'vitest';
import { useTestServices } from '../../support/context';
import { at, DAY, fullRun, loginFactory, splitRun, uid, type Org } from './harness';

const { sql } = useTestServices();

const user = uid(4);
const org: Org = { users: [{ id: user, createdAt: new Date('2025-01-01T00:00:00Z') }] };
const RETURN = '2026-05-20T09:58:00Z';

describe('new_country', () => {
  it('a late login from the same new country moves the new-country finding to it (D5)', async () => {
    const make = loginFactory();
    const history = Array.from({ length: 40 }, (_, i) =>
      make({ userId: user, at: new Date(Date.parse(RETURN) - (200 - i * 5) * DAY) }),
    );
    const abroad = make({ userId: user, at: at(RETURN), country: 'BR', lat: -23.55, lon: -46.63 });
    const lateAbroad = make({ userId: user, at: at(RETURN, -5), country: 'BR', lat: -23.55, lon: -46.63 });
    const full = await fullRun(sql, org, [...history, abroad, lateAbroad]);
    const newCountry = full.findings.filter((f) => f.kind === 'new_country');
    expect(newCountry.map((f) => f.evidence)).toEqual([[lateAbroad.id]]);
    const split = await splitRun(sql, org, [
      { logins: [...history, abroad], since: null },
      { logins: [lateAbroad], since: at(RETURN, -13) },
    ]);
    expect(split.findings).toEqual(full.findings);
  });

  it('a country last seen 89 days ago is familiar, 91 days ago is new (boundary)', async () => {
    const base = Date.parse(RETURN);
    const orgWith = async (daysAgo: number) => {
      const make = loginFactory();
      const history = Array.from({ length: 40 }, (_, i) =>
        make({ userId: user, at: new Date(base - (200 - i * 5) * DAY) }),
      );
      return fullRun(sql, org, [
        ...history,
        make({ userId: user, at: new Date(base - daysAgo * DAY), country: 'BR', lat: -23.55, lon: -46.63 }),
        make({ userId: user, at: at(RETURN), country: 'BR', lat: -23.55, lon: -46.63 }),
      ]);
    };
    const familiar = (await orgWith(89)).findings.filter((f) => f.kind === 'new_country');
    expect(familiar.map((f) => f.firstSeenAt)).not.toContain(at(RETURN).toISOString());
    const fresh = (await orgWith(91)).findings.filter((f) => f.kind === 'new_country');
    expect(fresh.map((f) => f.firstSeenAt)).toContain(at(RETURN).toISOString());
  });

  it('a login from a trusted egress range is neither a new country nor a baseline', async () => {
    const make = loginFactory();
    const history = Array.from({ length: 40 }, (_, i) =>
      make({ userId: user, at: new Date(Date.parse(RETURN) - (200 - i * 5) * DAY) }),
    );
    const egress = { country: 'DE', lat: 50.11, lon: 8.68, ip: '192.0.2.10' };
    const run = await fullRun(sql, { ...org, trustedNetworks: ['192.0.2.0/24'] }, [
      ...history,
      make({ userId: user, at: at(RETURN), ...egress }),
    ]);
    expect(run.findings.filter((f) => f.kind === 'new_country')).toEqual([]);
  });
});

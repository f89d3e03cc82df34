import { describe, expect, it } from 'vitest';
import { recomputeFindings } from '../../../insights/findings';
import { useTestServices } from '../../support/context';
import { at, fullRun, loginFactory, NOW, splitAt, splitRun, uid, type Org } from './harness';

const { sql } = useTestServices();

const user = uid(3);
const org: Org = { users: [{ id: user }] };
const T0 = '2026-05-20T09:00:00Z';
const LONDON = { country: 'GB', lat: 51.51, lon: -0.13, ip: '81.2.69.1' };
const NEW_YORK = { country: 'US', lat: 40.71, lon: -74.0, ip: '198.51.100.20' };
const SYDNEY = { country: 'AU', lat: -33.87, lon: 151.21, ip: '1.128.0.1' };

describe('impossible_travel', () => {
  it('is not hidden by a login without coordinates between the pair (D4)', async () => {
    const make = loginFactory();
    const logins = [
      make({ userId: user, at: at(T0), ...LONDON }),
      make({
        userId: user,
        at: at(T0, 5),
        country: 'GB',
        lat: null,
        lon: null,
        loginType: 'Remote Access 2.0',
      }),
      make({ userId: user, at: at(T0, 60), ...SYDNEY }),
    ];
    const run = await fullRun(sql, org, logins);
    expect(run.findings.map((f) => f.kind)).toEqual(['impossible_travel']);
    expect(run.findings[0]!.details).toMatchObject({ from: { country: 'GB' }, to: { country: 'AU' } });
  });

  it('a flight at a possible speed is not reported (near miss)', async () => {
    const make = loginFactory();
    // London → New York is about 5,570 km: 5 h 35 min is just under 1,000 km/h; 5 h 30 min is over.
    const slow = await fullRun(sql, org, [
      make({ userId: user, at: at(T0), ...LONDON }),
      make({ userId: user, at: at(T0, 336), ...NEW_YORK }),
    ]);
    expect(slow.findings).toEqual([]);
    const fast = await fullRun(sql, org, [
      make({ userId: user, at: at(T0), ...LONDON }),
      make({ userId: user, at: at(T0, 330), ...NEW_YORK }),
    ]);
    expect(fast.findings).toHaveLength(1);
  });

  it('VPN flapping within an hour is one finding, stable across runs and equal to a full run (D1)', async () => {
    const make = loginFactory();
    const logins = [
      make({ userId: user, at: at(T0), ...LONDON }),
      make({ userId: user, at: at(T0, 20), ...NEW_YORK }),
      make({ userId: user, at: at(T0, 40), ...LONDON }),
    ];
    const full = await fullRun(sql, org, logins);
    expect(full.findings).toHaveLength(1);
    expect(full.findings[0]!.evidence).toHaveLength(3);
    const again = await recomputeFindings(sql, {
      integrationId: full.integrationId,
      since: at(T0, 35),
      now: NOW,
    });
    expect(again).toMatchObject({ opened: 0, updated: 0, superseded: 0 });

    const split = await splitRun(sql, org, splitAt(logins, at(T0, 30)));
    expect(split.findings).toEqual(full.findings);
  });

  it('ignores logins from a trusted VPN egress range', async () => {
    const make = loginFactory();
    const run = await fullRun(sql, { ...org, trustedNetworks: ['198.51.100.0/24'] }, [
      make({ userId: user, at: at(T0), ...LONDON }),
      make({ userId: user, at: at(T0, 20), ...NEW_YORK }),
      make({ userId: user, at: at(T0, 40), ...LONDON }),
    ]);
    expect(run.findings).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { useTestServices } from '../../support/context';
import { at, DAY, fullRun, loginFactory, splitRun, uid, type Org } from './harness';

const { sql } = useTestServices();

const user = uid(4);
const org: Org = { users: [{ id: user, createdAt: new Date('2025-01-01T00:00:00Z') }] };
const RETURN = '2026-05-20T09:58:00Z';

describe('dormant_account_reactivated', () => {
  it('a late earlier return replaces the finding instead of duplicating it (D5)', async () => {
    const make = loginFactory();
    const previous = make({ userId: user, at: new Date(Date.parse(RETURN) - 120 * DAY) });
    const seen = make({ userId: user, at: at(RETURN) });
    const late = make({ userId: user, at: at(RETURN, -8) });
    const full = await fullRun(sql, org, [previous, seen, late]);
    expect(full.findings.map((f) => [f.kind, f.evidence])).toEqual([
      ['dormant_account_reactivated', [previous.id, late.id]],
    ]);
    const split = await splitRun(sql, org, [
      { logins: [previous, seen], since: null },
      // The next run's overlap (15 minutes) re-reads 09:45 onwards and finds the 09:50 login.
      { logins: [late], since: at(RETURN, -13) },
    ]);
    expect(split.results[1]!.superseded).toBe(1);
    expect(split.findings).toEqual(full.findings);
  });

  it('dormancy is judged at the boundary: 90 days is dormant, 89 is not', async () => {
    const make = loginFactory();
    const base = Date.parse(RETURN);
    const hit = await fullRun(sql, org, [
      make({ userId: user, at: new Date(base - 90 * DAY) }),
      make({ userId: user, at: at(RETURN) }),
    ]);
    expect(hit.findings.map((f) => f.kind)).toEqual(['dormant_account_reactivated']);
    const miss = await fullRun(sql, org, [
      make({ userId: user, at: new Date(base - 89 * DAY) }),
      make({ userId: user, at: at(RETURN) }),
    ]);
    expect(miss.findings).toEqual([]);
  });
});

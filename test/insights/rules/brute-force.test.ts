import { describe, expect, it } from 'vitest';
import { getFinding, listFindings, recomputeFindings, setFindingStatus } from '../../../insights/findings';
import { useTestServices } from '../../support/context';
import { insertLogins, type LoginFixture } from '../fixtures';
import { at, fullRun, loginFactory, NOW, splitAt, splitRun, uid, type Org } from './harness';

const { sql } = useTestServices();

const user = uid(1);
const org: Org = { users: [{ id: user }] };
const T0 = '2026-05-20T10:00:00Z';

/** Failures for `user` at the given minutes after T0. */
function failures(minutes: number[], status = 'Invalid Password', make = loginFactory()): LoginFixture[] {
  return minutes.map((m) => make({ userId: user, at: at(T0, m), status, ip: '198.51.100.7' }));
}
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('brute_force', () => {
  it('fires at exactly 10 wrong passwords inside the 20-minute window, not at 9 or one minute wider', async () => {
    // Window is inclusive: failures at 0..8 and 20 are 10 within [t − 20 min, t].
    const hit = await fullRun(sql, org, failures([...range(0, 8), 20]));
    expect(hit.findings.map((f) => [f.kind, f.severity])).toEqual([['brute_force', 'high']]);
    expect(hit.findings[0]!.details).toMatchObject({ failures: 10, followedBySuccess: false });

    const nine = await fullRun(sql, org, failures(range(0, 8)));
    expect(nine.findings).toEqual([]);
    const wider = await fullRun(sql, org, failures([...range(0, 8), 21]));
    expect(wider.findings).toEqual([]);
  });

  it('ignores policy blocks (API security token, Restricted IP) and unknown statuses', async () => {
    const make = loginFactory();
    const logins = [
      ...failures(range(0, 29), 'Failed: API security token required', make),
      ...failures(range(30, 59), 'Restricted IP', make),
      ...failures(range(60, 89), 'Some status Salesforce adds next year', make),
      make({ userId: user, at: at(T0, 95) }),
    ];
    const run = await fullRun(sql, org, logins);
    expect(run.findings).toEqual([]);
    expect(run.result.unknownStatuses).toEqual(['Some status Salesforce adds next year']);
  });

  it('is critical when a verification challenge (password accepted) follows the burst', async () => {
    const make = loginFactory();
    const logins = [
      ...failures(range(0, 10), 'Invalid Password', make),
      make({ userId: user, at: at(T0, 12), status: 'Failed: Computer activation required' }),
    ];
    const run = await fullRun(sql, org, logins);
    expect(run.findings).toHaveLength(1);
    expect(run.findings[0]!.severity).toBe('critical');
    expect(run.findings[0]!.details).toMatchObject({
      passwordAcceptedStatus: 'Failed: Computer activation required',
      successLoginId: logins[logins.length - 1]!.id,
    });
  });

  it('keeps two bursts split by a qualifying gap apart, however often it is recomputed (D1)', async () => {
    // A = 10:00…10:09 (qualifies at 10:09); 10:25; B = 10:36…10:44 (qualifies at 10:44): 35 minutes apart.
    const logins = failures([...range(0, 9), 25, ...range(36, 44)]);
    const full = await fullRun(sql, org, logins);
    expect(full.findings).toHaveLength(2);
    const again = await recomputeFindings(sql, { integrationId: full.integrationId, since: null, now: NOW });
    expect(again).toMatchObject({ opened: 0, updated: 0, superseded: 0 });
    await recomputeFindings(sql, { integrationId: full.integrationId, since: at(T0, 40), now: NOW });
    const { findings } = await listFindings(sql, { ...full, limit: 100 });
    expect(findings.map((f) => f.evidenceLoginIds.length).sort()).toEqual([10, 10]);

    const split = await splitRun(sql, org, splitAt(logins, at(T0, 40)));
    expect(split.findings).toEqual(full.findings);
  });

  it('a burst split by a run boundary has the counters and evidence of a full run (D10)', async () => {
    const logins = failures(range(0, 59));
    const full = await fullRun(sql, org, logins);
    const split = await splitRun(sql, org, splitAt(logins, at(T0, 30)));
    expect(full.findings[0]!.details).toMatchObject({ failures: 60 });
    expect(split.findings).toEqual(full.findings);
    // A late row: the run after next brings failures from inside the overlap.
    const late = await splitRun(sql, org, [
      { logins: logins.filter((l) => l.at < at(T0, 30)), since: null },
      { logins: logins.filter((l) => l.at >= at(T0, 40)), since: at(T0, 40) },
      { logins: logins.filter((l) => l.at >= at(T0, 30) && l.at < at(T0, 40)), since: at(T0, 30) },
    ]);
    expect(late.findings).toEqual(full.findings);
  });

  it('keeps the success that made it critical even past the evidence cap (D12)', async () => {
    const make = loginFactory();
    const logins = [
      ...Array.from({ length: 600 }, (_, i) =>
        make({ userId: user, at: new Date(Date.parse(T0) + i * 1000), status: 'Invalid Password' }),
      ),
      make({ userId: user, at: at(T0, 15) }),
    ];
    const run = await fullRun(sql, org, logins);
    const success = logins[logins.length - 1]!.id;
    expect(run.findings[0]!.severity).toBe('critical');
    expect(run.findings[0]!.evidence).toHaveLength(500);
    expect(run.findings[0]!.evidence).toContain(success);
  });

  it('reopens an acknowledged finding that gains activity, with the change in its history (D2)', async () => {
    const make = loginFactory();
    const first = failures(range(0, 11), 'Invalid Password', make);
    const run = await splitRun(sql, org, [{ logins: first, since: null }]);
    const [finding] = (await listFindings(sql, { ...run, limit: 10 })).findings;
    await setFindingStatus(sql, {
      tenantId: run.tenantId,
      integrationId: run.integrationId,
      findingId: finding!.id,
      status: 'acknowledged',
      note: 'user confirmed the lockout',
      now: at(T0, 20),
    });
    // An identical recompute changes nothing.
    await recomputeFindings(sql, { integrationId: run.integrationId, since: null, now: NOW });
    expect((await getFinding(sql, { ...run, findingId: finding!.id }))!.status).toBe('acknowledged');

    // Then 12 more failures and a success, continuing the burst.
    await insertLogins(sql, run.integrationId, [
      ...failures(range(15, 26), 'Invalid Password', make),
      make({ userId: user, at: at(T0, 30) }),
    ]);
    const result = await recomputeFindings(sql, {
      integrationId: run.integrationId,
      since: at(T0, 15),
      now: NOW,
    });
    expect(result.reopened).toBe(1);
    const after = await getFinding(sql, { ...run, findingId: finding!.id });
    expect(after).toMatchObject({
      status: 'open',
      severity: 'critical',
      statusNote: 'user confirmed the lockout',
    });
    expect(after!.statusHistory.map((h) => [h.fromStatus, h.toStatus, h.reason])).toEqual([
      ['open', 'acknowledged', 'analyst'],
      ['acknowledged', 'open', 'new_activity'],
    ]);
    expect((await listFindings(sql, { ...run, status: 'open', limit: 10 })).findings).toHaveLength(1);
  });
});

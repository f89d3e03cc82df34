import { describe, expect, it } from 'vitest';
import { listFindings, recomputeFindings, setFindingStatus } from '../../insights/findings';
import { useTestServices } from '../support/context';
import { createTenantIntegration, insertLogins } from './fixtures';
import { FIXTURE_NOW, fixtureLogins, fixtureUsers, loadFixtureOrg, SPRAY_IP } from './fixture-org';

const { sql } = useTestServices();

async function allFindings(tenantId: string, integrationId: string) {
  const { findings } = await listFindings(sql, { tenantId, integrationId, limit: 1000 });
  return findings;
}

describe('recomputeFindings on a hand-built org', () => {
  it('finds one incident of each kind with the right user, evidence and severity', async () => {
    const { tenantId, integrationId } = await createTenantIntegration(sql);
    await loadFixtureOrg(sql, integrationId);
    const result = await recomputeFindings(sql, { integrationId, since: null, now: FIXTURE_NOW });
    const findings = await allFindings(tenantId, integrationId);
    const summary = findings.map((f) => `${f.kind} ${f.userId ?? f.sourceIp}`).sort();
    const u = fixtureUsers;
    expect(findings.map((f) => [f.kind, f.userId ?? f.sourceIp]).sort()).toEqual(
      [
        ['api_only_user_interactive_login', u.apiOnly],
        ['brute_force', u.bruteForced],
        ['dormant_account_reactivated', u.dormant],
        ['impossible_travel', u.travelling],
        ['inactive_user_attempts', u.frozen],
        ['inactive_user_attempts', u.inactive],
        ['new_country', u.abroad],
        ['new_country', u.travelling],
        ['password_spray', SPRAY_IP],
        ['privileged_user_unused', u.privileged],
      ].sort(),
    );
    expect(summary).toHaveLength(10);
    expect(result.opened).toBe(10);

    const byKind = (kind: string, user?: string) =>
      findings.find((f) => f.kind === kind && (!user || f.userId === user))!;
    const brute = byKind('brute_force');
    expect(brute.severity).toBe('critical');
    expect(brute.evidenceLoginIds).toHaveLength(13);
    expect(brute.firstSeenAt).toBe('2026-05-20T10:00:00.000Z');
    const spray = byKind('password_spray');
    expect(spray.userIds).toEqual([...u.sprayed].sort());
    expect(spray.evidenceLoginIds).toHaveLength(20);
    expect(byKind('impossible_travel').details).toMatchObject({
      from: { country: 'US' },
      to: { country: 'AU' },
    });
    expect(byKind('inactive_user_attempts', u.frozen).evidenceLoginIds).toHaveLength(3);
    expect(byKind('privileged_user_unused').firstSeenAt).toBe('2026-05-01T09:00:00.000Z');
  });

  it('an incremental recompute that splits an attack across runs ends with the same findings as a full one', async () => {
    const logins = fixtureLogins();
    const split = new Date('2026-05-20T10:05:00Z');
    const full = await createTenantIntegration(sql);
    await loadFixtureOrg(sql, full.integrationId, logins);
    await recomputeFindings(sql, { integrationId: full.integrationId, since: null, now: FIXTURE_NOW });

    const stepwise = await createTenantIntegration(sql);
    await loadFixtureOrg(
      sql,
      stepwise.integrationId,
      logins.filter((l) => l.at < split),
    );
    const first = await recomputeFindings(sql, {
      integrationId: stepwise.integrationId,
      since: null,
      now: FIXTURE_NOW,
    });
    expect(first.byKind.brute_force).toBeUndefined();
    await insertLogins(
      sql,
      stepwise.integrationId,
      logins.filter((l) => l.at >= split),
    );
    await recomputeFindings(sql, { integrationId: stepwise.integrationId, since: split, now: FIXTURE_NOW });

    const shape = (fs: Awaited<ReturnType<typeof allFindings>>) =>
      fs
        .map((f) => ({
          kind: f.kind,
          user: f.userId,
          ip: f.sourceIp,
          first: f.firstSeenAt,
          evidence: f.evidenceLoginIds,
          severity: f.severity,
        }))
        .sort((a, b) => `${a.kind}${a.user}${a.first}`.localeCompare(`${b.kind}${b.user}${b.first}`));
    expect(shape(await allFindings(stepwise.tenantId, stepwise.integrationId))).toEqual(
      shape(await allFindings(full.tenantId, full.integrationId)),
    );
  });

  it('keeps an acknowledged status and never duplicates across recomputes', async () => {
    const { tenantId, integrationId } = await createTenantIntegration(sql);
    await loadFixtureOrg(sql, integrationId);
    await recomputeFindings(sql, { integrationId, since: null, now: FIXTURE_NOW });
    const before = await allFindings(tenantId, integrationId);
    const brute = before.find((f) => f.kind === 'brute_force')!;
    const acknowledged = await setFindingStatus(sql, {
      tenantId,
      integrationId,
      findingId: brute.id,
      status: 'acknowledged',
      note: 'user confirmed the lockout',
      now: FIXTURE_NOW,
    });
    expect(acknowledged?.status).toBe('acknowledged');

    const again = await recomputeFindings(sql, { integrationId, since: null, now: FIXTURE_NOW });
    expect(again.opened).toBe(0);
    const incremental = await recomputeFindings(sql, {
      integrationId,
      since: new Date('2026-05-15T00:00:00Z'),
      now: FIXTURE_NOW,
    });
    expect(incremental.opened).toBe(0);
    const after = await allFindings(tenantId, integrationId);
    expect(after).toHaveLength(before.length);
    expect(after.find((f) => f.id === brute.id)?.status).toBe('acknowledged');
    expect(after.find((f) => f.id === brute.id)?.statusNote).toBe('user confirmed the lockout');
  });

  it('does not let another tenant change a finding', async () => {
    const { tenantId, integrationId } = await createTenantIntegration(sql);
    const other = await createTenantIntegration(sql);
    await loadFixtureOrg(sql, integrationId);
    await recomputeFindings(sql, { integrationId, since: null, now: FIXTURE_NOW });
    const [finding] = await allFindings(tenantId, integrationId);
    const result = await setFindingStatus(sql, {
      tenantId: other.tenantId,
      integrationId,
      findingId: finding!.id,
      status: 'resolved',
      now: FIXTURE_NOW,
    });
    expect(result).toBeNull();
    expect(tenantId).not.toBe(other.tenantId);
  });
});

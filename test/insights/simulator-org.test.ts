import { describe, expect, it } from 'vitest';
import { authActivitySummary } from '../../insights/auth-activity/summary';
import { recomputeFindings, setFindingStatus, type Finding } from '../../insights/findings';
import { unusedAccounts } from '../../insights/unused-accounts';
import { createSimulator, type PlantedScenario, type ScenarioKind } from '../../simulator';
import { useTestServices } from '../support/context';
import { unusedAccountsFromSourceTables } from './oracles';
import { createTenantIntegration, everyFinding } from './fixtures';
import { loadOrgThroughRest, scenarioFinding } from './load-org';

const { sql } = useTestServices();

function expectFound(findings: Finding[], scenario: PlantedScenario) {
  const kind = scenarioFinding[scenario.kind];
  const match = findings.find(
    (f) =>
      f.kind === kind &&
      (scenario.kind === 'passwordSpray' ? f.sourceIp === scenario.sourceIp : f.userId === scenario.userId) &&
      scenario.evidenceIds.every((id) => f.evidenceLoginIds.includes(id)),
  );
  expect(match, `${scenario.kind} for ${scenario.userId}: ${scenario.description}`).toBeDefined();
  if (scenario.kind === 'passwordSpray')
    expect(match!.userIds).toEqual(expect.arrayContaining(scenario.userIds));
}

const allScenarioKinds: ScenarioKind[] = Object.keys(scenarioFinding) as ScenarioKind[];

describe('insights on simulated orgs', () => {
  it('finds every planted scenario with its user and evidence, incrementally too, and keeps statuses', async () => {
    const simulator = createSimulator();
    const org = simulator.control.createOrg({
      users: 400,
      logins: 40_000,
      seed: 7,
      scenarios: allScenarioKinds.map((kind) => ({ kind })),
    });
    const { tenantId, integrationId } = await createTenantIntegration(sql);
    await loadOrgThroughRest(sql, simulator, org, integrationId);
    await recomputeFindings(sql, { integrationId, since: null, now: simulator.control.now() });
    const truth = simulator.control.truth(org.key);
    expect(truth.scenarios).toHaveLength(allScenarioKinds.length);
    let findings = await everyFinding(sql, tenantId, integrationId);
    for (const scenario of truth.scenarios) expectFound(findings, scenario);

    // Acknowledge everything, then an incremental run brings a second wave of attacks.
    for (const finding of findings) {
      await setFindingStatus(sql, {
        tenantId,
        integrationId,
        findingId: finding.id,
        status: 'acknowledged',
        now: simulator.control.now(),
      });
    }
    const since = new Date(simulator.control.now().getTime() + 1000);
    simulator.control.advanceClock(3_600_000);
    const second = [
      'bruteForce',
      'passwordSpray',
      'impossibleTravel',
      'inactiveUserAttempt',
      'apiOnlyUiLogin',
    ].map((kind) => simulator.control.plantScenario(org.key, { kind } as never));
    await loadOrgThroughRest(sql, simulator, org, integrationId, { loginsFrom: since });
    const incremental = await recomputeFindings(sql, { integrationId, since, now: simulator.control.now() });
    // A second-wave attack on a subject already flagged continues (and reopens) its acknowledged finding.
    expect(incremental.opened + incremental.reopened).toBeGreaterThanOrEqual(second.length - 1);
    const again = await recomputeFindings(sql, { integrationId, since, now: simulator.control.now() });
    expect(again.opened).toBe(0);
    await recomputeFindings(sql, { integrationId, since: null, now: simulator.control.now() });

    const after = await everyFinding(sql, tenantId, integrationId);
    for (const scenario of [...truth.scenarios, ...second]) expectFound(after, scenario);
    const keys = after.map((f) => `${f.kind}|${f.userId ?? f.sourceIp}|${f.firstSeenAt}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const finding of findings) {
      const now = after.find((f) => f.id === finding.id)!;
      // Acknowledged stays acknowledged unless the incident gained activity, which puts it back in the queue.
      if (now.lastSeenAt === finding.lastSeenAt && now.severity === finding.severity) {
        expect(now.status, finding.kind).toBe('acknowledged');
      } else {
        expect(now.status, finding.kind).toBe('open');
      }
    }
    findings = after;
  }, 180_000);

  it('a clean org of 5,000 users and 200,000 logins has no findings and unused counts equal the truth', async () => {
    const simulator = createSimulator();
    const org = simulator.control.createOrg({ users: 5000, logins: 200_000, seed: 42 });
    const { tenantId, integrationId } = await createTenantIntegration(sql, {
      licenseMonthlyPrices: { Salesforce: 150, 'Salesforce Platform': 25 },
    });
    const counts = await loadOrgThroughRest(sql, simulator, org, integrationId);
    expect(counts.LoginHistory).toBe(200_000);
    const now = simulator.control.now();
    const result = await recomputeFindings(sql, { integrationId, since: null, now });
    const findings = await everyFinding(sql, tenantId, integrationId);
    expect(
      findings.map((f) => `${f.kind} ${f.userId ?? f.sourceIp} ${f.firstSeenAt}`),
      'no findings on a clean org',
    ).toEqual([]);
    expect(result.opened).toBe(0);

    const truth = simulator.control.truth(org.key, { asOf: now, unusedDays: 90 });
    const report = await unusedAccounts(sql, integrationId, { days: 90, limit: 100_000, asOf: now });
    // The activity table kept by the recompute answers exactly like the source tables.
    for (const [days, limit] of [
      [90, 100_000],
      [30, 7],
    ] as const) {
      expect(await unusedAccounts(sql, integrationId, { days, limit, asOf: now })).toEqual(
        await unusedAccountsFromSourceTables(sql, integrationId, { days, limit, asOf: now }),
      );
    }
    const apiOnly = new Set(truth.apiOnlyUserIds);
    const users = new Map(
      (
        await sql<{ id: string; created_at: Date; user_type: string | null; license: string | null }[]>`
        select u.id, u.created_at, u.user_type, coalesce(l.name, u.user_license_name) as license
        from sf_users u
        left join sf_user_licenses l on l.integration_id = u.integration_id and l.id = u.user_license_id
        where u.integration_id = ${integrationId}`
      ).map((r) => [r.id, r]),
    );
    const created = new Map([...users].map(([id, u]) => [id, u.created_at]));
    // The seats the report may reclaim, restated from insights/unused-accounts.ts: the simulator's Chatter
    // Free (CsnOnly) users, its Automated Process user (no licence) and its Salesforce Integration users hold none.
    const paidSeat = (id: string) => {
      const user = users.get(id);
      return (
        user?.license != null &&
        !['CsnOnly', 'AutomatedProcess', 'Guest'].includes(user.user_type ?? '') &&
        !['Salesforce Integration', 'Chatter Free'].includes(user.license)
      );
    };
    expect([...users.values()].some((u) => u.user_type === 'CsnOnly')).toBe(true);
    const cutoff = now.getTime() - 90 * 86_400_000;
    const ids = (reason: string) =>
      report.users
        .filter((u) => u.reasons.includes(reason as never))
        .map((u) => u.userId)
        .sort();
    expect(report.usersTruncated).toBe(false);
    expect(ids('unused')).toEqual(
      truth.unusedActiveUserIds.filter((id) => !apiOnly.has(id) && paidSeat(id)).sort(),
    );
    expect(ids('never_logged_in')).toEqual(
      truth.neverLoggedInUserIds
        .filter((id) => !apiOnly.has(id) && paidSeat(id) && (created.get(id)?.getTime() ?? Infinity) < cutoff)
        .sort(),
    );
    expect(ids('api_only_unused')).toEqual(
      truth.unusedActiveUserIds.filter((id) => apiOnly.has(id) && paidSeat(id)).sort(),
    );
    expect(ids('frozen_with_license')).toEqual(truth.frozenWithLicenseUserIds.filter(paidSeat).sort());
    const activeIds = new Set(
      (
        await sql<
          { id: string }[]
        >`select id from sf_users where integration_id = ${integrationId} and is_active`
      ).map((r) => r.id),
    );
    expect(report.apiOnlyUsers.map((u) => u.userId).sort()).toEqual(
      truth.apiOnlyUserIds.filter((id) => activeIds.has(id)).sort(),
    );
    expect(report.totals.unused).toBe(ids('unused').length);
    const salesforce = report.licenses.find((l) => l.license === 'Salesforce')!;
    expect(salesforce.totalLicenses).toBeGreaterThan(0);
    expect(salesforce.estimatedMonthlySavings).toBe(salesforce.reclaimable * 150);

    const summary = await authActivitySummary(sql, integrationId, {
      groupBy: 'week',
      from: new Date(0),
      to: now,
    });
    const byStatus = summary.filter((r) => r.dimension === 'status');
    expect(byStatus.reduce((n, r) => n + r.logins, 0)).toBe(200_000);
    expect(summary.filter((r) => r.dimension === 'country').reduce((n, r) => n + r.logins, 0)).toBe(200_000);
  }, 240_000);
});

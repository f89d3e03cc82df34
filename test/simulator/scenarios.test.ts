import { beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type ScenarioSpec } from '../../simulator/index';
import { findViolations, type InvariantRule } from '../../simulator/generator/invariants';

const cases: [ScenarioSpec, InvariantRule][] = [
  [{ kind: 'bruteForce' }, 'bruteForce'],
  [{ kind: 'passwordSpray', users: 18 }, 'passwordSpray'],
  [{ kind: 'impossibleTravel' }, 'impossibleTravel'],
  [{ kind: 'dormantReactivation' }, 'dormantReactivation'],
  [{ kind: 'inactiveUserAttempt' }, 'inactiveOrFrozenAttempt'],
  [{ kind: 'frozenUserAttempt' }, 'inactiveOrFrozenAttempt'],
  [{ kind: 'apiOnlyUiLogin' }, 'apiOnlyUiLogin'],
  [{ kind: 'newCountry' }, 'newCountry'],
  [{ kind: 'privilegedUnused' }, 'privilegedUnused'],
];

describe('plantable scenarios', () => {
  it.each(cases)(
    '%o is recorded in the truth and is exactly what a detector would find',
    (scenario, rule) => {
      const simulator = createSimulator({ clock: { frozen: true, start: Date.UTC(2025, 5, 2, 12) } });
      simulator.control.createOrg({ key: 's', users: 150, logins: 12_000, seed: 21 });
      const internals = simulator.control.internals('s');
      const planted = simulator.control.plantScenario('s', scenario);
      expect(planted.kind).toBe(scenario.kind);
      const violations = findViolations(internals.data, simulator.control.now().getTime());
      expect(violations.map((violation) => violation.rule)).toEqual([rule]);
      if (rule !== 'passwordSpray') expect(violations[0]!.userId).toBe(planted.userId);
      const loginIds = new Set(
        Array.from({ length: internals.data.logins.size() }, (_, row) =>
          String(internals.data.loginHistory.column('Id')(row)),
        ),
      );
      for (const id of planted.evidenceIds) expect(loginIds.has(id)).toBe(true);
      if (scenario.kind === 'privilegedUnused') expect(planted.relatedIds).toHaveLength(1);
      else expect(planted.evidenceIds.length).toBeGreaterThan(0);
      expect(simulator.control.truth('s').scenarios).toEqual([planted]);
    },
  );

  it('plants scenarios given at creation and serves their evidence over SOQL', async () => {
    const simulator = createSimulator({ clock: { frozen: true, start: Date.UTC(2025, 5, 2, 12) } });
    simulator.control.createOrg({
      key: 's',
      users: 100,
      logins: 5000,
      seed: 2,
      scenarios: [{ kind: 'bruteForce', failures: 15 }, { kind: 'newCountry' }],
    });
    const truth = simulator.control.truth('s');
    expect(truth.scenarios.map((scenario) => scenario.kind)).toEqual(['bruteForce', 'newCountry']);
    expect(truth.scenarios[0]!.evidenceIds).toHaveLength(16);
    const internals = simulator.control.internals('s');
    expect(
      findViolations(internals.data, simulator.control.now().getTime())
        .map((v) => v.rule)
        .sort(),
    ).toEqual(['bruteForce', 'newCountry']);
  });

  it('refuses scenarios the org cannot support', () => {
    const simulator = createSimulator();
    simulator.control.createOrg({ key: 'tiny', users: 8, logins: 50, seed: 1 });
    expect(() => simulator.control.plantScenario('tiny', { kind: 'passwordSpray', users: 40 })).toThrow(
      /password spray needs 40/,
    );
    expect(() => simulator.control.plantScenario('tiny', { kind: 'bruteForce', failures: 3 })).toThrow();
  });
});

describe('truth as a collector sees it', () => {
  let simulator: ReturnType<typeof createSimulator>;
  beforeAll(() => {
    simulator = createSimulator({ clock: { frozen: true, start: Date.UTC(2025, 5, 2, 12) } });
    simulator.control.createOrg({ key: 't', users: 120, logins: 8000, seed: 8 });
  });

  it('lists privileged users who all logged in within 30 days on a clean org', () => {
    const truth = simulator.control.truth('t');
    const now = simulator.control.now().getTime();
    for (const id of truth.privilegedUserIds) {
      const last = truth.lastSuccessfulLogin[id];
      expect(last, id).not.toBeNull();
      expect(now - Date.parse(last!)).toBeLessThan(30 * 86_400_000);
    }
  });
});

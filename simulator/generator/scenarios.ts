import type { Geo } from '../data/login-store';
import type { OrgData } from '../data/org-data';
import { allPermissions, isPrivileged } from '../data/permissions';
import { id15, KEY_PREFIX } from '../ids';
import type { Random } from '../random';
import { CITIES, HOSTILE_CITIES, distanceKm, type City } from './catalog';
import { ELEVATED_PERMISSION_SET } from './directory';
import type { LoginGenerator } from './logins';
import { scenarioSpecSchema, type PlantedScenario, type ScenarioSpec } from './scenario-spec';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 86_400_000;

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

export interface ScenarioContext {
  data: OrgData;
  generator: LoginGenerator;
  random: Random;
  now(): number;
  /** Moves the shared clock forward when a pattern needs time that has not passed yet. */
  advanceClockTo(time: number): void;
}

interface Step {
  userRow: number;
  offsetMs: number;
  status: string;
  geo?: Geo;
  ip?: string;
  overrides?: Partial<{
    loginType: string;
    loginSubType: string | null;
    application: string;
    browser: string;
    platform: string;
  }>;
}

const ipIn = (random: Random, city: City) =>
  `${city.ipPrefix[0]}.${city.ipPrefix[1]}.${random.int(256)}.${1 + random.int(254)}`;

export function plantScenario(
  context: ScenarioContext,
  input: ScenarioSpec,
  sequence: number,
): PlantedScenario {
  const spec = scenarioSpecSchema.parse(input);
  const { data, generator, random } = context;
  const users = data.records.User;
  const userLogins = data.records.UserLogin;
  const people = data.people;
  const permissions = allPermissions(data);
  const now = context.now();
  const userIdOf = (row: number) => String(users.rows[row]!.Id);
  const frozen = new Set(
    userLogins.rows.filter((login) => login.IsFrozen === true).map((login) => id15(String(login.UserId))),
  );
  const isFrozen = (row: number) => frozen.has(id15(userIdOf(row)));

  function rowFor(userId: string | undefined, fallback: (row: number) => boolean, what: string): number {
    if (userId) {
      const row = users.rowOfId(userId);
      if (row < 0) throw new ScenarioError(`no user ${userId} in this org`);
      return row;
    }
    const candidates = people.map((_, row) => row).filter(fallback);
    if (candidates.length === 0) throw new ScenarioError(`this org has no ${what}`);
    return random.pick(candidates);
  }

  const humanActive = (row: number) => {
    const person = people[row]!;
    return (
      ['standard', 'platform', 'chatter'].includes(person.role) &&
      (person.lifecycle === 'active' || person.lifecycle === 'newHire') &&
      users.rows[row]!.IsActive === true &&
      !isFrozen(row) &&
      !isPrivileged(permissions[row]!) &&
      generator.lastSuccess(row) !== null
    );
  };

  /** Appends steps after every existing row; moves the clock if the pattern ends in the future. */
  function append(steps: Step[], earliest = 0): string[] {
    const span = Math.max(...steps.map((step) => step.offsetMs));
    const base = Math.ceil(Math.max(now - span, data.logins.lastTime() + SECOND, earliest) / SECOND) * SECOND;
    context.advanceClockTo(base + span);
    return steps
      .sort((a, b) => a.offsetMs - b.offsetMs)
      .map((step) => {
        const login = {
          ...generator.loginFor(step.userRow, base + step.offsetMs, step.status, step.geo, step.ip),
          ...step.overrides,
        };
        return String(data.loginHistory.column('Id')(generator.record(step.userRow, login)));
      });
  }

  const planted = (
    kind: PlantedScenario['kind'],
    rows: number[],
    evidenceIds: string[],
    description: string,
    extra: Partial<PlantedScenario> = {},
  ): PlantedScenario => ({
    id: `scenario-${sequence}`,
    kind,
    userId: userIdOf(rows[0]!),
    userIds: rows.map(userIdOf),
    evidenceIds,
    relatedIds: [],
    plantedAt: new Date(context.now()).toISOString(),
    sourceIp: null,
    countries: [],
    description,
    ...extra,
  });

  switch (spec.kind) {
    case 'bruteForce': {
      const row = rowFor(spec.userId, humanActive, 'active user with logins');
      // Same city as the user, new address: only the failure burst stands out, not travel.
      const ip = ipIn(random, people[row]!.homeGeo);
      const steps: Step[] = Array.from({ length: spec.failures }, (_, i) => ({
        userRow: row,
        offsetMs: i * 45 * SECOND,
        status: 'Invalid Password',
        ip,
      }));
      steps.push({ userRow: row, offsetMs: spec.failures * 45 * SECOND, status: 'Success', ip });
      const evidence = append(steps);
      return planted(
        'bruteForce',
        [row],
        evidence,
        `${spec.failures} failed logins within ${Math.ceil((spec.failures * 45) / 60)} minutes, then a success`,
        {
          sourceIp: ip,
          countries: [people[row]!.homeGeo.countryIso],
        },
      );
    }
    case 'passwordSpray': {
      const candidates = people.map((_, row) => row).filter(humanActive);
      if (candidates.length < spec.users)
        throw new ScenarioError(
          `password spray needs ${spec.users} active users; this org has ${candidates.length}`,
        );
      const targets: number[] = [];
      while (targets.length < spec.users) {
        const row = random.pick(candidates);
        if (!targets.includes(row)) targets.push(row);
      }
      const city = random.pick(HOSTILE_CITIES);
      const ip = spec.ip ?? ipIn(random, city);
      const spacing = Math.min(10 * SECOND, Math.floor((240 * SECOND) / spec.users));
      const evidence = append(
        targets.map((userRow, i) => ({
          userRow,
          offsetMs: i * spacing,
          status: 'Invalid Password',
          geo: city,
          ip,
        })),
      );
      return planted(
        'passwordSpray',
        targets,
        evidence,
        `${spec.users} users failed from one address within ${Math.ceil((spacing * spec.users) / MINUTE)} minutes`,
        {
          sourceIp: ip,
          countries: [city.countryIso],
        },
      );
    }
    case 'impossibleTravel': {
      // A recent hire is still inside the 90-day window where a new country is not an anomaly by itself.
      const recentHire = (row: number) =>
        humanActive(row) && people[row]!.lifecycle === 'newHire' && now - people[row]!.activeFrom < 60 * DAY;
      const hasRecentHire = !spec.userId && people.some((_, row) => recentHire(row));
      const row = rowFor(spec.userId, hasRecentHire ? recentHire : humanActive, 'active user with logins');
      const home = people[row]!.homeGeo;
      const far = CITIES.filter((city) => city.countryIso !== home.countryIso).sort(
        (a, b) => distanceKm(home, b) - distanceKm(home, a),
      )[0]!;
      const evidence = append([
        { userRow: row, offsetMs: 0, status: 'Success' },
        {
          userRow: row,
          offsetMs: spec.minutesApart * MINUTE,
          status: 'Success',
          geo: far,
          ip: ipIn(random, far),
        },
      ]);
      const km = Math.round(distanceKm(home, far));
      return planted(
        'impossibleTravel',
        [row],
        evidence,
        `successful logins ${km} km apart within ${spec.minutesApart} minutes`,
        {
          countries: [home.countryIso, far.countryIso],
        },
      );
    }
    case 'dormantReactivation': {
      const quiet = (row: number) => {
        const last = generator.lastSuccess(row);
        return (
          users.rows[row]!.IsActive === true &&
          !isFrozen(row) &&
          people[row]!.lifecycle === 'dormant' &&
          last !== null &&
          now - last >= 90 * DAY
        );
      };
      const withHistory = (row: number) => quiet(row) && people[row]!.loginBeforeHistory === null;
      const row = rowFor(
        spec.userId,
        people.some((_, r) => withHistory(r)) ? withHistory : quiet,
        'dormant user',
      );
      const last = generator.lastSuccess(row);
      const evidence = append([{ userRow: row, offsetMs: 0, status: 'Success' }]);
      return planted(
        'dormantReactivation',
        [row],
        evidence,
        `success after a quiet period since ${last ? new Date(last).toISOString() : 'never'}`,
        {
          countries: [people[row]!.homeGeo.countryIso],
        },
      );
    }
    case 'inactiveUserAttempt':
    case 'frozenUserAttempt': {
      const inactive = spec.kind === 'inactiveUserAttempt';
      const row = rowFor(
        spec.userId,
        (r) =>
          people[r]!.role !== 'system' &&
          (inactive ? users.rows[r]!.IsActive === false : isFrozen(r) && users.rows[r]!.IsActive === true),
        inactive ? 'inactive user' : 'frozen user',
      );
      // Status strings as seen in LoginHistory.Status (salesforce.stackexchange.com/q/146422).
      const status = inactive ? 'User is Inactive' : 'User Is Frozen';
      const evidence = append(
        Array.from({ length: spec.attempts }, (_, i) => ({
          userRow: row,
          offsetMs: i * 2 * MINUTE,
          status,
          overrides: {
            loginType: 'Application',
            loginSubType: null,
            application: 'Browser',
            browser: people[row]!.browser,
            platform: people[row]!.platform,
          },
        })),
      );
      return planted(
        spec.kind,
        [row],
        evidence,
        `${spec.attempts} login attempt(s) on a${inactive ? 'n inactive' : ' frozen'} user`,
        {
          countries: [people[row]!.homeGeo.countryIso],
        },
      );
    }
    case 'apiOnlyUiLogin': {
      const row = rowFor(
        spec.userId,
        (r) => people[r]!.role === 'integration' && users.rows[r]!.IsActive === true,
        'API-only integration user',
      );
      const evidence = append([
        {
          userRow: row,
          offsetMs: 0,
          status: spec.status,
          overrides: {
            loginType: 'Application',
            loginSubType: null,
            application: 'Browser',
            browser: 'Chrome 125',
            platform: 'Windows 11',
          },
        },
      ]);
      return planted('apiOnlyUiLogin', [row], evidence, 'UI login ("Application") by an API-only user', {
        countries: [people[row]!.homeGeo.countryIso],
      });
    }
    case 'newCountry': {
      const established = (row: number) => humanActive(row) && now - people[row]!.activeFrom >= 100 * DAY;
      const row = rowFor(spec.userId, established, 'user active for more than 90 days');
      const home = people[row]!.homeGeo;
      const near = CITIES.filter((city) => city.countryIso !== home.countryIso).sort(
        (a, b) => distanceKm(home, a) - distanceKm(home, b),
      )[0]!;
      // Far enough in time after the last success that the trip is plausible (< 900 km/h, > 30 minutes).
      const last = generator.lastSuccess(row) ?? 0;
      const earliest = last + Math.max(31 * MINUTE, (distanceKm(home, near) / 900) * 3_600_000 + 10 * MINUTE);
      const evidence = append(
        [{ userRow: row, offsetMs: 0, status: 'Success', geo: near, ip: ipIn(random, near) }],
        earliest,
      );
      return planted(
        'newCountry',
        [row],
        evidence,
        `first login from ${near.country} after more than 90 days of history`,
        {
          countries: [near.countryIso],
        },
      );
    }
    case 'privilegedUnused': {
      const cutoff = now - spec.days * DAY;
      const unusedSince = (row: number) => {
        const last = generator.lastSuccess(row);
        return last !== null && last <= cutoff;
      };
      const regular = (row: number) =>
        ['standard', 'platform'].includes(people[row]!.role) &&
        users.rows[row]!.IsActive === true &&
        !isFrozen(row) &&
        !isPrivileged(permissions[row]!) &&
        unusedSince(row);
      const row = rowFor(undefined, regular, `active user unused for ${spec.days} days`);
      const permissionSet = data.records.PermissionSet.rows.find(
        (set) => set.Name === ELEVATED_PERMISSION_SET,
      )!;
      const assignmentId = data.newId(KEY_PREFIX.PermissionSetAssignment);
      data.records.PermissionSetAssignment.insert({
        Id: assignmentId,
        AssigneeId: userIdOf(row),
        PermissionSetId: permissionSet.Id!,
        PermissionSetGroupId: null,
        ExpirationDate: null,
        IsActive: true,
        IsRevoked: false,
        SystemModstamp: now,
      });
      // Keep the planted state stable: this user makes no further clean logins.
      people[row]!.activeUntil = Math.min(people[row]!.activeUntil, now);
      const last = generator.lastSuccess(row)!;
      return planted(
        'privilegedUnused',
        [row],
        [],
        `granted Modify All Data; last login ${Math.floor((now - last) / DAY)} days ago`,
        {
          relatedIds: [assignmentId],
        },
      );
    }
  }
}

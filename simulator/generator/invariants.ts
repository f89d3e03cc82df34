import type { OrgData } from '../data/org-data';
import { allPermissions, isPrivileged } from '../data/permissions';
import { id15 } from '../ids';
import { distanceKm } from './catalog';

const MINUTE = 60_000;
const DAY = 86_400_000;

export type InvariantRule =
  | 'bruteForce'
  | 'passwordSpray'
  | 'impossibleTravel'
  | 'newCountry'
  | 'dormantReactivation'
  | 'inactiveOrFrozenAttempt'
  | 'apiOnlyUiLogin'
  | 'privilegedUnused';

export interface Violation {
  rule: InvariantRule;
  userId: string | null;
  detail: string;
}

/**
 * Checks the clean-data invariants documented in ./logins.ts against an org's data, the way a detector
 * would look at it. A clean org yields no violations; each planted scenario yields its own rule.
 */
export function findViolations(data: OrgData, now: number): Violation[] {
  const { logins } = data;
  const { columns } = logins;
  const users = data.records.User.rows;
  const violations: Violation[] = [];
  const success = logins.dictionaries.status.code('Success');
  const perUser: number[][] = users.map(() => []);
  const failuresByIp = new Map<number, number[]>();
  for (let row = 0; row < logins.size(); row++) {
    perUser[columns.userRow[row]!]!.push(row);
    if (columns.codes.status[row] !== success) {
      const list = failuresByIp.get(columns.ip[row]!) ?? [];
      list.push(row);
      failuresByIp.set(columns.ip[row]!, list);
    }
  }
  const geo = (row: number) => logins.geos.value(columns.geo[row]!);
  const permissions = allPermissions(data);
  const frozenSince = new Map(
    data.records.UserLogin.rows
      .filter((row) => row.IsFrozen === true)
      .map((row) => [id15(String(row.UserId)), Number(row.LastModifiedDate)]),
  );

  for (const [ip, rows] of failuresByIp) {
    for (let start = 0, end = 0; end < rows.length; end++) {
      while (columns.time[rows[end]!]! - columns.time[rows[start]!]! > 5 * MINUTE) start++;
      const distinct = new Set(rows.slice(start, end + 1).map((row) => columns.userRow[row]));
      if (distinct.size > 15) {
        violations.push({
          rule: 'passwordSpray',
          userId: null,
          detail: `${logins.ipText(rows[end]!)} failed for ${distinct.size} users`,
        });
        break;
      }
    }
    void ip;
  }

  users.forEach((user, userRow) => {
    const userId = String(user.Id);
    const rows = perUser[userRow]!;
    const failures = rows.filter((row) => columns.codes.status[row] !== success);
    for (let start = 0, end = 0; end < failures.length; end++) {
      while (columns.time[failures[end]!]! - columns.time[failures[start]!]! > 20 * MINUTE) start++;
      if (end - start + 1 >= 10) {
        violations.push({
          rule: 'bruteForce',
          userId,
          detail: `${end - start + 1} failures within 20 minutes`,
        });
        break;
      }
    }
    const successes = rows.filter((row) => columns.codes.status[row] === success);
    const seenCountries = new Set<string>();
    const firstSuccess = successes.length > 0 ? columns.time[successes[0]!]! : null;
    let previous: number | null = null;
    let previousTime = data.people[userRow]!.loginBeforeHistory;
    for (const row of successes) {
      const time = columns.time[row]!;
      const here = geo(row);
      if (previousTime !== null && time - previousTime >= 90 * DAY) {
        violations.push({
          rule: 'dormantReactivation',
          userId,
          detail: `success after ${Math.floor((time - previousTime) / DAY)} quiet days`,
        });
      }
      if (previous !== null && here) {
        const there = geo(previous);
        const hours = Math.max(1 / 3600, (time - columns.time[previous]!) / 3_600_000);
        if (
          there &&
          (distanceKm(there, here) / hours > 1000 || (there.countryIso !== here.countryIso && hours < 0.5))
        ) {
          violations.push({
            rule: 'impossibleTravel',
            userId,
            detail: `${there.city} → ${here.city} in ${Math.round(hours * 60)} minutes`,
          });
        }
      }
      if (here && !seenCountries.has(here.countryIso)) {
        if (firstSuccess !== null && seenCountries.size > 0 && time - firstSuccess > 90 * DAY) {
          violations.push({ rule: 'newCountry', userId, detail: `first login from ${here.countryIso}` });
        }
        seenCountries.add(here.countryIso);
      }
      previous = row;
      previousTime = time;
    }
    const deactivatedAt =
      user.IsActive === false ? Number(user.LastModifiedDate) : frozenSince.get(id15(userId));
    for (const row of rows) {
      const status = logins.text('status', row);
      if (
        status === 'User is Inactive' ||
        status === 'User Is Frozen' ||
        (deactivatedAt !== undefined && columns.time[row]! >= deactivatedAt)
      ) {
        violations.push({
          rule: 'inactiveOrFrozenAttempt',
          userId,
          detail: `${status} at ${new Date(columns.time[row]!).toISOString()}`,
        });
        break;
      }
    }
    if (
      permissions[userRow]!.PermissionsApiUserOnly &&
      rows.some((row) => logins.text('loginType', row) === 'Application')
    ) {
      violations.push({ rule: 'apiOnlyUiLogin', userId, detail: 'Application login by an API-only user' });
    }
    if (user.IsActive === true && isPrivileged(permissions[userRow]!)) {
      const last = previousTime ?? Number(user.CreatedDate);
      if (now - last >= 30 * DAY)
        violations.push({
          rule: 'privilegedUnused',
          userId,
          detail: `unused for ${Math.floor((now - last) / DAY)} days`,
        });
    }
  });
  return violations;
}

import type { OrgData } from '../data/org-data';
import { allPermissions, isPrivileged } from '../data/permissions';
import { id15 } from '../ids';
import type { PlantedScenario } from './scenario-spec';

const DAY = 86_400_000;

export interface TruthOptions {
  asOf: number;
  unusedDays: number;
}

export interface Truth {
  asOf: string;
  unusedDays: number;
  counts: Record<string, number>;
  users: { total: number; active: number; inactive: number };
  /** Active (licence-consuming) users whose last successful login, or creation if none, is older than unusedDays. */
  unusedActiveUserIds: string[];
  /** Active users with no successful login at all. */
  neverLoggedInUserIds: string[];
  /** Frozen users that are still active and so still hold a licence. */
  frozenWithLicenseUserIds: string[];
  apiOnlyUserIds: string[];
  /** Active users with Modify All Data, View All Data or Manage Users. */
  privilegedUserIds: string[];
  inactiveUserIds: string[];
  lastSuccessfulLogin: Record<string, string | null>;
  scenarios: PlantedScenario[];
}

export function objectCounts(data: OrgData): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [name, table] of Object.entries(data.records)) counts[name] = table.size();
  counts.LoginHistory = data.logins.size();
  counts.LoginGeo = data.logins.size();
  return counts;
}

/** What a correct collector and detector should conclude about this org, computed from the data itself. */
export function computeTruth(data: OrgData, scenarios: PlantedScenario[], options: TruthOptions): Truth {
  const users = data.records.User.rows;
  const { columns } = data.logins;
  const successCode = data.logins.dictionaries.status.code('Success');
  const end = data.logins.lowerBound(options.asOf, true);
  const lastSuccess = new Float64Array(users.length);
  for (let row = 0; row < end; row++) {
    if (columns.codes.status[row] === successCode) lastSuccess[columns.userRow[row]!] = columns.time[row]!;
  }
  const frozen = new Set(
    data.records.UserLogin.rows
      .filter((login) => login.IsFrozen === true)
      .map((login) => id15(String(login.UserId))),
  );
  const permissions = allPermissions(data);
  const cutoff = options.asOf - options.unusedDays * DAY;
  const truth: Truth = {
    asOf: new Date(options.asOf).toISOString(),
    unusedDays: options.unusedDays,
    counts: objectCounts(data),
    users: { total: users.length, active: 0, inactive: 0 },
    unusedActiveUserIds: [],
    neverLoggedInUserIds: [],
    frozenWithLicenseUserIds: [],
    apiOnlyUserIds: [],
    privilegedUserIds: [],
    inactiveUserIds: [],
    lastSuccessfulLogin: {},
    scenarios,
  };
  users.forEach((user, row) => {
    const id = String(user.Id);
    const person = data.people[row]!;
    const before = person.loginBeforeHistory;
    const last =
      lastSuccess[row]! > 0 ? lastSuccess[row]! : before !== null && before <= options.asOf ? before : null;
    truth.lastSuccessfulLogin[id] = last === null ? null : new Date(last).toISOString();
    if (permissions[row]!.PermissionsApiUserOnly) truth.apiOnlyUserIds.push(id);
    if (user.IsActive !== true) {
      truth.users.inactive++;
      truth.inactiveUserIds.push(id);
      return;
    }
    truth.users.active++;
    if (isPrivileged(permissions[row]!)) truth.privilegedUserIds.push(id);
    if (frozen.has(id15(id))) truth.frozenWithLicenseUserIds.push(id);
    // The Automated Process user never logs in by design and holds no licence.
    if (person.role === 'system' || Number(user.CreatedDate) > options.asOf) return;
    if (last === null) truth.neverLoggedInUserIds.push(id);
    if ((last ?? Number(user.CreatedDate)) < cutoff) truth.unusedActiveUserIds.push(id);
  });
  return truth;
}

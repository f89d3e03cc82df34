import type { SimulatorClock } from '../clock';
import { createOrgData, type OrgData } from '../data/org-data';
import {
  fullLicenseCount,
  generateDirectory,
  MINIMUM_ACCESS_PROFILE,
  permissionColumns,
  RUN_AS_PROFILE,
  runAsFlags,
} from '../generator/directory';
import { createLoginGenerator, type LoginGenerator } from '../generator/logins';
import type { PlantedScenario } from '../generator/scenario-spec';
import { orgCodeFor } from '../ids';
import { createCursorStore, type CursorStore } from '../query/cursor-store';
import { createRandom, type Random } from '../random';
import { createCounters, type Counters } from './counters';
import { defaultApiEnabled, defaultDailyApiMax } from './editions';
import { NO_FAULTS, type Faults } from './faults';
import type { OrgConfig, OrgPatch, orgSpecSchema } from './org-spec';
import { createTokenStore, type TokenStore } from './token-store';
import { createUsageMeter, type UsageMeter } from './usage-meter';
import type { z } from 'zod';

const DAY = 86_400_000;
export const HISTORY_DAYS = 182;

/** One simulated Salesforce org: its configuration, data, sessions, API usage, cursors and faults. */
export interface Org {
  readonly number: number;
  readonly config: OrgConfig;
  readonly data: OrgData;
  readonly generator: LoginGenerator;
  readonly tokens: TokenStore;
  readonly usage: UsageMeter;
  readonly cursors: CursorStore;
  counters: Counters;
  faults: Faults;
  readonly faultRandom: Random;
  readonly scenarioRandom: Random;
  readonly scenarios: PlantedScenario[];
  inflight: number;
  callsSinceRevoke: number;
  readonly runAsRow: number;
  applyPatch(patch: OrgPatch): void;
}

function hashKey(key: string): number {
  let hash = 2166136261;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 16777619);
  return hash >>> 0;
}

function credential(random: Random, prefix: string, length: number, alphabet: string): string {
  let out = prefix;
  while (out.length < length) out += alphabet[random.int(alphabet.length)];
  return out;
}

export function buildOrg(spec: z.output<typeof orgSpecSchema>, number: number, clock: SimulatorClock): Org {
  const key = spec.key ?? `org${number}`;
  const seed = spec.seed ?? hashKey(key);
  const random = createRandom(seed);
  const now = Math.floor(clock.now() / 1000) * 1000;
  const name = spec.name ?? `${key.charAt(0).toUpperCase()}${key.slice(1)} Corp`;
  const data = createOrgData(
    orgCodeFor(number),
    `${key}.my.salesforce.com`,
    now - HISTORY_DAYS * DAY,
    spec.logins,
  );
  generateDirectory(data, random, {
    orgName: name,
    edition: spec.edition,
    users: spec.users,
    now,
    runAsCanManageUsers: spec.runAsCanManageUsers,
    runAsApiEnabled: spec.runAsApiEnabled,
    runAsCanManageExternalUsers: spec.runAsCanManageExternalUsers,
    runAsApiOnly: spec.runAsApiOnly,
  });
  const generator = createLoginGenerator(data, random);
  generator.generateHistory(spec.logins, now);

  const credentials = createRandom(seed ^ hashKey(`credentials:${key}`));
  const config: OrgConfig = {
    key,
    name,
    edition: spec.edition,
    seed,
    // Consumer keys start with 3MVG9 and secrets are 64 hex digits, as Salesforce issues them.
    consumerKey: credential(
      credentials,
      '3MVG9',
      85,
      'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._',
    ),
    consumerSecret: credential(credentials, '', 64, '0123456789ABCDEF'),
    clientCredentialsEnabled: spec.clientCredentialsEnabled,
    runAsUser: spec.runAsUser,
    runAsCanManageUsers: spec.runAsCanManageUsers,
    runAsApiEnabled: spec.runAsApiEnabled,
    runAsCanManageExternalUsers: spec.runAsCanManageExternalUsers,
    runAsApiOnly: spec.runAsApiOnly,
    runAsProfile: spec.runAsProfile,
    runAsLicense: spec.runAsLicense,
    ipRestricted: spec.ipRestricted,
    apiEnabled: spec.apiEnabled ?? defaultApiEnabled(spec.edition),
    dailyApiMax: spec.dailyApiMax ?? defaultDailyApiMax(spec.edition, fullLicenseCount(data)),
    sessionTimeoutMinutes: spec.sessionTimeoutMinutes,
    locatorTtlMinutes: spec.locatorTtlMinutes,
  };

  const org: Org = {
    number,
    config,
    data,
    generator,
    tokens: createTokenStore(data.orgId.slice(0, 15), () => config.sessionTimeoutMinutes * 60_000),
    usage: createUsageMeter(),
    cursors: createCursorStore({ orgCode: data.orgCode, ttlMs: () => config.locatorTtlMinutes * 60_000 }),
    counters: createCounters(),
    faults: NO_FAULTS,
    faultRandom: createRandom(seed ^ 0xfa17),
    scenarioRandom: createRandom(seed ^ 0x5ce7),
    scenarios: [],
    inflight: 0,
    callsSinceRevoke: 0,
    runAsRow: data.people.findIndex((person) => person.role === 'runAs'),
    applyPatch(patch) {
      Object.assign(
        config,
        Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)),
      );
      if (RUN_AS_SWITCHES.some((name) => patch[name] !== undefined))
        syncRunAsProfile(data, config, clock.now(), org.runAsRow);
    },
  };
  if (spec.runAsProfile !== 'collector' || spec.runAsLicense !== 'Salesforce')
    syncRunAsProfile(data, config, now, org.runAsRow);
  return org;
}

const RUN_AS_SWITCHES = [
  'runAsCanManageUsers',
  'runAsApiEnabled',
  'runAsCanManageExternalUsers',
  'runAsApiOnly',
  'runAsProfile',
  'runAsLicense',
] as const;

/**
 * The run-as user's profile (and the permission set it owns) mirror the org's configuration: its
 * permissions, its licence, and which profile the user is on (moving the user moves its profile's permission
 * set assignment too, as Salesforce does).
 */
function syncRunAsProfile(data: OrgData, config: OrgConfig, now: number, runAsRow: number) {
  const { Profile, PermissionSet, PermissionSetAssignment, User, UserLicense } = data.records;
  const collector = Profile.rows.find((row) => row.Name === RUN_AS_PROFILE);
  const minimum = Profile.rows.find((row) => row.Name === MINIMUM_ACCESS_PROFILE);
  const licence = UserLicense.rows.find((row) => row.Name === config.runAsLicense);
  if (!collector || !minimum) return;
  const touch = (row: Record<string, unknown>) => {
    row.LastModifiedDate = now;
    row.SystemModstamp = now;
  };
  const collectorSets = PermissionSet.rows.filter((row) => row.ProfileId === collector.Id);
  for (const row of [collector, ...collectorSets]) {
    Object.assign(row, permissionColumns(runAsFlags(config)));
    if (licence) row[row === collector ? 'UserLicenseId' : 'LicenseId'] = licence.Id ?? null;
    touch(row);
  }
  const user = User.rows[runAsRow];
  const target = config.runAsProfile === 'minimumAccess' ? minimum : collector;
  if (!user || user.ProfileId === target.Id) return;
  const ownedBy = (profile: Record<string, unknown>) =>
    PermissionSet.rows.find((row) => row.ProfileId === profile.Id && row.IsOwnedByProfile === true)?.Id;
  const from = ownedBy(user.ProfileId === minimum.Id ? minimum : collector);
  const to = ownedBy(target);
  user.ProfileId = target.Id ?? null;
  touch(user);
  for (const assignment of PermissionSetAssignment.rows) {
    if (assignment.AssigneeId === user.Id && assignment.PermissionSetId === from) {
      assignment.PermissionSetId = to ?? null;
      touch(assignment);
    }
  }
}

import { z } from 'zod';
import { plantScenario as plant, ScenarioError } from '../generator/scenarios';
import type { PlantedScenario, ScenarioSpec } from '../generator/scenario-spec';
import { computeTruth, objectCounts, type Truth } from '../generator/truth';
import { createCounters, type Counters } from '../org/counters';
import { faultsSchema, NO_FAULTS, type Faults, type FaultsInput } from '../org/faults';
import { buildOrg, type Org } from '../org/org';
import { orgPatchSchema, orgSpecSchema, type OrgPatch, type OrgSpec } from '../org/org-spec';
import { orgBasePath, type SimulatorState } from '../state';
import { ControlError } from './errors';
import {
  appendLoginsSchema,
  consumeApiCallsSchema,
  touchUsersSchema,
  truthQuerySchema,
  type AppendLoginsInput,
  type TouchUsersInput,
  type TruthQuery,
} from './schemas';

export interface CreatedOrg {
  key: string;
  orgId: string;
  /** The org's "My Domain": use it exactly like https://acme.my.salesforce.com. */
  salesforceUrl: string;
  consumerKey: string;
  consumerSecret: string;
  runAsUserId: string;
  runAsUsername: string;
  edition: string;
  dailyApiMax: number;
}

export interface OrgSummary extends CreatedOrg {
  name: string;
  seed: number;
  clientCredentialsEnabled: boolean;
  runAsUser: boolean;
  runAsCanManageUsers: boolean;
  runAsApiEnabled: boolean;
  runAsCanManageExternalUsers: boolean;
  runAsApiOnly: boolean;
  runAsProfile: 'collector' | 'minimumAccess';
  runAsLicense: 'Salesforce' | 'Salesforce Integration';
  ipRestricted: boolean;
  apiEnabled: boolean;
  sessionTimeoutMinutes: number;
  locatorTtlMinutes: number;
  faults: Faults;
}

export interface CounterSnapshot extends Counters {
  currentUsage: number;
  max: number;
  peakUsage: number;
  peakUsagePercent: number;
  openCursors: number;
  activeSessions: number;
}

export interface AppendedLogins {
  count: number;
  firstId: string | null;
  lastId: string | null;
  firstLoginTime: string | null;
  lastLoginTime: string | null;
}

/** Test and operator control over a running simulator; the same operations are served under /__simulator. */
export interface SimulatorControl {
  createOrg(spec?: OrgSpec): CreatedOrg;
  listOrgs(): OrgSummary[];
  getOrg(key: string): OrgSummary;
  deleteOrg(key: string): void;
  configureOrg(key: string, patch: OrgPatch): OrgSummary;
  plantScenario(key: string, scenario: ScenarioSpec): PlantedScenario;
  appendLogins(key: string, input: AppendLoginsInput): AppendedLogins;
  touchUsers(key: string, input: TouchUsersInput): { userIds: string[]; systemModstamp: string };
  truth(key: string, query?: TruthQuery): Truth;
  advanceClock(ms: number): Date;
  now(): Date;
  setFaults(key: string, faults: FaultsInput): Faults;
  clearFaults(key: string): void;
  revokeTokens(key: string): { revoked: number };
  consumeApiCalls(key: string, count: number): { currentUsage: number; max: number };
  counters(key: string): CounterSnapshot;
  resetCounters(key: string): void;
  objectCounts(key: string): Record<string, number>;
  /** The org's internals, for tests that need to look underneath the API. */
  internals(key: string): Org;
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ControlError('INVALID_REQUEST', z.prettifyError(result.error));
  return result.data;
}

export function createControl(state: SimulatorState): SimulatorControl {
  const { clock } = state;
  const orgOf = (key: string): Org => {
    const org = state.orgs.get(key);
    if (!org) throw new ControlError('ORG_NOT_FOUND', `no org with key '${key}'`);
    return org;
  };
  const describe = (org: Org): OrgSummary => {
    const { config, data } = org;
    const runAs = data.records.User.rows[org.runAsRow]!;
    return {
      key: config.key,
      orgId: data.orgId,
      salesforceUrl: `${state.publicUrl ?? ''}${orgBasePath(config.key)}`,
      consumerKey: config.consumerKey,
      consumerSecret: config.consumerSecret,
      runAsUserId: String(runAs.Id),
      runAsUsername: String(runAs.Username),
      edition: config.edition,
      dailyApiMax: config.dailyApiMax,
      name: config.name,
      seed: config.seed,
      clientCredentialsEnabled: config.clientCredentialsEnabled,
      runAsUser: config.runAsUser,
      runAsCanManageUsers: config.runAsCanManageUsers,
      runAsApiEnabled: config.runAsApiEnabled,
      runAsCanManageExternalUsers: config.runAsCanManageExternalUsers,
      runAsApiOnly: config.runAsApiOnly,
      runAsProfile: config.runAsProfile,
      runAsLicense: config.runAsLicense,
      ipRestricted: config.ipRestricted,
      apiEnabled: config.apiEnabled,
      sessionTimeoutMinutes: config.sessionTimeoutMinutes,
      locatorTtlMinutes: config.locatorTtlMinutes,
      faults: org.faults,
    };
  };
  const scenarioContext = (org: Org) => ({
    data: org.data,
    generator: org.generator,
    random: org.scenarioRandom,
    now: () => clock.now(),
    advanceClockTo: (time: number) => {
      const now = clock.now();
      if (time > now) clock.advance(time - now);
    },
  });
  const plantInto = (org: Org, scenario: ScenarioSpec): PlantedScenario => {
    try {
      const planted = plant(scenarioContext(org), scenario, org.scenarios.length + 1);
      org.scenarios.push(planted);
      return planted;
    } catch (error) {
      if (error instanceof ScenarioError) throw new ControlError('NOT_POSSIBLE', error.message);
      if (error instanceof z.ZodError) throw new ControlError('INVALID_REQUEST', z.prettifyError(error));
      throw error;
    }
  };

  const control: SimulatorControl = {
    createOrg(spec = {}) {
      const parsed = parse(orgSpecSchema, spec);
      const number = state.nextOrgNumber;
      const key = parsed.key ?? `org${number}`;
      if (state.orgs.has(key))
        throw new ControlError('ORG_EXISTS', `an org with key '${key}' already exists`);
      state.nextOrgNumber++;
      const org = buildOrg({ ...parsed, key }, number, clock);
      state.orgs.set(key, org);
      for (const scenario of parsed.scenarios) plantInto(org, scenario);
      const { faults: _faults, ...created } = describe(org);
      return {
        key: created.key,
        orgId: created.orgId,
        salesforceUrl: created.salesforceUrl,
        consumerKey: created.consumerKey,
        consumerSecret: created.consumerSecret,
        runAsUserId: created.runAsUserId,
        runAsUsername: created.runAsUsername,
        edition: created.edition,
        dailyApiMax: created.dailyApiMax,
      };
    },
    listOrgs: () => [...state.orgs.values()].map(describe),
    getOrg: (key) => describe(orgOf(key)),
    deleteOrg(key) {
      orgOf(key);
      state.orgs.delete(key);
    },
    configureOrg(key, patch) {
      const org = orgOf(key);
      org.applyPatch(parse(orgPatchSchema, patch));
      return describe(org);
    },
    plantScenario: (key, scenario) => plantInto(orgOf(key), scenario),
    appendLogins(key, input) {
      const org = orgOf(key);
      const { count, sameLoginTime, at } = parse(appendLoginsSchema, input);
      const last = org.data.logins.lastTime();
      let end = Math.floor((at?.getTime() ?? clock.now()) / 1000) * 1000;
      if (end < last)
        throw new ControlError(
          'NOT_POSSIBLE',
          'new logins cannot precede the latest LoginTime already stored',
        );
      if (end > clock.now()) clock.advance(end - clock.now());
      end = Math.max(end, last);
      const start = Number.isFinite(last) ? Math.min(end, last + 1000) : end - count * 1000;
      const times = Array.from({ length: count }, (_, i) =>
        sameLoginTime ? end : Math.floor((start + ((end - start) * (i + 1)) / count) / 1000) * 1000,
      );
      const rows = org.generator.appendAt(times);
      const id = (row: number | undefined) =>
        row === undefined ? null : String(org.data.loginHistory.column('Id')(row));
      const time = (row: number | undefined) =>
        row === undefined ? null : new Date(org.data.logins.columns.time[row]!).toISOString();
      return {
        count: rows.length,
        firstId: id(rows[0]),
        lastId: id(rows.at(-1)),
        firstLoginTime: time(rows[0]),
        lastLoginTime: time(rows.at(-1)),
      };
    },
    touchUsers(key, input) {
      const org = orgOf(key);
      const { count } = parse(touchUsersSchema, input);
      const users = org.data.records.User.rows;
      const at = Math.floor(clock.now() / 1000) * 1000;
      const candidates = users.map((_, row) => row).filter((row) => org.data.people[row]!.role !== 'system');
      const chosen = new Set<number>();
      while (chosen.size < Math.min(count, candidates.length))
        chosen.add(org.scenarioRandom.pick(candidates));
      const titles = [
        'Senior Account Executive',
        'Team Lead',
        'Regional Manager',
        'Specialist',
        'Consultant',
      ];
      for (const row of chosen) {
        const user = users[row]!;
        user.Title = org.scenarioRandom.pick(titles);
        user.LastModifiedDate = at;
        user.SystemModstamp = at;
      }
      return {
        userIds: [...chosen].map((row) => String(users[row]!.Id)),
        systemModstamp: new Date(at).toISOString(),
      };
    },
    truth(key, query = {}) {
      const org = orgOf(key);
      const { asOf, unusedDays } = parse(truthQuerySchema, query);
      return computeTruth(org.data, org.scenarios, { asOf: asOf?.getTime() ?? clock.now(), unusedDays });
    },
    advanceClock(ms) {
      if (!Number.isFinite(ms) || ms < 0)
        throw new ControlError('INVALID_REQUEST', 'the clock only moves forward');
      return new Date(clock.advance(ms));
    },
    now: () => new Date(clock.now()),
    setFaults(key, faults) {
      const org = orgOf(key);
      org.faults = parse(faultsSchema, faults);
      org.callsSinceRevoke = 0;
      return org.faults;
    },
    clearFaults(key) {
      orgOf(key).faults = NO_FAULTS;
    },
    revokeTokens: (key) => ({ revoked: orgOf(key).tokens.revokeAll() }),
    consumeApiCalls(key, count) {
      const org = orgOf(key);
      parse(consumeApiCallsSchema, { count });
      const now = clock.now();
      return { currentUsage: org.usage.add(now, count), max: org.config.dailyApiMax };
    },
    counters(key) {
      const org = orgOf(key);
      const now = clock.now();
      const max = org.config.dailyApiMax;
      const peak = org.usage.peak();
      return {
        ...structuredClone(org.counters),
        currentUsage: org.usage.used(now),
        max,
        peakUsage: peak,
        peakUsagePercent: Math.round((peak / max) * 10_000) / 100,
        openCursors: org.cursors.size(),
        activeSessions: org.tokens.size(),
      };
    },
    resetCounters(key) {
      const org = orgOf(key);
      org.counters = createCounters();
      org.usage.resetPeak(clock.now());
    },
    objectCounts: (key) => objectCounts(orgOf(key).data),
    internals: orgOf,
  };
  return control;
}

import type { Geo, LoginInput } from '../data/login-store';
import type { OrgData, Person } from '../data/org-data';
import { allPermissions, isPrivileged } from '../data/permissions';
import type { Random } from '../random';
import { MOBILE_APPS } from './catalog';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Invariants of clean generated LoginHistory (tested in test/simulator/generator.test.ts), so that a
 * detector finds nothing on an org without planted scenarios:
 *  1. No user has >= 10 failures within 20 minutes (per user at most 3 per 20-minute bucket).
 *  2. No IP fails for > 15 users within 5 minutes (at most 7 failures org-wide per 5-minute bucket).
 *  3. No impossible travel: every user logs in from one home location, so no two successes imply
 *     > 1000 km/h or two countries within 30 minutes.
 *  4. No first-seen country after a user's first 90 days (one country per user).
 *  5. No success after >= 90 days without one: a user due for 85 days stops logging in for good.
 *  6. No attempts on inactive or frozen users: logins stop before deactivation or freezing.
 *  7. No UI ("Application") logins by API-only users: they only use "Remote Access 2.0".
 *  8. No privileged user (Modify All Data, View All Data or Manage Users) unused for 30+ days: active
 *     privileged users are due for a login after 20 days and get the next row.
 */
export const MAX_FAILURES_PER_USER_BUCKET = 3;
export const USER_BUCKET_MS = 20 * MINUTE;
export const MAX_FAILURES_PER_ORG_BUCKET = 7;
export const ORG_BUCKET_MS = 5 * MINUTE;
const GIVE_UP_AFTER_MS = 85 * DAY;
const PRIVILEGED_DUE_MS = 20 * DAY;
const REGULAR_DUE_MS = 60 * DAY;

export interface LoginGenerator {
  /** Generates `count` clean logins between historyStart and `until`, in time order. */
  generateHistory(count: number, until: number): void;
  /** Appends clean logins at the given non-decreasing times (all >= the last stored LoginTime). */
  appendAt(times: number[]): number[];
  /** Appends one specific login (scenarios), keeping per-user state and User.LastLoginDate current. */
  record(userRow: number, login: Omit<LoginInput, 'userRow'>): number;
  loginFor(
    userRow: number,
    time: number,
    status: string,
    geo?: Geo,
    ip?: string,
  ): Omit<LoginInput, 'userRow'>;
  lastSuccess(userRow: number): number | null;
}

function diurnalWeight(time: number): number {
  const date = new Date(time);
  const day = date.getUTCDay();
  const hour = date.getUTCHours();
  const weekend = day === 0 || day === 6;
  const working = hour >= 7 && hour <= 19;
  return (weekend ? 0.3 : 1) * (working ? 1 : 0.3);
}

/** Sorted login times with a working-hours rhythm, to the second (LoginTime has no milliseconds). */
export function loginTimes(random: Random, count: number, from: number, to: number): Float64Array {
  const times = new Float64Array(count);
  const span = to - from;
  for (let i = 0; i < count; i++) {
    let time = from + random.next() * span;
    while (random.next() > diurnalWeight(time)) time = from + random.next() * span;
    times[i] = Math.floor(time / 1000) * 1000;
  }
  return times.sort();
}

export function createLoginGenerator(data: OrgData, random: Random): LoginGenerator {
  const users = data.records.User;
  const people = data.people;
  const capacity = () => people.length;
  let lastSuccess = new Float64Array(capacity());
  let userBucket = new Float64Array(capacity());
  let userFailures = new Uint8Array(capacity());
  let orgBucket = -1;
  let orgFailures = 0;
  const pending: number[] = [];
  const queued = new Set<number>();
  let lastScan = -Infinity;
  let privileged: boolean[] = [];
  let alias: { probability: Float64Array; alias: Int32Array } | null = null;
  const communityUrl = data.myDomainHost.replace('.my.salesforce.com', '.my.site.com');

  function ensureState() {
    if (lastSuccess.length >= people.length) return;
    const grow = <A extends Float64Array | Uint8Array>(old: A, make: (n: number) => A) => {
      const next = make(people.length);
      next.set(old);
      return next;
    };
    lastSuccess = grow(lastSuccess, (n) => new Float64Array(n));
    userBucket = grow(userBucket, (n) => new Float64Array(n));
    userFailures = grow(userFailures, (n) => new Uint8Array(n));
    alias = null;
  }

  function refreshPeople() {
    ensureState();
    privileged = allPermissions(data).map(isPrivileged);
    alias = buildAlias(people.map((person) => person.weight));
  }

  // Walker's alias method: O(1) weighted draws, so a million rows take well under a second.
  function buildAlias(weights: number[]) {
    const n = weights.length;
    const total = weights.reduce((sum, weight) => sum + weight, 0) || 1;
    const probability = new Float64Array(n);
    const aliasTable = new Int32Array(n);
    const scaled = weights.map((weight) => (weight * n) / total);
    const small: number[] = [];
    const large: number[] = [];
    scaled.forEach((value, index) => (value < 1 ? small : large).push(index));
    while (small.length > 0 && large.length > 0) {
      const less = small.pop()!;
      const more = large.pop()!;
      probability[less] = scaled[less]!;
      aliasTable[less] = more;
      scaled[more] = scaled[more]! + scaled[less]! - 1;
      (scaled[more]! < 1 ? small : large).push(more);
    }
    for (const index of [...small, ...large]) probability[index] = 1;
    return { probability, alias: aliasTable };
  }

  const lastOk = (row: number) => (lastSuccess[row]! > 0 ? lastSuccess[row]! : people[row]!.activeFrom);

  function eligible(row: number, time: number): boolean {
    const person = people[row]!;
    if (person.weight <= 0 || time < person.activeFrom || time >= person.activeUntil) return false;
    if (time - lastOk(row) >= GIVE_UP_AFTER_MS) {
      // Invariant 5: rather than come back after 85+ quiet days, the user goes dormant for good.
      person.activeUntil = time;
      return false;
    }
    return true;
  }

  function scanDue(time: number) {
    lastScan = time;
    for (let row = 0; row < people.length; row++) {
      const person = people[row]!;
      if (queued.has(row) || person.weight <= 0) continue;
      if (person.lifecycle !== 'active' && person.lifecycle !== 'newHire') continue;
      if (time < person.activeFrom || time >= person.activeUntil) continue;
      const due = privileged[row] ? PRIVILEGED_DUE_MS : REGULAR_DUE_MS;
      if (time - lastOk(row) >= due) {
        pending.push(row);
        queued.add(row);
      }
    }
  }

  function draw(time: number): { row: number; forced: boolean } {
    if (time - lastScan >= HOUR) scanDue(time);
    while (pending.length > 0) {
      const row = pending.shift()!;
      queued.delete(row);
      if (eligible(row, time)) return { row, forced: true };
    }
    const table = alias!;
    for (let attempt = 0; attempt < 16; attempt++) {
      const slot = random.int(people.length);
      const row = random.next() < table.probability[slot]! ? slot : table.alias[slot]!;
      if (eligible(row, time)) return { row, forced: false };
    }
    // Fallback: an always-busy integration user keeps the row count exact.
    const fallback = people.findIndex((person, row) => person.role === 'integration' && eligible(row, time));
    return {
      row: fallback >= 0 ? fallback : people.findIndex((person) => person.role === 'runAs'),
      forced: false,
    };
  }

  function failureStatus(person: Person): string {
    if (person.role === 'integration' || person.role === 'runAs')
      return 'Failed: API security token required';
    return random.weighted<string>([
      ['Invalid Password', 0.86],
      ['Password Lockout', 0.04],
      ['Failed: Computer activation required', 0.05],
      ['Restricted IP', 0.05],
    ]);
  }

  function chooseStatus(row: number, time: number, forced: boolean): string {
    const person = people[row]!;
    const failureRate = person.role === 'integration' || person.role === 'runAs' ? 0.004 : 0.05;
    if (forced || !random.chance(failureRate)) return 'Success';
    const userSlot = Math.floor(time / USER_BUCKET_MS);
    if (userBucket[row] !== userSlot) {
      userBucket[row] = userSlot;
      userFailures[row] = 0;
    }
    const orgSlot = Math.floor(time / ORG_BUCKET_MS);
    if (orgBucket !== orgSlot) {
      orgBucket = orgSlot;
      orgFailures = 0;
    }
    if (userFailures[row]! >= MAX_FAILURES_PER_USER_BUCKET || orgFailures >= MAX_FAILURES_PER_ORG_BUCKET)
      return 'Success';
    userFailures[row]!++;
    orgFailures++;
    return failureStatus(person);
  }

  function loginFor(
    row: number,
    time: number,
    status: string,
    geo?: Geo,
    ip?: string,
  ): Omit<LoginInput, 'userRow'> {
    const person = people[row]!;
    const tls13 = random.chance(0.7);
    let loginType = 'Application';
    let loginSubType: string | null = null;
    let application = 'Browser';
    let browser = person.browser;
    let platform = person.platform;
    let loginUrl = data.myDomainHost;
    if (person.role === 'integration' || person.role === 'runAs') {
      // Client credentials logins show as "Remote Access 2.0" (LoginHistory LoginType labels).
      loginType = 'Remote Access 2.0';
      loginSubType = 'OauthClientCredentials';
      application = person.integrationApp ?? 'Integration';
      browser = 'Unknown';
      platform = 'Unknown';
    } else if (person.role === 'community') {
      loginUrl = communityUrl;
      loginType = 'Chatter Communities External User';
    } else if (person.sso && random.chance(0.9)) {
      loginType = 'SAML Sfdc Initiated SSO';
    } else if (random.chance(0.15)) {
      const mobile = random.pick(MOBILE_APPS);
      loginType = 'Remote Access 2.0';
      loginSubType = 'OauthUserAgent';
      application = mobile.application;
      browser = mobile.browser;
      platform = mobile.platform;
    } else if (random.chance(0.2)) {
      loginUrl = 'login.salesforce.com';
    }
    return {
      time,
      sourceIp: ip ?? random.pick(person.ips),
      geo: geo ?? person.homeGeo,
      status,
      loginType,
      loginSubType,
      application,
      browser,
      platform,
      loginUrl,
      apiType: 'N/A',
      apiVersion: 'N/A',
      tlsProtocol: tls13 ? 'TLS 1.3' : 'TLS 1.2',
      cipherSuite: tls13 ? 'TLS_AES_256_GCM_SHA384' : 'ECDHE-RSA-AES256-GCM-SHA384',
    };
  }

  function record(userRow: number, login: Omit<LoginInput, 'userRow'>): number {
    ensureState();
    const row = data.logins.append(login, userRow);
    if (login.status === 'Success' && login.time >= lastSuccess[userRow]!) {
      lastSuccess[userRow] = login.time;
      const user = users.rows[userRow]!;
      // User.LastLoginDate tracks successful logins only.
      user.LastLoginDate = login.time;
    }
    return row;
  }

  function appendAt(times: ArrayLike<number>): number[] {
    refreshPeople();
    const rows: number[] = [];
    for (let i = 0; i < times.length; i++) {
      const time = times[i]!;
      const { row, forced } = draw(time);
      rows.push(record(row, loginFor(row, time, chooseStatus(row, time, forced))));
    }
    return rows;
  }

  return {
    generateHistory(count, until) {
      refreshPeople();
      appendAt(loginTimes(random, count, data.historyStart, until));
      people.forEach((person, row) => {
        if (lastSuccess[row] === 0 && person.loginBeforeHistory !== null) {
          users.rows[row]!.LastLoginDate = person.loginBeforeHistory;
        }
      });
    },
    appendAt,
    record,
    loginFor,
    lastSuccess: (row) => {
      const value = lastSuccess[row] ?? 0;
      return value > 0 ? value : (people[row]?.loginBeforeHistory ?? null);
    },
  };
}

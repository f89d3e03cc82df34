import { CITIES, type City } from './catalog';

/**
 * Labelled login patterns for evaluating detections (eval/detections.ts): attacks at and around each rule's
 * boundary, and the noise a real org produces that no rule should report. Each pattern is a list of login
 * steps relative to an anchor time, for the users and IPs the caller hands in; the caller writes them (with
 * its own ids) and knows the label. Statuses are LoginHistory.Status texts as Salesforce writes them.
 */
export interface PatternStep {
  /** Index into the pattern's users. */
  user: number;
  offsetMs: number;
  status: string;
  city: City | null;
  /** True when the row carries a country but no LoginGeo coordinates (API logins often do). */
  countryOnly?: boolean;
  ip: string;
  loginType: string;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
export const PATTERN_DAY = 86_400_000;

export const cityNamed = (name: string): City => {
  const found = CITIES.find((c) => c.city === name);
  if (!found) throw new Error(`no city ${name} in the catalog`);
  return found;
};

/** An address in the city's range (deterministic from `n`). */
export const ipIn = (city: City, n: number) =>
  `${city.ipPrefix[0]}.${city.ipPrefix[1]}.${Math.floor(n / 250) % 256}.${1 + (n % 250)}`;

const ui = 'Application';
const api = 'Remote Access 2.0';

/** `count` wrong passwords for user 0, `spacingMs` apart, then optionally a final status. */
export function guessingBurst(
  count: number,
  spacingMs: number,
  ip: string,
  { then, status = 'Invalid Password' }: { then?: string; status?: string } = {},
): PatternStep[] {
  const steps: PatternStep[] = Array.from({ length: count }, (_, i) => ({
    user: 0,
    offsetMs: i * spacingMs,
    status,
    city: cityNamed('London'),
    ip,
    loginType: ui,
  }));
  if (then)
    steps.push({
      user: 0,
      offsetMs: count * spacingMs,
      status: then,
      city: cityNamed('London'),
      ip,
      loginType: ui,
    });
  return steps;
}

/** One failure for each of `users` users from one IP, `spacingMs` apart. */
export function sprayFrom(users: number, ip: string, spacingMs = 10 * SECOND, status = 'Invalid Password') {
  return Array.from({ length: users }, (_, i): PatternStep => ({
    user: i,
    offsetMs: i * spacingMs,
    status,
    city: cityNamed('Madrid'),
    ip,
    loginType: ui,
  }));
}

/** Successes of user 0 at the given (offset minutes, city) points. */
export function journey(points: [number, City, { countryOnly?: boolean; ip?: string }?][]): PatternStep[] {
  return points.map(([minutes, city, options], i) => ({
    user: 0,
    offsetMs: minutes * MINUTE,
    status: 'Success',
    city,
    countryOnly: options?.countryOnly,
    ip: options?.ip ?? ipIn(city, 7 + i),
    loginType: options?.countryOnly ? api : ui,
  }));
}

/** A success every `everyDays` days for `days` days before the anchor (a user's baseline). */
export function routine(days: number, everyDays: number, city: City): PatternStep[] {
  const steps: PatternStep[] = [];
  for (let d = days; d > 0; d -= everyDays) {
    steps.push({
      user: 0,
      offsetMs: -d * PATTERN_DAY,
      status: 'Success',
      city,
      ip: ipIn(city, 3),
      loginType: ui,
    });
  }
  return steps;
}

// ---- Noise: what real orgs produce and no rule should report --------------------------------------------

/** A user toggling a VPN whose egress (the VPN range) geolocates to another continent, every 20 minutes. */
export function vpnFlapping(home: City, egress: City, egressIp: string, hoursLong = 4): PatternStep[] {
  return Array.from({ length: hoursLong * 3 }, (_, i) => ({
    user: 0,
    offsetMs: i * 20 * MINUTE,
    status: 'Success',
    city: i % 2 === 0 ? home : egress,
    ip: i % 2 === 0 ? ipIn(home, 11) : egressIp,
    loginType: ui,
  }));
}

/** A phone on a mobile carrier: a new CGNAT address every 10 minutes, all located at the carrier's hub. */
export function carrierHopping(hub: City, hops = 24): PatternStep[] {
  return Array.from({ length: hops }, (_, i) => ({
    user: 0,
    offsetMs: i * 10 * MINUTE,
    status: i % 7 === 3 ? 'Invalid Password' : 'Success',
    city: hub,
    ip: ipIn(hub, 100 + i * 13),
    loginType: api,
  }));
}

/**
 * An integration whose security token was reset retrying every minute for an hour (then fixed), and one
 * hitting "Login rate exceeded": policy blocks, never password guessing.
 */
export function retryStorm(ip: string, minutes = 60): PatternStep[] {
  const steps = Array.from({ length: minutes }, (_, i): PatternStep => ({
    user: 0,
    offsetMs: i * MINUTE,
    status: i < minutes / 2 ? 'Failed: API security token required' : 'Login rate exceeded',
    city: cityNamed('Chicago'),
    ip,
    loginType: api,
  }));
  steps.push({
    user: 0,
    offsetMs: minutes * MINUTE,
    status: 'Success',
    city: cityNamed('Chicago'),
    ip,
    loginType: api,
  });
  return steps;
}

/** An office behind one NAT after a profile IP-range change: every user gets "Restricted IP" at 9:00. */
export function sharedEgressRestricted(users: number, ip: string): PatternStep[] {
  return sprayFrom(users, ip, 5 * SECOND, 'Restricted IP');
}

/** Monday-morning typos behind one (trusted) office NAT: one wrong password each, then a success. */
export function sharedEgressTypos(users: number, ip: string, city: City): PatternStep[] {
  return Array.from({ length: users }, (_, i): PatternStep[] => [
    { user: i, offsetMs: i * 8 * SECOND, status: 'Invalid Password', city, ip, loginType: ui },
    { user: i, offsetMs: i * 8 * SECOND + 20 * SECOND, status: 'Success', city, ip, loginType: ui },
  ]).flat();
}

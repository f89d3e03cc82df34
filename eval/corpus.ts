import type { FindingKind } from '../insights/finding-kinds';
import {
  carrierHopping,
  cityNamed,
  guessingBurst,
  ipIn,
  journey,
  PATTERN_DAY,
  retryStorm,
  routine,
  sharedEgressRestricted,
  sharedEgressTypos,
  sprayFrom,
  vpnFlapping,
  type PatternStep,
} from '../simulator/generator/labelled-patterns';

const MINUTE = 60_000;

export type CaseFamily = 'positive' | 'near_miss' | 'straddle' | 'late' | 'noise';

/** One labelled case: its logins relative to the run boundary, and the finding it must (or must not) give. */
export interface LabelledCase {
  name: string;
  family: CaseFamily;
  /** The finding kind this case must produce for `subject`; null: it must produce nothing. */
  expect: FindingKind | null;
  /** Which subject a finding is judged on: a user of the case (index) or the case's IP. */
  subject: { user: number } | { ip: string };
  users: number;
  /** Minutes from the run boundary (the split) at which the pattern starts. */
  startMinutes: number;
  steps: PatternStep[];
  /** Steps (indexes) collected only by the run after the boundary although they happened before it. */
  lateSteps?: number[];
  /** The users are inactive (deactivated a year ago) or API-only. */
  userState?: 'inactive' | 'api_only';
  /** CIDRs the org declares trusted (VPN and office egress). */
  trusted?: string[];
}

const london = cityNamed('London');
const newYork = cityNamed('New York');
const sydney = cityNamed('Sydney');
const paris = cityNamed('Paris');
const saoPaulo = cityNamed('São Paulo');
const madrid = cityNamed('Madrid');
const chicago = cityNamed('Chicago');

/**
 * The corpus for one org: every rule's positive, its near miss at the boundary (±1), windows straddling the
 * run boundary, late-arriving rows, and noise. `n` keeps IPs of different orgs apart.
 */
export function labelledCases(n: number): LabelledCase[] {
  const ip = (k: number) => `198.51.${100 + n}.${k}`;
  return [
    // ---- brute force ----
    {
      name: 'brute force: 10 guesses in 9 min',
      family: 'positive',
      expect: 'brute_force',
      subject: { user: 0 },
      users: 1,
      startMinutes: -300,
      steps: guessingBurst(10, MINUTE, ip(1)),
    },
    {
      name: 'brute force: 9 guesses (−1)',
      family: 'near_miss',
      expect: null,
      subject: { user: 0 },
      users: 1,
      startMinutes: -300,
      steps: guessingBurst(9, MINUTE, ip(2)),
    },
    {
      name: 'brute force: 10 guesses over 20 min + 1 s (window +1)',
      family: 'near_miss',
      expect: null,
      subject: { user: 0 },
      users: 1,
      startMinutes: -300,
      steps: guessingBurst(10, Math.ceil((20 * MINUTE + 1000) / 9), ip(3)),
    },
    {
      name: 'brute force: then a verification challenge',
      family: 'positive',
      expect: 'brute_force',
      subject: { user: 0 },
      users: 1,
      startMinutes: -200,
      steps: guessingBurst(11, MINUTE, ip(4), { then: 'Failed: Computer activation required' }),
    },
    {
      name: 'brute force straddling the run boundary',
      family: 'straddle',
      expect: 'brute_force',
      subject: { user: 0 },
      users: 1,
      startMinutes: -6,
      steps: guessingBurst(12, MINUTE, ip(5), { then: 'Success' }),
    },
    {
      name: 'brute force whose first half arrives late',
      family: 'late',
      expect: 'brute_force',
      subject: { user: 0 },
      users: 1,
      startMinutes: -10,
      steps: guessingBurst(14, MINUTE, ip(6)),
      lateSteps: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    },
    // ---- password spray ----
    {
      name: 'spray: 16 users from one IP',
      family: 'positive',
      expect: 'password_spray',
      subject: { ip: ip(20) },
      users: 16,
      startMinutes: -400,
      steps: sprayFrom(16, ip(20)),
    },
    {
      name: 'spray: 15 users (−1)',
      family: 'near_miss',
      expect: null,
      subject: { ip: ip(21) },
      users: 15,
      startMinutes: -400,
      steps: sprayFrom(15, ip(21)),
    },
    {
      name: 'spray straddling the run boundary',
      family: 'straddle',
      expect: 'password_spray',
      subject: { ip: ip(22) },
      users: 20,
      startMinutes: -2,
      steps: sprayFrom(20, ip(22)),
    },
    {
      name: 'spray whose first users arrive late',
      family: 'late',
      expect: 'password_spray',
      subject: { ip: ip(23) },
      users: 20,
      startMinutes: -2,
      steps: sprayFrom(20, ip(23)),
      lateSteps: [0, 1, 2, 3, 4, 5],
    },
    // ---- impossible travel ----
    {
      name: 'travel: London → Sydney in 60 min',
      family: 'positive',
      expect: 'impossible_travel',
      subject: { user: 0 },
      users: 1,
      startMinutes: -500,
      steps: journey([
        [0, london],
        [60, sydney],
      ]),
    },
    {
      name: 'travel: London → New York at under 1,000 km/h',
      family: 'near_miss',
      expect: null,
      subject: { user: 0 },
      users: 1,
      startMinutes: -900,
      steps: journey([
        [0, london],
        [340, newYork],
      ]),
    },
    {
      name: 'travel: a login without coordinates between the pair',
      family: 'positive',
      expect: 'impossible_travel',
      subject: { user: 0 },
      users: 1,
      startMinutes: -500,
      steps: journey([
        [0, london],
        [5, london, { countryOnly: true }],
        [60, sydney],
      ]),
    },
    {
      name: 'travel straddling the run boundary',
      family: 'straddle',
      expect: 'impossible_travel',
      subject: { user: 0 },
      users: 1,
      startMinutes: -10,
      steps: journey([
        [0, newYork],
        [20, london],
      ]),
    },
    {
      name: 'travel whose first login arrives late',
      family: 'late',
      expect: 'impossible_travel',
      subject: { user: 0 },
      users: 1,
      startMinutes: -8,
      steps: journey([
        [0, newYork],
        [20, london],
      ]),
      lateSteps: [0],
    },
    // ---- new country / dormant ----
    {
      name: 'new country after 120 days at home',
      family: 'positive',
      expect: 'new_country',
      subject: { user: 0 },
      users: 1,
      startMinutes: -600,
      steps: [...routine(120, 3, london), ...journey([[0, saoPaulo]])],
    },
    {
      name: 'new country, an earlier login from it arrives late',
      family: 'late',
      expect: 'new_country',
      subject: { user: 0 },
      users: 1,
      startMinutes: -5,
      steps: [
        ...routine(120, 3, london),
        ...journey([
          [0, paris],
          [7, paris],
        ]),
      ],
      lateSteps: [40],
    },
    {
      name: 'dormant: back after 120 days',
      family: 'positive',
      expect: 'dormant_account_reactivated',
      subject: { user: 0 },
      users: 1,
      startMinutes: -700,
      steps: [...routine(120, 200, london), ...journey([[0, london]])],
    },
    {
      name: 'dormant: back after 89 days (−1)',
      family: 'near_miss',
      expect: null,
      subject: { user: 0 },
      users: 1,
      startMinutes: -700,
      steps: [...routine(89, 200, london), ...journey([[0, london]])],
    },
    {
      name: 'dormant: the earlier return arrives late',
      family: 'late',
      expect: 'dormant_account_reactivated',
      subject: { user: 0 },
      users: 1,
      startMinutes: -8,
      steps: [
        ...routine(120, 200, london),
        ...journey([
          [0, london],
          [10, london],
        ]),
      ],
      lateSteps: [1],
    },
    // ---- inactive / API-only ----
    {
      name: 'attempts on an inactive user',
      family: 'positive',
      expect: 'inactive_user_attempts',
      subject: { user: 0 },
      users: 1,
      startMinutes: -800,
      steps: guessingBurst(3, 2 * MINUTE, ip(40), { status: 'User is Inactive' }),
      userState: 'inactive',
    },
    {
      name: 'SAML login by an API-only user',
      family: 'positive',
      expect: 'api_only_user_interactive_login',
      subject: { user: 0 },
      users: 1,
      startMinutes: -800,
      steps: journey([[0, chicago]]).map((s) => ({ ...s, loginType: 'SAML Sfdc Initiated SSO' })),
      userState: 'api_only',
    },
    // ---- noise ----
    {
      name: 'noise: VPN flapping London ↔ New York egress (trusted)',
      family: 'noise',
      expect: null,
      subject: { user: 0 },
      users: 1,
      startMinutes: -240,
      steps: vpnFlapping(london, newYork, ip(60)),
      trusted: [`${ip(60)}/32`],
    },
    {
      name: 'noise: mobile carrier IP hopping',
      family: 'noise',
      expect: null,
      subject: { user: 0 },
      users: 1,
      startMinutes: -240,
      steps: carrierHopping(madrid),
    },
    {
      name: 'noise: integration retry storm (token reset, rate limit)',
      family: 'noise',
      expect: null,
      subject: { user: 0 },
      users: 1,
      startMinutes: -120,
      steps: retryStorm(ip(61)),
      userState: 'api_only',
    },
    {
      name: 'noise: office NAT hitting "Restricted IP"',
      family: 'noise',
      expect: null,
      subject: { ip: ip(62) },
      users: 30,
      startMinutes: -180,
      steps: sharedEgressRestricted(30, ip(62)),
    },
    {
      name: 'noise: Monday typos behind a trusted office NAT',
      family: 'noise',
      expect: null,
      subject: { ip: ip(63) },
      users: 25,
      startMinutes: -360,
      steps: sharedEgressTypos(25, ip(63), paris),
      trusted: [`${ip(63)}/32`],
    },
    {
      name: 'noise: API-only integration on the API',
      family: 'noise',
      expect: null,
      subject: { user: 0 },
      users: 1,
      startMinutes: -100,
      steps: journey([
        [0, chicago],
        [60, chicago],
        [120, chicago],
      ]).map((s) => ({ ...s, loginType: 'Remote Access 2.0', ip: ipIn(chicago, 9) })),
      userState: 'api_only',
    },
  ];
}

export { PATTERN_DAY };

export const EDITIONS = [
  'Enterprise Edition',
  'Developer Edition',
  'Professional Edition',
  'Unlimited Edition',
  'Performance Edition',
  'Group Edition',
] as const;

export type Edition = (typeof EDITIONS)[number];

/**
 * "API access is on by default in Enterprise, Performance, Unlimited and Developer editions; Professional
 * needs an add-on" (REST API guide, compatible editions).
 */
export function defaultApiEnabled(edition: Edition): boolean {
  return edition !== 'Professional Edition' && edition !== 'Group Edition';
}

/**
 * Daily allocation: Developer Edition a flat 15,000; otherwise 100,000 + licenses × calls per license,
 * 1,000 per Salesforce/Salesforce Platform licence (5,000 in Unlimited/Performance) (help article 000386972).
 */
export function defaultDailyApiMax(edition: Edition, fullLicenses: number): number {
  if (edition === 'Developer Edition') return 15_000;
  const perLicense = edition === 'Unlimited Edition' || edition === 'Performance Edition' ? 5_000 : 1_000;
  return 100_000 + fullLicenses * perLicense;
}

/** Long-running concurrent request allowance: 25 in production orgs, 5 in Developer Edition (limits cheat sheet). */
export function concurrentLongRequestLimit(edition: Edition): number {
  return edition === 'Developer Edition' ? 5 : 25;
}

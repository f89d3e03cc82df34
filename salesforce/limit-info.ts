/**
 * `Sforce-Limit-Info: api-usage=10018/100000` is on every REST response except the Versions URI
 * (api_rest headers_api_usage.htm). Other parts may precede or follow (`; api-bursts=1/750`,
 * `per-app-api-usage=17/250(appName=x)`), so the match is not anchored: an anchored pattern is exactly what
 * broke singer's parser on the documented `api-bursts` form.
 */
export interface ApiUsage {
  used: number;
  max: number;
  /** When we read it (ISO); Salesforce recalculates usage asynchronously, so it is a recent estimate. */
  observedAt: string;
}

const API_USAGE = /(?:^|[\s;,])api-usage\s*=\s*(\d+)\s*\/\s*(\d+)/i;

export function parseLimitInfo(
  header: string | string[] | undefined | null,
  observedAt: Date,
): ApiUsage | null {
  if (header === undefined || header === null) return null;
  const value = Array.isArray(header) ? header.join('; ') : header;
  const match = API_USAGE.exec(value);
  if (!match) return null;
  const used = Number(match[1]);
  const max = Number(match[2]);
  if (!Number.isSafeInteger(used) || !Number.isSafeInteger(max) || max <= 0) return null;
  return { used, max, observedAt: observedAt.toISOString() };
}

export function usagePercent(usage: { used: number; max: number }): number {
  return Math.round((usage.used / usage.max) * 10_000) / 100;
}

import { z } from 'zod';
import { parseIntegrationOptions } from '../platform/integration-options';

/**
 * Detection thresholds. Defaults follow the public rules that already ship for Salesforce logins (see
 * /work/shared/reference/design-lessons.md §(b)9: Microsoft Sentinel, Datadog, Cisco Identity Intelligence,
 * Panther); each can be overridden per integration through `options.detection.<name>`.
 */
export const detectionConfigSchema = z.object({
  // Sentinel "Brute force attack against user credentials": >= 10 failures for one user within 20 minutes.
  bruteForceFailures: z.number().int().min(2).max(10_000).default(10),
  bruteForceWindowMinutes: z.number().int().min(1).max(1440).default(20),
  // Sentinel "Potential password spray": one IP failing against more than 15 distinct users within 5 minutes.
  passwordSprayUsers: z.number().int().min(2).max(100_000).default(15),
  passwordSprayWindowMinutes: z.number().int().min(1).max(1440).default(5),
  // Datadog/Panther impossible travel: faster than 1,000 km/h between two successful logins; the minimum
  // distance keeps geo-IP jitter between nearby cities (a few km in seconds) from looking like a flight.
  impossibleTravelSpeedKmh: z.number().min(1).max(100_000).default(1000),
  impossibleTravelMinKm: z.number().min(0).max(20_000).default(500),
  // Sentinel "logins from two countries within 30 minutes", used when LoginGeo has no coordinates.
  countryHopWindowMinutes: z.number().int().min(1).max(1440).default(30),
  // Cisco II / Panther "login from a new country": not seen for that user in the previous 90 days, and only
  // for users with at least 90 days of history so a new hire's first logins are not findings.
  newCountryLookbackDays: z.number().int().min(1).max(3650).default(90),
  newCountryMinHistoryDays: z.number().int().min(0).max(3650).default(90),
  // Cisco II "dormant account": a successful login after >= 90 days without one.
  dormantDays: z.number().int().min(1).max(3650).default(90),
  // Cisco II "unused privileged account": ModifyAllData/ViewAllData holders without a login for 30 days.
  privilegedUnusedDays: z.number().int().min(1).max(3650).default(30),
  // Attempts on one inactive/frozen user (and interactive logins of one API-only user) closer together than
  // this are one incident.
  incidentGapHours: z.number().int().min(1).max(720).default(24),
});

export type DetectionConfig = z.infer<typeof detectionConfigSchema>;

export const defaultDetectionConfig: DetectionConfig = detectionConfigSchema.parse({});

/** Reads `options.detection` from the integration's stored options; unknown keys are ignored. */
export function detectionConfigFromOptions(options: unknown): DetectionConfig {
  const detection = parseIntegrationOptions(options).detection;
  const known = Object.fromEntries(
    Object.entries(detection).filter(([key]) => key in detectionConfigSchema.shape),
  );
  return detectionConfigSchema.parse(known);
}

/**
 * How far before `since` an incremental recompute must re-read LoginHistory so every window-based rule sees
 * complete windows for the new rows. Rules that look further back (dormancy, new country, the previous
 * location for impossible travel) read per-user state through indexes instead of rescanning.
 */
export function largestRuleWindowMinutes(config: DetectionConfig): number {
  return Math.max(
    config.bruteForceWindowMinutes,
    config.passwordSprayWindowMinutes,
    config.countryHopWindowMinutes,
  );
}

import { z } from 'zod';

/**
 * Detection thresholds: names, ranges and defaults. Defaults follow the public rules that already ship for
 * Salesforce logins (Microsoft Sentinel's Salesforce analytics rules, Datadog Cloud SIEM, Cisco Identity
 * Intelligence, Panther's Salesforce rules in github.com/panther-labs/panther-analysis). Kept here, beside the integration options, because both the API (which
 * validates an integration's `options.detection` overrides) and the insights (which apply them) read them.
 */
const thresholdFields = {
  // Sentinel "Brute force attack against user credentials": >= 10 failures for one user within 20 minutes.
  bruteForceFailures: z.number().int().min(2).max(10_000),
  bruteForceWindowMinutes: z.number().int().min(1).max(1440),
  // Sentinel "Potential password spray": one IP failing against more than 15 distinct users within 5 minutes.
  passwordSprayUsers: z.number().int().min(2).max(100_000),
  passwordSprayWindowMinutes: z.number().int().min(1).max(1440),
  // Datadog/Panther impossible travel: faster than 1,000 km/h between two successful logins; the minimum
  // distance keeps geo-IP jitter between nearby cities (a few km in seconds) from looking like a flight.
  impossibleTravelSpeedKmh: z.number().min(1).max(100_000),
  impossibleTravelMinKm: z.number().min(0).max(20_000),
  // Sentinel "logins from two countries within 30 minutes", used when LoginGeo has no coordinates.
  countryHopWindowMinutes: z.number().int().min(1).max(1440),
  // Cisco II / Panther "login from a new country": not seen for that user in the previous 90 days, and only
  // for users with at least 90 days of history so a new hire's first logins are not findings.
  newCountryLookbackDays: z.number().int().min(1).max(3650),
  newCountryMinHistoryDays: z.number().int().min(0).max(3650),
  // Cisco II "dormant account": a successful login after >= 90 days without one.
  dormantDays: z.number().int().min(1).max(3650),
  // Cisco II "unused privileged account": ModifyAllData/ViewAllData holders without a login for 30 days.
  privilegedUnusedDays: z.number().int().min(1).max(3650),
  // Attempts on one inactive/frozen user (and interactive logins of one API-only user) closer together than
  // this are one incident.
  incidentGapHours: z.number().int().min(1).max(720),
};

export const defaultDetectionThresholds = {
  bruteForceFailures: 10,
  bruteForceWindowMinutes: 20,
  passwordSprayUsers: 15,
  passwordSprayWindowMinutes: 5,
  impossibleTravelSpeedKmh: 1000,
  impossibleTravelMinKm: 500,
  countryHopWindowMinutes: 30,
  newCountryLookbackDays: 90,
  newCountryMinHistoryDays: 90,
  dormantDays: 90,
  privilegedUnusedDays: 30,
  incidentGapHours: 24,
} satisfies { [K in keyof typeof thresholdFields]: number };

/** Every threshold, defaults filled in. */
export const detectionThresholdsSchema = z.object(
  Object.fromEntries(
    Object.entries(thresholdFields).map(([name, field]) => [
      name,
      field.default(defaultDetectionThresholds[name as keyof typeof defaultDetectionThresholds]),
    ]),
  ) as { [K in keyof typeof thresholdFields]: z.ZodDefault<(typeof thresholdFields)[K]> },
);

/** An integration's overrides: only known names, each in range, so a typo is an error, not a silent no-op. */
export const detectionOverridesSchema = z.object(thresholdFields).partial().strict();

export type DetectionThresholds = z.infer<typeof detectionThresholdsSchema>;

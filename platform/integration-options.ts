import { z } from 'zod';
import { detectionOverridesSchema } from './detection-thresholds';

/**
 * ICU accepts zone names in any case and some aliases ("europe/paris"); Temporal Server's Go time-zone database
 * is case-sensitive. The canonical name is what gets stored, so the daily schedule never gets a name it refuses.
 */
export function canonicalTimeZone(value: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return value;
  }
}

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/**
 * Per-integration settings chosen by the customer, stored as JSON on the integration and validated at every
 * edge that reads or writes them (API, activities). Defaults are the product's recommendations.
 */
export const integrationOptionsSchema = z
  .object({
    /** Stop calling Salesforce when the org's daily API usage (all apps) reaches this percentage. */
    quotaThresholdPercent: z.number().int().min(1).max(100).default(75),
    /** Optional cap on the Salesforce calls a single collection run may spend. */
    runBudgetCalls: z.number().int().min(10).nullable().default(null),
    /** IANA time zone that defines "the next day" for quota pauses and the daily schedule. */
    timezone: z
      .string()
      .refine(isTimeZone, 'must be an IANA time zone such as UTC or Europe/Paris')
      .overwrite(canonicalTimeZone)
      .default('UTC'),
    /** Local hour (0-23) at which the daily incremental run starts. */
    dailyRunHour: z.number().int().min(0).max(23).default(2),
    /**
     * How far back the initial collection reads LoginHistory; null (the default) takes everything Salesforce
     * still retains (about six months), which is what an audit needs.
     */
    loginHistoryDays: z.number().int().min(1).max(3660).nullable().default(null),
    /** Incremental runs re-read this much before the watermark so rows that became visible late are not missed. */
    incrementalOverlapMinutes: z.number().int().min(0).max(1440).default(15),
    /**
     * LoginHistory segments collected at once by an initial (or long) pass, each its own Salesforce cursor
     * (1 = one sequential cursor). Salesforce allows 25 concurrent long-running requests per org (5 in
     * Developer Edition and trials); pages are far shorter than that, so this is about the org's load.
     */
    parallelSegments: z.number().int().min(1).max(25).default(8),
    /** Records per Salesforce page (Sforce-Query-Options batchSize, 200..2000). */
    pageSize: z.number().int().min(200).max(2000).default(2000),
    /** Monthly price per licence, by UserLicense name, to turn unused licences into estimated savings. */
    licenseMonthlyPrices: z.record(z.string().min(1).max(200), z.number().min(0).max(100000)).default({}),
    /** Detection threshold overrides (platform/detection-thresholds.ts); unset ones use the product defaults. */
    detection: detectionOverridesSchema.default({}),
  })
  .strict();

export type IntegrationOptions = z.infer<typeof integrationOptionsSchema>;

export function parseIntegrationOptions(value: unknown): IntegrationOptions {
  return integrationOptionsSchema.parse(value ?? {});
}

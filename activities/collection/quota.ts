import { DateTime } from 'luxon';

/**
 * The quota guard's arithmetic. Salesforce enforces DailyApiRequests over a rolling 24 hours for the whole org
 * (every app's calls count), so the threshold is a share of the org's allocation, not of our own spend
 * (https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm).
 */
export function thresholdCalls(max: number, thresholdPercent: number): number {
  return Math.floor((max * thresholdPercent) / 100);
}

export function atThreshold(usage: { used: number; max: number }, thresholdPercent: number): boolean {
  return usage.used >= thresholdCalls(usage.max, thresholdPercent);
}

/**
 * Start of the next calendar day in `timeZone`, as an instant, always after `now`. Luxon resolves a local
 * midnight that does not exist (clocks jumping from 00:00 to 01:00, as in America/Santiago, America/Havana or
 * Atlantic/Azores) to the first instant of that day, where hand-made offset arithmetic lands an hour early.
 */
export function startOfNextDay(now: Date, timeZone: string): Date {
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  if (!local.isValid) throw new RangeError(`Unknown time zone ${timeZone}`);
  const next = local.startOf('day').plus({ days: 1 }).startOf('day').toJSDate();
  // Defence in depth: a zone database quirk must never produce a pause that ends before it starts.
  return next.getTime() > now.getTime() ? next : new Date(now.getTime() + 60 * 60 * 1000);
}

/** After a quota timer fired and usage is still over the threshold, look again this soon. */
export const QUOTA_RECHECK_BACKOFF_MS = 60 * 60 * 1000;

/**
 * When to look at the quota again. Normally the next local day. But Salesforce's window is rolling: at
 * midnight it still holds the whole day that went over the threshold, so a wake-up that finds usage still too
 * high re-checks hourly instead of sleeping another whole day.
 */
export function quotaResumeAt(now: Date, timeZone: string, backoff: boolean): Date {
  const nextDay = startOfNextDay(now, timeZone);
  if (!backoff) return nextDay;
  return new Date(Math.min(nextDay.getTime(), now.getTime() + QUOTA_RECHECK_BACKOFF_MS));
}

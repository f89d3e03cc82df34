/**
 * The quota guard's arithmetic. Salesforce enforces DailyApiRequests over a rolling 24 hours for the whole org
 * (every app's calls count), so the threshold is a share of the org's allocation, not of our own spend.
 */
export function thresholdCalls(max: number, thresholdPercent: number): number {
  return Math.floor((max * thresholdPercent) / 100);
}

export function atThreshold(usage: { used: number; max: number }, thresholdPercent: number): boolean {
  return usage.used >= thresholdCalls(usage.max, thresholdPercent);
}

/**
 * Start of the next calendar day in `timeZone`, as an instant. The window is rolling, so "tomorrow" is only
 * when to look again; the workflow re-checks usage before resuming.
 */
export function startOfNextDay(now: Date, timeZone: string): Date {
  const local = localParts(now, timeZone);
  const midnightAsUtc = Date.UTC(local.year, local.month - 1, local.day + 1, 0, 0, 0);
  // Local midnight = UTC midnight minus the zone's offset at that moment; recompute once for DST changes.
  let instant = midnightAsUtc - offsetMs(new Date(midnightAsUtc), timeZone);
  const corrected = midnightAsUtc - offsetMs(new Date(instant), timeZone);
  if (corrected !== instant) instant = corrected;
  return new Date(instant);
}

function localParts(date: Date, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

/** The zone's UTC offset at `date` in milliseconds (local wall clock minus UTC). */
function offsetMs(date: Date, timeZone: string): number {
  const p = localParts(date, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(date.getTime() / 1000) * 1000;
}

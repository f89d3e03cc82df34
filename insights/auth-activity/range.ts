export const DAY_MS = 86_400_000;

/**
 * [from, to) for a report; the review defaults to the last 30 days, the span auditors usually ask for. A
 * date-only bound is midnight of that date in `timeZone` (the report's zone); a date-time carries its offset.
 */
export function resolveRange(
  query: { from?: string; to?: string },
  now: Date,
  timeZone = 'UTC',
): { from: Date; to: Date } {
  const at = (value: string) => (DATE_ONLY.test(value) ? startOfLocalDay(value, timeZone) : new Date(value));
  const to = query.to ? at(query.to) : now;
  const from = query.from ? at(query.from) : new Date(to.getTime() - 30 * DAY_MS);
  return { from, to };
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** The instant a calendar date starts in an IANA zone (00:00 local; on a DST day that skips midnight, the first instant after). */
export function startOfLocalDay(date: string, timeZone: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(year, month - 1, day);
  // Two passes: the offset at the first guess can differ from the offset at the answer across a DST change.
  let instant = wall - zoneOffsetMs(wall, timeZone);
  instant = wall - zoneOffsetMs(instant, timeZone);
  return new Date(instant);
}

/** The zone's offset from UTC at an instant (local wall clock minus UTC), in milliseconds. */
function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(instant));
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return wall - Math.floor(instant / 1000) * 1000;
}

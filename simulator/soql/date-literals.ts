import type { DateConstantName } from './ast';

const DAY = 86_400_000;

/**
 * Date literals resolve to a [start, end) range of days, evaluated in UTC (the simulated users' time
 * zone). "LAST_N_DAYS:n starts with the current day and continues for the past n days" (SOQL Date Literals).
 */
export function dateConstantRange(name: DateConstantName, n: number, now: number): [number, number] {
  const today = Math.floor(now / DAY) * DAY;
  const date = new Date(today);
  switch (name) {
    case 'TODAY':
      return [today, today + DAY];
    case 'YESTERDAY':
      return [today - DAY, today];
    case 'TOMORROW':
      return [today + DAY, today + 2 * DAY];
    case 'LAST_N_DAYS':
      return [today - n * DAY, today + DAY];
    case 'LAST_90_DAYS':
      return [today - 90 * DAY, today + DAY];
    case 'NEXT_N_DAYS':
      return [today + DAY, today + (n + 1) * DAY];
    case 'N_DAYS_AGO':
      return [today - n * DAY, today - (n - 1) * DAY];
    case 'THIS_WEEK': {
      const start = today - date.getUTCDay() * DAY;
      return [start, start + 7 * DAY];
    }
    case 'LAST_WEEK': {
      const start = today - date.getUTCDay() * DAY;
      return [start - 7 * DAY, start];
    }
    case 'THIS_MONTH':
      return [
        Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1),
        Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1),
      ];
    case 'LAST_MONTH':
      return [
        Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - 1, 1),
        Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1),
      ];
  }
}

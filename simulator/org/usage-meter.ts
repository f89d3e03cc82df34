const MINUTE = 60_000;
const WINDOW_MINUTES = 24 * 60;

/**
 * Daily API usage as a rolling 24-hour window: "it doesn't reset at a specific time" (Trailhead, Daily
 * Rate Limits). Calls are kept in one-minute buckets on the simulator clock, so memory is constant.
 */
export interface UsageMeter {
  used(now: number): number;
  add(now: number, calls: number): number;
  peak(): number;
  resetPeak(now: number): void;
}

export function createUsageMeter(): UsageMeter {
  const buckets = new Float64Array(WINDOW_MINUTES);
  const bucketMinute = new Float64Array(WINDOW_MINUTES).fill(-1);
  let total = 0;
  let peak = 0;
  let evictedUpTo = -Infinity;

  function evict(now: number) {
    const oldestKept = Math.floor(now / MINUTE) - WINDOW_MINUTES + 1;
    if (oldestKept <= evictedUpTo) return;
    evictedUpTo = oldestKept;
    for (let slot = 0; slot < WINDOW_MINUTES; slot++) {
      if (bucketMinute[slot]! >= 0 && bucketMinute[slot]! < oldestKept) {
        total -= buckets[slot]!;
        buckets[slot] = 0;
        bucketMinute[slot] = -1;
      }
    }
  }

  return {
    used(now) {
      evict(now);
      return total;
    },
    add(now, calls) {
      evict(now);
      const minute = Math.floor(now / MINUTE);
      const slot = minute % WINDOW_MINUTES;
      if (bucketMinute[slot] !== minute) {
        total -= buckets[slot]!;
        buckets[slot] = 0;
        bucketMinute[slot] = minute;
      }
      buckets[slot]! += calls;
      total += calls;
      peak = Math.max(peak, total);
      return total;
    },
    peak: () => peak,
    resetPeak(now) {
      evict(now);
      peak = total;
    },
  };
}

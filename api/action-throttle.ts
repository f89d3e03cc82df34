import { ApiError } from './errors';

/**
 * Cost control for the two buttons that spend the customer's Salesforce API quota and a Temporal workflow
 * update each: Test Connectivity (a token mint, which also writes a LoginHistory row in the org, plus 4–5 REST
 * calls) and Collect Now (a collection run). Without it, one API key at its request rate drains a production
 * org's daily allocation within the hour and runs the workflow into Temporal's per-workflow update limits
 * (OWASP API4:2023 Unrestricted Resource Consumption; Temporal docs, "Workflow message passing" limits).
 *
 * Two layers, both cheap:
 * - the cooldown is judged from PostgreSQL rows the product already writes (`integrations.last_test.checkedAt`
 *   for tests, `collection_runs.started_at` for Collect Now), so it holds across API replicas and restarts with
 *   no new table or write on the request path;
 * - concurrent requests for the same integration share one in-flight call (single-flight, in process), so a
 *   burst sends one update per replica instead of one per request. This part is per process on purpose: a
 *   shared lock would add a PostgreSQL round trip (or a lock held for the length of a Salesforce call) to
 *   guard against at most one extra call per replica.
 */
export interface ActionCooldowns {
  /** After a test produced a result, further tests are answered 429 with that result for this long. */
  testConnectivityMs: number;
  /** After a Collect Now run started, another one is refused for this long (an active run is returned instead). */
  collectNowMs: number;
}

export const DEFAULT_ACTION_COOLDOWNS: ActionCooldowns = {
  testConnectivityMs: 15_000,
  collectNowMs: 60_000,
};

/** Seconds left in a cooldown that began at `since`, or 0. A `since` in the future (clock skew) counts as now. */
export function cooldownRemainingSeconds(since: Date | null, cooldownMs: number, now: number): number {
  if (!since || Number.isNaN(since.getTime()) || cooldownMs <= 0) return 0;
  const elapsed = Math.max(0, now - since.getTime());
  return elapsed >= cooldownMs ? 0 : Math.max(1, Math.ceil((cooldownMs - elapsed) / 1000));
}

export function throttled(message: string, retryAfterSeconds: number, details?: unknown): ApiError {
  return new ApiError('rate_limited', `${message}; retry after ${retryAfterSeconds} s`, details, {
    'Retry-After': String(retryAfterSeconds),
  });
}

/** One in-flight promise per key; later callers join it, and the key is free again once it settles. */
export class SingleFlight {
  readonly #inFlight = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.#inFlight.get(key);
    if (running) return running as Promise<T>;
    const started = work().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, started);
    return started;
  }
}

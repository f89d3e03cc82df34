import type { MiddlewareHandler } from 'hono';
import type { ApiEnv } from '../context';
import { classCost, endpointClass } from '../endpoint-classes';
import { ApiError } from '../errors';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * In-memory token bucket per API key: a burst of up to `perMinute` tokens, refilled continuously; a request
 * costs its endpoint class's tokens (api/endpoint-classes.ts). It is per process, which is enough to stop a
 * runaway script; it is not a quota across API replicas (N replicas allow N times the rate).
 */
export function rateLimitPerKey(perMinute: number, clock: () => Date): MiddlewareHandler<ApiEnv> {
  const now = () => clock().getTime();
  const buckets = new Map<string, Bucket>();
  const refillPerMs = perMinute / 60_000;
  let lastSweep = now();

  const sweep = (at: number) => {
    // Forget buckets that have refilled completely, so memory follows the number of active keys.
    if (at - lastSweep < 60_000) return;
    lastSweep = at;
    for (const [key, bucket] of buckets) {
      if (bucket.tokens + (at - bucket.updatedAt) * refillPerMs >= perMinute) buckets.delete(key);
    }
  };

  return async (c, next) => {
    const at = now();
    sweep(at);
    const key = c.get('apiKeyId');
    const cost = classCost[endpointClass(c)];
    const bucket = buckets.get(key) ?? { tokens: perMinute, updatedAt: at };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (at - bucket.updatedAt) * refillPerMs);
    bucket.updatedAt = at;
    buckets.set(key, bucket);
    if (bucket.tokens < cost) {
      const retryAfterSeconds = Math.max(1, Math.ceil((cost - bucket.tokens) / refillPerMs / 1000));
      throw new ApiError(
        'rate_limited',
        `Too many requests for this API key (limit ${perMinute} per minute); retry after ${retryAfterSeconds} s`,
        undefined,
        { 'Retry-After': String(retryAfterSeconds) },
      );
    }
    bucket.tokens -= cost;
    c.header('RateLimit-Limit', String(perMinute));
    c.header('RateLimit-Remaining', String(Math.floor(bucket.tokens)));
    await next();
  };
}

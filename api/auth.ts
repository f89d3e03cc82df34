import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { authenticateApiKey, type ApiKeyScope } from '../platform/api-keys';
import type { Sql } from '../platform/database';
import type { Logger } from '../platform/logger';
import type { ApiEnv } from './context';
import { ApiError } from './errors';

// RFC 6750 b64token; anything else cannot be one of our keys, so it is refused without a database round trip.
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

function unauthorized(message: string, error?: 'invalid_token'): ApiError {
  return new ApiError('unauthorized', message, undefined, {
    'WWW-Authenticate': error
      ? `Bearer realm="identity-collector", error="${error}"`
      : 'Bearer realm="identity-collector"',
  });
}

/**
 * The peer address of the TCP connection. Behind a reverse proxy every client shares the proxy's address, so
 * the failed-attempt budget below is shared too: size it for that (API_AUTH_FAILURES_PER_MINUTE).
 * `app.request()` in tests has no socket; those requests count as one client.
 */
function clientAddress(c: Context<ApiEnv>): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Counts failed authentications per client address in a fixed one-minute window. Over the budget, further
 * requests from that address are refused with 429 before they reach PostgreSQL, so a flood of guessed keys
 * cannot fill the connection pool every tenant shares.
 */
class FailedAttempts {
  private windows = new Map<string, { startedAt: number; failures: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly clock: () => Date,
  ) {}

  private now(): number {
    return this.clock().getTime();
  }

  retryAfterSeconds(address: string): number | undefined {
    const at = this.now();
    const window = this.windows.get(address);
    if (!window || at - window.startedAt >= 60_000) return undefined;
    if (window.failures < this.perMinute) return undefined;
    return Math.max(1, Math.ceil((window.startedAt + 60_000 - at) / 1000));
  }

  record(address: string): void {
    const at = this.now();
    // Bounded memory: forget every finished window when the map grows (one entry per attacking address).
    if (this.windows.size > 10_000) {
      for (const [key, w] of this.windows) if (at - w.startedAt >= 60_000) this.windows.delete(key);
    }
    const window = this.windows.get(address);
    if (!window || at - window.startedAt >= 60_000) this.windows.set(address, { startedAt: at, failures: 1 });
    else window.failures += 1;
  }
}

export interface AuthOptions {
  /** Failed authentications allowed per client address per minute before 429. Default 60. */
  failuresPerMinute?: number;
  now?: () => Date;
  logger?: Logger;
}

/** Resolves `Authorization: Bearer <key>` to the key's tenant and scope; every /v1 route runs behind it. */
export function requireApiKey(sql: Sql, options: AuthOptions = {}): MiddlewareHandler<ApiEnv> {
  const failures = new FailedAttempts(options.failuresPerMinute ?? 60, options.now ?? (() => new Date()));
  const logBackgroundError = (error: unknown) =>
    options.logger?.warn('could not record API key use', { error: (error as Error).message });

  return async (c, next) => {
    const address = clientAddress(c);
    const retryAfter = failures.retryAfterSeconds(address);
    if (retryAfter !== undefined) {
      throw new ApiError(
        'rate_limited',
        `Too many failed authentications from this address; retry after ${retryAfter} s`,
        undefined,
        { 'Retry-After': String(retryAfter) },
      );
    }
    const refuse = (error: ApiError): never => {
      failures.record(address);
      throw error;
    };
    const header = c.req.header('authorization');
    if (!header) refuse(unauthorized('Send an API key as "Authorization: Bearer <key>"'));
    const match = BEARER.exec(header!.trim());
    if (!match) refuse(unauthorized('The Authorization header must be "Bearer <key>"', 'invalid_token'));
    const identity = await authenticateApiKey(sql, match![1]!, logBackgroundError);
    if (!identity)
      refuse(unauthorized('The API key is not valid, has expired or has been revoked', 'invalid_token'));
    c.set('tenantId', identity!.tenantId);
    c.set('tenantName', identity!.tenantName);
    c.set('apiKeyId', identity!.apiKeyId);
    c.set('apiKeyName', identity!.apiKeyName);
    c.set('apiKeyScope', identity!.scope);
    await next();
  };
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A `read` key may only read: every other method needs `admin`. Checked on the method, not per route, so a new
 * route cannot forget it; a read that must change state does not exist in this API.
 */
export function requireScopeForWrites(): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const scope: ApiKeyScope = c.get('apiKeyScope');
    if (scope !== 'admin' && !READ_METHODS.has(c.req.method)) {
      throw new ApiError(
        'insufficient_scope',
        `This API key has the "${scope}" scope and can only read; ${c.req.method} needs a key with the "admin" scope (npm run admin -- key create --tenant <name> --scope admin)`,
      );
    }
    await next();
  };
}

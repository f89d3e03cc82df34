import type { MiddlewareHandler } from 'hono';
import { authenticateApiKey } from '../platform/api-keys';
import type { Sql } from '../platform/database';
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

/** Resolves `Authorization: Bearer <key>` to the key's tenant; every /v1 route runs behind it. */
export function requireApiKey(sql: Sql): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) throw unauthorized('Send an API key as "Authorization: Bearer <key>"');
    const match = BEARER.exec(header.trim());
    if (!match) throw unauthorized('The Authorization header must be "Bearer <key>"', 'invalid_token');
    const identity = await authenticateApiKey(sql, match[1]!);
    if (!identity) throw unauthorized('The API key is not valid or has been revoked', 'invalid_token');
    c.set('tenantId', identity.tenantId);
    c.set('apiKeyId', identity.apiKeyId);
    await next();
  };
}

import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from '../../platform/logger';
import type { ApiEnv } from '../context';

/**
 * One structured line per request. Logs the route template, never the concrete path, headers or bodies:
 * paths carry ids and query strings carry user filters, and headers carry the API key.
 */
export function requestLog(logger: Logger): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const template = routePath(c, -1);
    logger.info('request', {
      method: c.req.method,
      path: template.endsWith('*') ? '(unmatched)' : template,
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      requestId: c.get('requestId'),
      tenantId: c.get('tenantId') ?? null,
      apiKeyId: c.get('apiKeyId') ?? null,
    });
  };
}

import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { Histogram, type Registry } from 'prom-client';
import type { ApiEnv } from '../context';

/**
 * Request count and latency by method, route template and status (a histogram's _count is the request
 * counter). Route templates, never concrete paths, so ids do not turn into series.
 */
export function requestMetrics(registry: Registry): MiddlewareHandler<ApiEnv> {
  const duration = new Histogram({
    name: 'identity_collector_http_request_duration_seconds',
    help: 'HTTP API requests by method, route template and status, with their latency',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60],
    registers: [registry],
  });
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const template = routePath(c, -1);
      duration.observe(
        {
          method: c.req.method,
          route: template.endsWith('*') ? '(unmatched)' : template,
          status: String(c.res.status),
        },
        (performance.now() - started) / 1000,
      );
    }
  };
}

import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import { metricsContentType } from '../../platform/metrics';

/**
 * `GET /metrics` in Prometheus format, unauthenticated like /healthz: it carries request counts and latencies
 * by route and the process's own figures, never ids, tenants or secrets. Keep it off the public listener of
 * the reverse proxy all the same (SECURITY.md).
 */
export function metricsRoutes(registry: Registry) {
  const app = new Hono();
  app.get('/metrics', async (c) =>
    c.body(await registry.metrics(), 200, { 'content-type': metricsContentType }),
  );
  return app;
}

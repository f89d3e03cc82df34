import type { Context, MiddlewareHandler } from 'hono';
import type { ApiEnv } from './context';
import { ApiError } from './errors';

/**
 * Requests differ in cost by orders of magnitude: a page of integrations is one indexed lookup, an
 * unused-accounts report or a CSV export scans an org's users and logins. Each request is put in one class,
 * which decides what it costs against the key's rate limit, how many may run at once per tenant, and (through
 * the pool the route uses, api/dependencies.ts) how long its statements may run. One place, so a new report
 * route is classified by adding its path here.
 */
export type EndpointClass = 'standard' | 'report' | 'export';

const REPORT_PATHS = [
  /^\/v1\/integrations\/[^/]+\/unused-accounts$/,
  /^\/v1\/integrations\/[^/]+\/auth-activity$/,
];
// Streaming exports: one request however many rows (their own cap, api/routes/collected-export.ts).
const EXPORT_PATH = /^\/v1\/integrations\/[^/]+\/[a-z-]+\/export$/;

export function endpointClass(c: Context<ApiEnv>): EndpointClass {
  const path = c.req.path;
  if (c.req.method === 'GET') {
    if (EXPORT_PATH.test(path)) return 'export';
    if (REPORT_PATHS.some((p) => p.test(path))) return 'report';
    // Any listing asked for as CSV is an export of everything that matches.
    if (c.req.query('format') === 'csv' || /text\/csv/.test(c.req.header('accept') ?? '')) return 'report';
  }
  // A purge only marks the integration (the worker deletes its rows), so it costs like any other request.
  return 'standard';
}

/** Rate-limit tokens a request of each class costs: a report counts like this many page reads. */
export const classCost: Record<EndpointClass, number> = { standard: 1, report: 10, export: 1 };

/**
 * At most `perTenant` report-class requests of one tenant run at once (all its keys together); more answer
 * 429 at once instead of queueing on the shared report pool, so one tenant's dashboards cannot starve another
 * tenant's reports.
 */
export function limitConcurrentReports(perTenant: number): MiddlewareHandler<ApiEnv> {
  const running = new Map<string, number>();
  return async (c, next) => {
    if (endpointClass(c) !== 'report') return next();
    const tenant = c.get('tenantId');
    const now = running.get(tenant) ?? 0;
    if (now >= perTenant) {
      throw new ApiError(
        'rate_limited',
        `This tenant already has ${now} reports or exports running (at most ${perTenant} at once); retry after 2 s`,
        undefined,
        { 'Retry-After': '2' },
      );
    }
    running.set(tenant, now + 1);
    try {
      await next();
    } finally {
      const left = (running.get(tenant) ?? 1) - 1;
      if (left <= 0) running.delete(tenant);
      else running.set(tenant, left);
    }
  };
}

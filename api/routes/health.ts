import { Hono } from 'hono';
import type { ApiDependencies } from '../dependencies';

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Liveness says the process is up; readiness checks the two things every request needs, for real. /readyz is
 * unauthenticated, so it answers only up/down (the reason goes to the log: driver errors name internal hosts,
 * ports and database users) and reuses its answer for a second, so a flood of probes costs one check a second.
 */
export function healthRoutes(deps: ApiDependencies) {
  const app = new Hono();
  const now = () => deps.now().getTime();
  let cached: { at: number; ready: boolean; body: unknown } | undefined;
  let checking: Promise<{ ready: boolean; body: unknown }> | undefined;

  const check = async () => {
    const [postgres, temporal] = await Promise.allSettled([
      within(2000, deps.sql`select 1 as ok`),
      within(2000, deps.temporal.workflowService.getSystemInfo({})),
    ]);
    const describe = (name: string, r: PromiseSettledResult<unknown>) => {
      if (r.status === 'fulfilled') return { status: 'ok' };
      deps.logger.warn('readiness check failed', {
        dependency: name,
        error: (r.reason as Error).message.split('\n')[0],
      });
      return { status: 'down' };
    };
    const body = { postgres: describe('postgres', postgres), temporal: describe('temporal', temporal) };
    const ready = postgres.status === 'fulfilled' && temporal.status === 'fulfilled';
    return { ready, body: { status: ready ? 'ready' : 'not_ready', checks: body } };
  };

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    if (!cached || now() - cached.at >= 1000) {
      checking ??= check().finally(() => (checking = undefined));
      cached = { at: now(), ...(await checking) };
    }
    return c.json(cached.body, cached.ready ? 200 : 503);
  });
  return app;
}

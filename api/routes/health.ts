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

/** Liveness says the process is up; readiness checks the two things every request needs, for real. */
export function healthRoutes(deps: ApiDependencies) {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const [postgres, temporal] = await Promise.allSettled([
      within(2000, deps.sql`select 1 as ok`),
      within(2000, deps.temporal.workflowService.getSystemInfo({})),
    ]);
    const describe = (r: PromiseSettledResult<unknown>) =>
      r.status === 'fulfilled'
        ? { status: 'ok' }
        : { status: 'down', error: (r.reason as Error).message.split('\n')[0] };
    const body = { postgres: describe(postgres), temporal: describe(temporal) };
    const ready = postgres.status === 'fulfilled' && temporal.status === 'fulfilled';
    return c.json({ status: ready ? 'ready' : 'not_ready', checks: body }, ready ? 200 : 503);
  });
  return app;
}

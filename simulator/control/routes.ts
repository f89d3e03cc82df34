import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { SimulatorState } from '../state';
import type { SimulatorControl } from './control';
import { CONTROL_STATUS, ControlError } from './errors';
import { advanceClockSchema } from './schemas';

export const CONTROL_PREFIX = '/__simulator';

async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ControlError('INVALID_REQUEST', 'the request body is not valid JSON');
  }
}

/** JSON control API, separate from the Salesforce surface; errors as { error: { code, message } }. */
export function controlRoutes(state: SimulatorState, control: SimulatorControl): Hono {
  const app = new Hono();
  const absolute = <T extends { salesforceUrl: string }>(c: Context, org: T): T =>
    org.salesforceUrl.startsWith('/')
      ? { ...org, salesforceUrl: new URL(c.req.url).origin + org.salesforceUrl }
      : org;

  app.onError((error, c) => {
    if (error instanceof ControlError) {
      return c.json({ error: { code: error.code, message: error.message } }, CONTROL_STATUS[error.code]);
    }
    console.error('simulator control error', error);
    return c.json({ error: { code: 'INTERNAL', message: 'internal simulator error' } }, 500);
  });

  app.get('/clock', (c) => c.json({ now: control.now().toISOString() }));
  app.post('/clock/advance', async (c) => {
    const body = advanceClockSchema.safeParse(await jsonBody(c));
    if (!body.success) throw new ControlError('INVALID_REQUEST', z.prettifyError(body.error));
    const { ms = 0, minutes = 0, hours = 0, days = 0 } = body.data;
    const now = control.advanceClock(ms + minutes * 60_000 + hours * 3_600_000 + days * 86_400_000);
    return c.json({ now: now.toISOString() });
  });

  app.get('/orgs', (c) => c.json(control.listOrgs().map((org) => absolute(c, org))));
  app.post('/orgs', async (c) => c.json(absolute(c, control.createOrg((await jsonBody(c)) as never)), 201));
  app.get('/orgs/:key', (c) => c.json(absolute(c, control.getOrg(c.req.param('key')))));
  app.patch('/orgs/:key', async (c) =>
    c.json(absolute(c, control.configureOrg(c.req.param('key'), (await jsonBody(c)) as never))),
  );
  app.delete('/orgs/:key', (c) => {
    control.deleteOrg(c.req.param('key'));
    return c.body(null, 204);
  });
  app.post('/orgs/:key/scenarios', async (c) =>
    c.json(control.plantScenario(c.req.param('key'), (await jsonBody(c)) as never), 201),
  );
  app.get('/orgs/:key/truth', (c) => c.json(control.truth(c.req.param('key'), c.req.query())));
  app.post('/orgs/:key/logins', async (c) =>
    c.json(control.appendLogins(c.req.param('key'), (await jsonBody(c)) as never), 201),
  );
  app.post('/orgs/:key/users/touch', async (c) =>
    c.json(control.touchUsers(c.req.param('key'), (await jsonBody(c)) as never)),
  );
  app.get('/orgs/:key/faults', (c) => c.json(control.getOrg(c.req.param('key')).faults));
  app.put('/orgs/:key/faults', async (c) =>
    c.json(control.setFaults(c.req.param('key'), (await jsonBody(c)) as never)),
  );
  app.delete('/orgs/:key/faults', (c) => {
    control.clearFaults(c.req.param('key'));
    return c.body(null, 204);
  });
  app.post('/orgs/:key/tokens/revoke', (c) => c.json(control.revokeTokens(c.req.param('key'))));
  app.post('/orgs/:key/api-usage', async (c) => {
    const body = (await jsonBody(c)) as { count?: unknown };
    return c.json(control.consumeApiCalls(c.req.param('key'), Number(body.count)));
  });
  app.get('/orgs/:key/counters', (c) => c.json(control.counters(c.req.param('key'))));
  app.delete('/orgs/:key/counters', (c) => {
    control.resetCounters(c.req.param('key'));
    return c.body(null, 204);
  });
  app.get('/orgs/:key/object-counts', (c) => c.json(control.objectCounts(c.req.param('key'))));
  void state;
  return app;
}

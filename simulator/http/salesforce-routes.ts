import { Hono, type Context } from 'hono';
import { listVersions } from '../api-versions';
import { bump } from '../org/counters';
import type { SimulatorState } from '../state';
import { limits, resources } from './limits-handler';
import { identity, rootTokenEndpoint, tokenEndpoint } from './oauth';
import { continueQuery, runQuery } from './query-handlers';
import { handleRestCall } from './rest-call';
import { REST_ERRORS, sendJson } from './responses';

/** The Salesforce surface of one org, mounted at /orgs/:org (the org's "My Domain"). */
function orgRoutes(state: SimulatorState): Hono {
  const org = new Hono();
  org.post('/services/oauth2/token', (c) => tokenEndpoint(c, state));
  org.get('/id/:orgId/:userId', (c) => identity(c, state));

  // The Versions URI needs no session and does not count against the allocation (headers_api_usage).
  const versions = (c: Context) => {
    const target = state.orgs.get(c.req.param('org') ?? '');
    if (!target) return sendJson(REST_ERRORS.notFound(), { status: 404 });
    bump(target.counters.endpoints, 'versions');
    return c.json(listVersions());
  };
  org.get('/services/data', versions);
  org.get('/services/data/', versions);

  org.get('/services/data/:version', (c) => handleRestCall(c, state, 'resources', resources));
  org.get('/services/data/:version/', (c) => handleRestCall(c, state, 'resources', resources));
  org.get('/services/data/:version/limits', (c) => handleRestCall(c, state, 'limits', limits));
  org.get('/services/data/:version/limits/', (c) => handleRestCall(c, state, 'limits', limits));
  org.get('/services/data/:version/query', (c) =>
    handleRestCall(c, state, 'query', (call) =>
      runQuery(call, c.req.query('q'), c.req.header('Sforce-Query-Options')),
    ),
  );
  org.get('/services/data/:version/queryAll', (c) =>
    handleRestCall(c, state, 'queryAll', (call) =>
      runQuery(call, c.req.query('q'), c.req.header('Sforce-Query-Options')),
    ),
  );
  // queryAll's nextRecordsUrl uses /query/, "and either path works" (resources_queryall_more_results).
  for (const path of [
    '/services/data/:version/query/:locator',
    '/services/data/:version/queryAll/:locator',
  ]) {
    org.get(path, (c) =>
      handleRestCall(c, state, 'queryMore', (call) =>
        continueQuery(call, c.req.param('locator') ?? '', c.req.header('Sforce-Query-Options')),
      ),
    );
  }
  org.all('/services/data/:version/*', (c) =>
    handleRestCall(c, state, 'other', () => ({ status: 404, body: REST_ERRORS.notFound() })),
  );
  org.notFound(() => sendJson(REST_ERRORS.notFound(), { status: 404 }));
  return org;
}

export function salesforceRoutes(state: SimulatorState): Hono {
  const app = new Hono();
  app.post('/services/oauth2/token', () => rootTokenEndpoint());
  app.get('/services/data', (c) => c.json(listVersions()));
  app.get('/services/data/', (c) => c.json(listVersions()));
  app.route('/orgs/:org', orgRoutes(state));
  return app;
}

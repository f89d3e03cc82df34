import { readFileSync } from 'node:fs';
import { Hono, type Context } from 'hono';
import type { Child } from 'hono/jsx';
import { canAct, ConsoleApi, type ApiErrorBody, type Fetcher, type Session } from './api-client';
import {
  ConnectivityView,
  EditForm,
  IntegrationDetailView,
  ProgressView,
  RunsTable,
  type CollectionRun,
  type ConnectivityResult,
} from './views/detail';
import type { AuthActivityView, FindingPageBody, UnusedAccountsBody } from '../schemas/insights';
import { AuthReviewView } from './views/auth-review';
import { FindingsView } from './views/findings';
import { UnusedAccountsView } from './views/unused-accounts';
import {
  IntegrationForm,
  IntegrationsTable,
  SetupGuide,
  type FieldErrors,
  type IntegrationDetail,
} from './views/integrations';
import { ErrorNotice, Fragment, Layout } from './views/layout';

export interface ConsoleOptions {
  /** The API app's own request function: the console reads and writes through /v1 only. */
  fetcher: Fetcher;
  /** Where operators open a workflow (TEMPORAL_UI_URL); no link when unset. */
  temporalUi?: { url: string; namespace: string };
}

/** How long the browser waits before asking again for a fragment the API answered 429 (Retry-After is 1-2 s). */
const RETRY_BUSY_MS = 2_000;

const asset = (name: string) => readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');

// Everything the console loads comes from this process: no CDN, works offline. Inline style attributes only
// (no inline script), so a script injected into a page could not run.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const COLLECTING = new Set(['initial_collection', 'incremental_collection', 'paused_for_quota']);
const PROGRESS_REFRESH_MS = '2000';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Form = Record<string, string>;

async function formOf(c: Context): Promise<Form> {
  const body = await c.req.parseBody();
  return Object.fromEntries(
    Object.entries(body).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v.trim()]] : [])),
  );
}

/** API validation details (`body.options.timezone`) keyed by the form field they belong to (`timezone`). */
function fieldErrors(error: ApiErrorBody): FieldErrors {
  const errors: FieldErrors = {};
  for (const d of error.details ?? []) {
    const field = d.path.split('.').at(-1);
    if (field && !errors[field]) errors[field] = d.message;
  }
  return errors;
}

/**
 * The web console: server-rendered pages at /, fragments at /console/fragments/* rendered from /v1 responses
 * with the caller's own API key (sent by the browser's script in the Authorization header, never a cookie, so
 * a cross-site form cannot act as the user).
 */
export function consoleRoutes(options: ConsoleOptions) {
  const app = new Hono();

  app.use('*', async (c, next) => {
    await next();
    c.res.headers.set('Content-Security-Policy', CSP);
    c.res.headers.set('Referrer-Policy', 'no-referrer');
  });

  const script = asset('console.js');
  const styles = asset('console.css');
  app.get('/console/assets/console.js', (c) =>
    c.body(script, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }),
  );
  app.get('/console/assets/console.css', (c) =>
    c.body(styles, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' }),
  );

  // ---- Pages (no data: the browser holds the key, so data arrives as fragments) ----------------------------

  app.get('/sign-in', (c) =>
    c.html(
      <Layout title="Sign in" section="none" page="sign-in">
        <h1>Sign in</h1>
        <form id="sign-in" class="card" novalidate>
          <label for="api-key">
            API key
            <span class="hint">
              Create one with <code>npm run admin -- key create --tenant &lt;name&gt;</code>;{' '}
              <code>npm start</code> prints a demo key. It is kept in this browser tab only.
            </span>
          </label>
          <input
            id="api-key"
            name="apiKey"
            type="password"
            autocomplete="off"
            required
            aria-describedby="sign-in-error"
          />
          <p id="sign-in-error" class="field-error" role="alert"></p>
          <button type="submit">Sign in</button>
        </form>
      </Layout>,
    ),
  );

  app.get('/', (c) =>
    c.html(
      <Layout title="Integrations" section="integrations">
        <div class="actions" style="justify-content:space-between">
          <h1>Integrations</h1>
          <a class="button" href="/integrations/new">
            Add Integration
          </a>
        </div>
        <Fragment src="/console/fragments/integrations" label="Integrations" />
      </Layout>,
    ),
  );

  app.get('/integrations/new', (c) =>
    c.html(
      <Layout title="Add Integration" section="new">
        <h1>Add Integration · Salesforce</h1>
        <SetupGuide />
        <Fragment
          id="add-integration"
          src="/console/fragments/integrations/new"
          label="Add Integration form"
        />
      </Layout>,
    ),
  );

  app.get('/integrations/:id', (c) => {
    const id = c.req.param('id');
    if (!UUID.test(id)) return c.notFound();
    return c.html(
      <Layout title="Integration" section="integrations">
        <p>
          <a href="/">← Integrations</a>
        </p>
        <Fragment src={`/console/fragments/integrations/${id}`} label="Integration details" />
      </Layout>,
    );
  });

  app.get('/integrations/:id/insights', (c) => {
    const id = c.req.param('id');
    if (!UUID.test(id)) return c.notFound();
    const groupBy = c.req.query('groupBy') === 'week' ? 'week' : 'day';
    const user = c.req.query('user');
    const userQuery = user && /^[a-zA-Z0-9]{15,18}$/.test(user) ? `&user=${user}` : '';
    const base = `/console/fragments/integrations/${id}`;
    return c.html(
      <Layout title="Insights" section="integrations">
        <p>
          <a href={`/integrations/${id}`}>← Integration</a>
        </p>
        <h1>Insights</h1>
        <Fragment src={`${base}/unused`} label="Unused accounts" />
        <Fragment src={`${base}/auth-review?groupBy=${groupBy}${userQuery}`} label="Authentication review" />
        <h2>Unauthorized-access findings</h2>
        <Fragment id="findings-section" src={`${base}/findings`} label="Findings" />
      </Layout>,
    );
  });

  // ---- Fragments ---------------------------------------------------------------------------------------------

  const fragments = new Hono<{ Variables: { api: ConsoleApi } }>();
  fragments.use('*', async (c, next) => {
    const authorization = c.req.header('authorization');
    if (!authorization) return c.text('Sign in first', 401);
    c.set('api', new ConsoleApi(options.fetcher, authorization, c.env));
    await next();
  });

  /** Renders a fragment; an API error becomes an error notice (a refused key sends the browser to sign-in). */
  const show = (c: Context, status: number, node: Child, headers: Record<string, string> = {}) =>
    c.html(<>{node}</>, status === 401 ? 401 : 200, headers);
  // A 429 (the key's rate limit or the tenant's concurrent reports) is retried by the page's script.
  const failed = (c: Context, result: { status: number; error: ApiErrorBody }) =>
    show(
      c,
      result.status,
      <ErrorNotice error={result.error} />,
      result.status === 429 ? { 'x-console-retry': String(RETRY_BUSY_MS) } : {},
    );

  // Without a readable session (an API outage) the console shows data but no actions.
  const sessionOf = async (api: ConsoleApi): Promise<Session | undefined> => {
    const session = await api.session();
    return session.ok ? session.body : undefined;
  };

  fragments.get('/integrations', async (c) => {
    const api = c.get('api');
    const page = await api.get<{ data: Array<{ id: string }> }>('/v1/integrations?limit=100');
    if (!page.ok) return failed(c, page);
    const details = await Promise.all(
      page.body.data.map((i) => api.get<IntegrationDetail>(`/v1/integrations/${i.id}`)),
    );
    const problem = details.find((d) => !d.ok);
    if (problem && !problem.ok) return failed(c, problem);
    const items = details.flatMap((d) => (d.ok ? [d.body] : []));
    const live = items.some((i) => COLLECTING.has(i.state) || i.pausedUntil);
    return show(c, 200, <IntegrationsTable items={items} />, live ? { 'x-console-refresh': '10000' } : {});
  });

  fragments.get('/integrations/new', async (c) => {
    const session = await sessionOf(c.get('api'));
    if (!canAct(session)) {
      return show(
        c,
        200,
        <p class="notice warn">This API key is read-only: ask an admin to add integrations.</p>,
      );
    }
    return show(c, 200, <IntegrationForm />);
  });

  fragments.post('/integrations', async (c) => {
    const form = await formOf(c);
    const values = {
      displayName: form.displayName ?? '',
      salesforceUrl: form.salesforceUrl ?? '',
      consumerKey: form.consumerKey ?? '',
    };
    const created = await c.get('api').call<{ id: string }>('POST', '/v1/integrations', {
      ...values,
      consumerSecret: form.consumerSecret ?? '',
    });
    if (created.ok) return c.body(null, 204, { 'x-console-location': `/integrations/${created.body.id}` });
    if (created.status === 401) return failed(c, created);
    const errors = fieldErrors(created.error);
    const summary =
      Object.keys(errors).length > 0 ? 'Please correct the fields marked below.' : created.error.message;
    return show(c, 200, <IntegrationForm values={values} errors={errors} summary={summary} />);
  });

  const integrationPath = (c: Context) => {
    const id = c.req.param('id') ?? '';
    return UUID.test(id) ? `/v1/integrations/${id}` : `/v1/integrations/not-an-id`;
  };

  fragments.get('/integrations/:id', async (c) => {
    const api = c.get('api');
    const [detail, session] = await Promise.all([
      api.get<IntegrationDetail>(integrationPath(c)),
      sessionOf(api),
    ]);
    if (!detail.ok) return failed(c, detail);
    const ui = options.temporalUi;
    const temporalUi = ui
      ? `${ui.url.replace(/\/$/, '')}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/integration-${detail.body.id}`
      : undefined;
    return show(
      c,
      200,
      <IntegrationDetailView integration={detail.body} canAct={canAct(session)} temporalUi={temporalUi} />,
    );
  });

  fragments.get('/integrations/:id/progress', async (c) => {
    const detail = await c.get('api').get<IntegrationDetail>(integrationPath(c));
    if (!detail.ok) return failed(c, detail);
    const live = detail.body.currentRun !== null || COLLECTING.has(detail.body.state);
    return show(
      c,
      200,
      <ProgressView integration={detail.body} />,
      live ? { 'x-console-refresh': PROGRESS_REFRESH_MS } : {},
    );
  });

  fragments.get('/integrations/:id/runs', async (c) => {
    const runs = await c.get('api').get<{ data: CollectionRun[] }>(`${integrationPath(c)}/runs?limit=20`);
    if (!runs.ok) return failed(c, runs);
    return show(c, 200, <RunsTable runs={runs.body.data} />);
  });

  fragments.post('/integrations/:id/test', async (c) => {
    const result = await c.get('api').call<ConnectivityResult>('POST', `${integrationPath(c)}/test`);
    if (!result.ok) return failed(c, result);
    return show(c, 200, <ConnectivityView result={result.body} />, { 'x-console-reload': '1' });
  });

  fragments.post('/integrations/:id/collect', async (c) => {
    const result = await c
      .get('api')
      .call<{ runId: string; started: boolean; kind: string }>('POST', `${integrationPath(c)}/collect`);
    if (!result.ok) return failed(c, result);
    const { started, kind } = result.body;
    return show(
      c,
      200,
      <p class="notice ok" role="status">
        {started ? `Collection started (${kind} run).` : `A ${kind} run is already in progress; showing it.`}
      </p>,
      { 'x-console-reload': '1' },
    );
  });

  for (const action of ['pause', 'resume'] as const) {
    fragments.post(`/integrations/:id/${action}`, async (c) => {
      const result = await c.get('api').call('POST', `${integrationPath(c)}/${action}`);
      if (!result.ok) return failed(c, result);
      return show(
        c,
        200,
        <p class="notice ok" role="status">
          {action === 'pause' ? 'Paused: collection stops at the next safe point.' : 'Resumed.'}
        </p>,
        { 'x-console-reload': '1' },
      );
    });
  }

  fragments.post('/integrations/:id/edit', async (c) => {
    const api = c.get('api');
    const current = await api.get<IntegrationDetail>(integrationPath(c));
    if (!current.ok) return failed(c, current);
    const form = await formOf(c);
    const i = current.body;
    const options: Record<string, unknown> = {};
    const numeric = (v: string) => (/^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);
    if (form.quotaThresholdPercent && numeric(form.quotaThresholdPercent) !== i.options.quotaThresholdPercent)
      options.quotaThresholdPercent = numeric(form.quotaThresholdPercent);
    if (form.dailyRunHour && numeric(form.dailyRunHour) !== i.options.dailyRunHour)
      options.dailyRunHour = numeric(form.dailyRunHour);
    if (form.timezone && form.timezone !== i.options.timezone) options.timezone = form.timezone;
    const credentials = {
      ...(form.consumerKey ? { consumerKey: form.consumerKey } : {}),
      ...(form.consumerSecret ? { consumerSecret: form.consumerSecret } : {}),
    };
    const patch = {
      ...(form.displayName && form.displayName !== i.displayName ? { displayName: form.displayName } : {}),
      ...(Object.keys(options).length ? { options } : {}),
      ...(Object.keys(credentials).length ? { credentials } : {}),
    };
    if (Object.keys(patch).length === 0) return show(c, 200, <EditForm integration={i} saved />);
    const saved = await api.call<IntegrationDetail>('PATCH', integrationPath(c), patch);
    if (saved.ok)
      return show(c, 200, <EditForm integration={{ ...i, ...saved.body }} saved />, {
        'x-console-reload': '1',
      });
    if (saved.status === 401) return failed(c, saved);
    return show(
      c,
      200,
      <>
        <ErrorNotice error={saved.error} />
        <EditForm integration={i} errors={fieldErrors(saved.error)} />
      </>,
    );
  });

  fragments.post('/integrations/:id/disconnect', async (c) => {
    const form = await formOf(c);
    const purge = form.purge === 'true';
    const result = await c.get('api').call('DELETE', `${integrationPath(c)}?purge=${purge}`);
    if (!result.ok) return failed(c, result);
    return c.body(null, 204, { 'x-console-location': '/' });
  });

  fragments.get('/integrations/:id/unused', async (c) => {
    const result = await c
      .get('api')
      .get<UnusedAccountsBody>(`${integrationPath(c)}/unused-accounts?limit=200`);
    if (!result.ok) return failed(c, result);
    return show(c, 200, <UnusedAccountsView integrationId={c.req.param('id')} data={result.body} />);
  });

  fragments.get('/integrations/:id/auth-review', async (c) => {
    const api = c.get('api');
    const base = `${integrationPath(c)}/auth-activity`;
    const groupBy = c.req.query('groupBy') === 'week' ? 'week' : 'day';
    const user = c.req.query('user');
    const [summary, users, ips, timeline] = await Promise.all([
      api.get<AuthActivityView<'summary'>>(`${base}?view=summary&groupBy=${groupBy}`),
      api.get<AuthActivityView<'top-users'>>(`${base}?view=top-users&limit=10`),
      api.get<AuthActivityView<'top-ips'>>(`${base}?view=top-ips&limit=10`),
      user
        ? api.get<AuthActivityView<'timeline'>>(
            `${base}?view=timeline&userId=${encodeURIComponent(user)}&limit=200`,
          )
        : undefined,
    ]);
    for (const r of [summary, users, ips, timeline]) if (r && !r.ok) return failed(c, r);
    if (!summary.ok || !users.ok || !ips.ok) throw new Error('unreachable');
    return show(
      c,
      200,
      <AuthReviewView
        integrationId={c.req.param('id')}
        groupBy={groupBy}
        summary={summary.body.rows}
        users={users.body.rows}
        ips={ips.body.rows}
        timeline={timeline?.ok && user ? { userId: user, rows: timeline.body.rows } : undefined}
      />,
    );
  });

  const findingsFragment = async (c: Context<{ Variables: { api: ConsoleApi } }>, changed?: string) => {
    const api = c.get('api');
    const [findings, session] = await Promise.all([
      api.get<FindingPageBody>(`${integrationPath(c)}/findings?limit=100`),
      sessionOf(api),
    ]);
    if (!findings.ok) return failed(c, findings);
    return show(
      c,
      200,
      <FindingsView
        integrationId={c.req.param('id') ?? ''}
        findings={findings.body.data}
        canAct={canAct(session)}
        changed={changed}
      />,
    );
  };

  fragments.get('/integrations/:id/findings', (c) => findingsFragment(c));

  fragments.post('/integrations/:id/findings/:findingId', async (c) => {
    const form = await formOf(c);
    const findingId = c.req.param('findingId');
    const result = await c
      .get('api')
      .call('PATCH', `${integrationPath(c)}/findings/${UUID.test(findingId) ? findingId : 'not-an-id'}`, {
        status: form.status,
      });
    if (!result.ok) return failed(c, result);
    return findingsFragment(c, `Finding marked ${form.status}.`);
  });

  app.route('/console/fragments', fragments);
  return app;
}

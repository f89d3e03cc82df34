import type { z } from '@hono/zod-openapi';
import type { IntegrationDetailSchema } from '../../schemas/integration';
import { LocalTime, number, TableHead } from './layout';

export type IntegrationDetail = z.infer<typeof IntegrationDetailSchema>;
type Quota = NonNullable<IntegrationDetail['quota']>;

const stateLabels: Record<IntegrationDetail['state'], [string, 'ok' | 'warn' | 'bad' | 'neutral']> = {
  awaiting_test: ['Awaiting Test Connectivity', 'warn'],
  connected: ['Connected', 'ok'],
  initial_collection: ['Initial collection running', 'ok'],
  idle: ['Up to date', 'ok'],
  incremental_collection: ['Collecting changes', 'ok'],
  paused_by_user: ['Paused', 'neutral'],
  paused_for_quota: ['Paused for API quota', 'warn'],
  needs_attention: ['Needs attention', 'bad'],
  disconnected: ['Disconnected', 'neutral'],
};

export function StateBadge(props: { state: IntegrationDetail['state'] }) {
  const [label, tone] = stateLabels[props.state];
  return <span class={`badge ${tone}`}>{label}</span>;
}

/** Used calls against the org's daily maximum, with the line where collection pauses. */
export function QuotaGauge(props: { quota: Quota | null }) {
  const q = props.quota;
  if (!q || q.used === null || q.max === null || q.max === 0) {
    return <span class="muted">not measured yet</span>;
  }
  const percent = Math.min(100, (q.used / q.max) * 100);
  const label = `${number(q.used)} of ${number(q.max)} daily API calls used (${percent.toFixed(1)} %); collection pauses at ${q.thresholdPercent} %`;
  return (
    <div>
      <div class="gauge" role="img" aria-label={label}>
        <div class={`used${percent >= q.thresholdPercent ? ' over' : ''}`} style={`width:${percent}%`}></div>
        <div class="line" style={`left:calc(${q.thresholdPercent}% - 1px)`}></div>
      </div>
      <small class="muted">
        {number(q.used)} / {number(q.max)} · pauses at {q.thresholdPercent} %
      </small>
    </div>
  );
}

export function PausedUntil(props: { until: string | null }) {
  if (!props.until) return null;
  return (
    <span>
      resumes <span data-countdown={props.until}></span> (<LocalTime at={props.until} />)
    </span>
  );
}

export function IntegrationsTable(props: { items: IntegrationDetail[] }) {
  if (props.items.length === 0) {
    return (
      <div class="card">
        <p>No integrations yet. Connect your first Salesforce org to start collecting users and logins.</p>
        <a class="button" href="/integrations/new">
          Add Integration
        </a>
      </div>
    );
  }
  return (
    <table>
      <caption class="muted" style="text-align:left">
        {props.items.length} integration{props.items.length === 1 ? '' : 's'}
      </caption>
      <TableHead columns={['Name', 'State', 'Last run', 'Next scheduled run', 'API quota']} />
      <tbody>
        {props.items.map((i) => (
          <tr>
            <td>
              <a href={`/integrations/${i.id}`}>{i.displayName}</a>
              <div class="muted">
                <small>{i.salesforceUrl}</small>
              </div>
            </td>
            <td>
              <StateBadge state={i.state} />
              {i.pausedUntil ? (
                <div>
                  <small>
                    <PausedUntil until={i.pausedUntil} />
                  </small>
                </div>
              ) : null}
            </td>
            <td>
              {i.lastRun ? (
                <>
                  <RunStatus status={i.lastRun.status} />{' '}
                  <LocalTime at={i.lastRun.finishedAt ?? i.lastRun.startedAt} />
                </>
              ) : i.currentRun ? (
                <span>running now</span>
              ) : (
                <span class="muted">none yet</span>
              )}
            </td>
            <td>
              <LocalTime at={i.schedule?.nextRunTimes[0]} empty="after the first collection" />
            </td>
            <td>
              <QuotaGauge quota={i.quota} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const runTones: Record<string, 'ok' | 'warn' | 'bad' | 'neutral'> = {
  succeeded: 'ok',
  running: 'ok',
  paused: 'warn',
  partial: 'warn',
  failed: 'bad',
  cancelled: 'neutral',
};

export function RunStatus(props: { status: string }) {
  return <span class={`badge ${runTones[props.status] ?? 'neutral'}`}>{props.status}</span>;
}

export type FieldErrors = Record<string, string>;

function Field(props: {
  name: string;
  label: string;
  hint?: string;
  type?: string;
  value?: string;
  errors: FieldErrors;
  autocomplete?: string;
}) {
  const error = props.errors[props.name];
  const id = `field-${props.name}`;
  return (
    <div>
      <label for={id}>
        {props.label}
        {props.hint ? <span class="hint">{props.hint}</span> : null}
      </label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value ?? ''}
        required
        autocomplete={props.autocomplete ?? 'off'}
        spellcheck={false}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error ? (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** Add Integration: the seed's four fields. Values come back after a refusal, except the secret. */
export function IntegrationForm(props: {
  values?: Record<string, string>;
  errors?: FieldErrors;
  summary?: string;
}) {
  const v = props.values ?? {};
  const errors = props.errors ?? {};
  return (
    <form data-post="/console/fragments/integrations" data-target="#add-integration" class="card" novalidate>
      {props.summary ? (
        <p class="notice error" role="alert">
          {props.summary}
        </p>
      ) : null}
      <Field
        name="displayName"
        label="Display Name"
        value={v.displayName}
        errors={errors}
        hint="How this org appears in the console, e.g. Acme production."
      />
      <Field
        name="salesforceUrl"
        label="Salesforce URL"
        type="url"
        value={v.salesforceUrl}
        errors={errors}
        hint="Your My Domain URL (Setup → My Domain), e.g. https://acme.my.salesforce.com"
      />
      <Field name="consumerKey" label="Consumer Key" value={v.consumerKey} errors={errors} />
      <Field
        name="consumerSecret"
        label="Consumer Secret"
        type="password"
        errors={errors}
        autocomplete="new-password"
        hint="Stored encrypted; never shown again."
      />
      <p class="muted">
        After saving, run Test Connectivity. The first collection reads every user and up to six months of
        login history; on a large org it may take up to 24 hours.
      </p>
      <button type="submit">Save</button>
    </form>
  );
}

/** The seed's setup steps, collapsible, next to the form. */
export function SetupGuide() {
  return (
    <details class="setup card">
      <summary>How to set up Salesforce</summary>
      <ol>
        <li>
          <strong>Check the edition.</strong> Enterprise Edition or above (Enterprise, Unlimited,
          Performance). Developer and lower editions are refused.
        </li>
        <li>
          <strong>Create an API-only user</strong> (Setup → Users → New User) on a full Salesforce licence
          with a profile or permission set granting <em>API Enabled</em>, <em>API Only User</em>,{' '}
          <em>Manage Internal Users</em>, <em>Manage External Users</em> and{' '}
          <em>View Setup and Configuration</em>. Do not use the{' '}
          <em>Minimum Access - API Only Integrations</em> profile or the <em>Salesforce Integration</em>{' '}
          licence: they cannot read other users' login history.
        </li>
        <li>
          <strong>Create an External Client App</strong> (Setup → External Client App Manager → New External
          Client App): enable OAuth with the scope <em>Manage user data via APIs (api)</em>, then under Flow
          Enablement tick <em>Enable Client Credentials Flow</em>.
        </li>
        <li>
          <strong>Set the run-as user</strong>: the app → Policies → OAuth Policies → Client Credentials Flow
          → <em>Run As</em> = the API-only user's username (not its email).
        </li>
        <li>
          <strong>Copy the Consumer Key and Consumer Secret</strong> (the app → Settings → OAuth Settings →
          Consumer Key and Secret).
        </li>
        <li>
          <strong>Use your My Domain URL</strong> (Setup → My Domain), e.g. https://acme.my.salesforce.com,
          not login.salesforce.com.
        </li>
      </ol>
      <p class="muted">
        Salesforce docs:{' '}
        <a href="https://help.salesforce.com/s/articleView?id=xcloud.configure_client_credentials_flow_for_external_client_apps.htm">
          client credentials flow for External Client Apps
        </a>
        ,{' '}
        <a href="https://developer.salesforce.com/docs/platform/api-rest/guide/intro-rest-compatible-editions.html">
          editions with API access
        </a>
        .
      </p>
    </details>
  );
}

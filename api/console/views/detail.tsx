import type { z } from '@hono/zod-openapi';
import type { ConnectivityResult } from '../../../workflows/definitions';
import type { CollectionRunSchema } from '../../schemas/run';
import { ErrorNotice, Fragment, LocalTime, number, numeric, TableHead } from './layout';
import {
  PausedUntil,
  QuotaGauge,
  RunStatus,
  StateBadge,
  type FieldErrors,
  type IntegrationDetail,
} from './integrations';

export type CollectionRun = z.infer<typeof CollectionRunSchema>;

export type { ConnectivityResult };

export function IntegrationDetailView(props: {
  integration: IntegrationDetail;
  canAct: boolean;
  temporalUi: string | undefined;
}) {
  const i = props.integration;
  const base = `/console/fragments/integrations/${i.id}`;
  const paused = i.state === 'paused_by_user';
  const live = i.enabled;
  return (
    <div>
      <h1>
        {i.displayName} <StateBadge state={i.state} />
      </h1>
      {i.attention ? (
        <div class="notice error" role="alert">
          <strong>{i.attention.message}</strong>
          <p>
            <strong>Fix:</strong> {i.attention.fix}
          </p>
        </div>
      ) : null}
      {i.statusNote ? <p class="notice warn">{i.statusNote}</p> : null}
      {props.canAct && live ? (
        <div class="actions card" aria-label="Integration actions" role="group">
          <form data-post={`${base}/test`} data-target="#connectivity">
            <button type="submit">Test Connectivity</button>
          </form>
          <form data-post={`${base}/collect`} data-target="#action-result">
            <button type="submit">Collect Now</button>
          </form>
          <form data-post={`${base}/${paused ? 'resume' : 'pause'}`} data-target="#action-result">
            <button type="submit" class="secondary">
              {paused ? 'Resume' : 'Pause'}
            </button>
          </form>
          <PageLinks integrationId={i.id} temporalUi={props.temporalUi} />
        </div>
      ) : (
        <div class="actions card">
          {!live ? (
            <span>This integration is disconnected; its collected data is kept.</span>
          ) : (
            <span class="muted">Read-only key: actions are hidden.</span>
          )}
          <PageLinks integrationId={i.id} temporalUi={props.temporalUi} />
        </div>
      )}
      <div id="action-result" aria-live="polite"></div>
      <section id="connectivity" aria-live="polite" aria-label="Test Connectivity">
        {i.lastTest ? (
          <ConnectivityView result={i.lastTest as unknown as ConnectivityResult} previous />
        ) : null}
      </section>
      <div class="grid">
        <dl class="card">
          <dt>Salesforce URL</dt>
          <dd>{i.salesforceUrl}</dd>
          <dt>Edition</dt>
          <dd>{i.edition ?? <span class="muted">unknown until Test Connectivity</span>}</dd>
          <dt>Consumer key</dt>
          <dd>
            <code>{i.consumerKey}</code> · secret <code>{i.consumerSecretMasked}</code>
          </dd>
          <dt>Next scheduled run</dt>
          <dd>
            <LocalTime at={i.schedule?.nextRunTimes[0]} empty="after the first collection" />
          </dd>
        </dl>
        <div class="card">
          <h2 style="margin-top:0">API quota</h2>
          <QuotaGauge quota={i.quota} />
          {i.pausedUntil ? (
            <p>
              Paused for quota; <PausedUntil until={i.pausedUntil} />
            </p>
          ) : null}
        </div>
      </div>
      <h2>Collection</h2>
      <Fragment id="progress" src={`${base}/progress`} label="Collection progress" />
      <h2>Runs</h2>
      <Fragment src={`${base}/runs`} label="Runs history" />
      {props.canAct && live ? (
        <>
          <h2>Settings</h2>
          <div id="edit">
            <EditForm integration={i} />
          </div>
          <DisconnectForm integrationId={i.id} />
        </>
      ) : null}
    </div>
  );
}

export function EditForm(props: { integration: IntegrationDetail; errors?: FieldErrors; saved?: boolean }) {
  const i = props.integration;
  const errors = props.errors ?? {};
  const field = (name: string, label: string, value: string, type = 'text', hint?: string) => {
    const id = `edit-${name}`;
    return (
      <div>
        <label for={id}>
          {label}
          {hint ? <span class="hint">{hint}</span> : null}
        </label>
        <input
          id={id}
          name={name}
          type={type}
          value={value}
          autocomplete="off"
          aria-invalid={errors[name] ? 'true' : undefined}
          aria-describedby={errors[name] ? `${id}-error` : undefined}
        />
        {errors[name] ? (
          <p class="field-error" id={`${id}-error`}>
            {errors[name]}
          </p>
        ) : null}
      </div>
    );
  };
  return (
    <form
      class="card"
      data-post={`/console/fragments/integrations/${i.id}/edit`}
      data-target="#edit"
      novalidate
    >
      {props.saved ? (
        <p class="notice ok" role="status">
          Saved.
        </p>
      ) : null}
      {field('displayName', 'Display Name', i.displayName)}
      {field('consumerKey', 'Consumer Key', '', 'text', `Leave empty to keep ${i.consumerKey}`)}
      {field(
        'consumerSecret',
        'Consumer Secret',
        '',
        'password',
        `Leave empty to keep ${i.consumerSecretMasked}`,
      )}
      {field(
        'quotaThresholdPercent',
        'Pause at API usage (%)',
        String(i.options.quotaThresholdPercent),
        'number',
      )}
      {field(
        'timezone',
        'Time zone',
        i.options.timezone,
        'text',
        'IANA name, e.g. Europe/Paris; defines the next day and the daily run',
      )}
      {field('dailyRunHour', 'Daily run hour', String(i.options.dailyRunHour), 'number')}
      <p>
        <button type="submit">Save changes</button>
      </p>
    </form>
  );
}

function DisconnectForm(props: { integrationId: string }) {
  return (
    <form
      class="card"
      data-post={`/console/fragments/integrations/${props.integrationId}/disconnect`}
      data-target="#disconnect-result"
      data-confirm="Disconnect this integration? Collection stops."
    >
      <h2 style="margin-top:0">Disconnect</h2>
      <p>Stops collecting and deletes the daily schedule.</p>
      <label style="font-weight:400">
        <input type="checkbox" name="purge" value="true" /> Also delete everything collected (users, logins,
        runs, findings). This cannot be undone.
      </label>
      <p>
        <button type="submit" class="danger">
          Disconnect
        </button>
      </p>
      <div id="disconnect-result" aria-live="polite"></div>
    </form>
  );
}

export function ConnectivityView(props: { result: ConnectivityResult; previous?: boolean }) {
  const r = props.result;
  return (
    <div class={`card`} role={props.previous ? undefined : 'status'}>
      <h2 style="margin-top:0">
        {props.previous ? 'Last Test Connectivity' : 'Test Connectivity'} · <LocalTime at={r.checkedAt} />
      </h2>
      {r.ok ? (
        <p class="notice ok">
          <strong>{r.message}</strong> {r.edition}
          {r.apiUsage ? ` · API usage ${number(r.apiUsage.used)} / ${number(r.apiUsage.max)}` : ''}
        </p>
      ) : (
        <div class="notice error">
          <strong>{r.message}</strong>
          {!r.checks ? (
            <p>
              <strong>Fix:</strong> {r.fix}
            </p>
          ) : null}
        </div>
      )}
      {r.checks ? (
        <ul class="checklist" aria-label="Setup checklist">
          {r.checks.map((c) => (
            <li data-check={c.name} data-status={c.status}>
              <span class={`mark ${c.status}`} aria-hidden="true">
                {c.status === 'pass' ? '✓' : c.status === 'fail' ? '✗' : '–'}
              </span>
              <strong>{c.title}</strong>{' '}
              <span class="muted">
                ({c.status === 'pass' ? 'passed' : c.status === 'fail' ? 'failed' : 'not checked'})
              </span>
              {c.detail ? <div style="margin-left:1.6rem">{c.detail}</div> : null}
              {c.status === 'fail' && c.fix ? (
                <p class="fix">
                  <strong>Fix in Salesforce:</strong> {c.fix}
                </p>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** The live view of the current run, or the outcome of the last one once it has finished. */
export function ProgressView(props: { integration: IntegrationDetail }) {
  const i = props.integration;
  const run = i.currentRun;
  if (run) {
    const objects = Object.entries(run.objects);
    return (
      <div class="card" data-run={run.runId} data-run-state="running">
        <p>
          <RunStatus status={i.state === 'paused_for_quota' ? 'paused' : 'running'} /> {run.kind} run started{' '}
          <LocalTime at={run.startedAt} /> · {number(run.apiCalls)} API calls
          {i.quota?.used != null && i.quota.max
            ? ` · org usage ${number(i.quota.used)} / ${number(i.quota.max)}`
            : ''}
        </p>
        {objects.length === 0 ? <p class="muted">Starting…</p> : null}
        <table>
          <TableHead columns={['Object', numeric('Records'), numeric('Pages'), 'Progress']} />
          <tbody>
            {objects.map(([name, p]) => {
              const total = (p as { total?: number | null }).total;
              const done = p.finishedAt !== null;
              return (
                <tr>
                  <th scope="row">{name}</th>
                  <td class="num">{number(p.records)}</td>
                  <td class="num">{number(p.pages)}</td>
                  <td>
                    {done ? (
                      <span class="badge ok">done</span>
                    ) : total ? (
                      <progress
                        max={total}
                        value={p.records}
                        aria-label={`${name}: ${p.records} of ${total}`}
                      ></progress>
                    ) : run.currentObject === name ? (
                      <progress aria-label={`${name}: in progress`}></progress>
                    ) : (
                      <span class="muted">waiting</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    );
  }
  const last = i.lastRun;
  if (!last) {
    return (
      <p class="card muted">
        No collection yet.{' '}
        {i.state === 'awaiting_test'
          ? 'Run Test Connectivity first, then Collect Now.'
          : 'Use Collect Now to start one.'}
      </p>
    );
  }
  return (
    <div class="card" data-run={last.runId} data-run-state={last.status}>
      <p>
        Last run <RunStatus status={last.status} /> ({last.kind}), finished <LocalTime at={last.finishedAt} />{' '}
        · {number(last.apiCalls)} API calls
      </p>
      <p>
        {Object.entries(last.records)
          .map(([name, n]) => `${name}: ${number(n)}`)
          .join(' · ')}
      </p>
      {last.error ? <p class="error">{last.error}</p> : null}
    </div>
  );
}

export function RunsTable(props: { runs: CollectionRun[] }) {
  if (props.runs.length === 0) return <p class="muted">No runs yet.</p>;
  return (
    <table>
      <TableHead
        columns={[
          'Started',
          'Kind',
          'Trigger',
          'Outcome',
          numeric('Records'),
          numeric('API calls'),
          'Pauses',
        ]}
      />
      <tbody>
        {props.runs.map((r) => (
          <tr>
            <td>
              <LocalTime at={r.startedAt} />
            </td>
            <td>{r.kind}</td>
            <td>{r.trigger === 'collect_now' ? 'Collect Now' : 'schedule'}</td>
            <td>
              <RunStatus status={r.status} />
              {r.error ? <div class="error">{r.error}</div> : null}
            </td>
            <td class="num">{number(r.totalRecords)}</td>
            <td class="num">{number(r.apiCalls)}</td>
            <td>
              {r.pauses.length === 0 ? (
                <span class="muted">none</span>
              ) : (
                <ul>
                  {r.pauses.map((p) => (
                    <li>
                      {p.reason ?? 'paused'} at <LocalTime at={p.at} />
                      {p.usage != null && p.max != null
                        ? ` (usage ${number(p.usage)} / ${number(p.max)})`
                        : ''}
                      {p.resumedAt ? (
                        <>
                          , resumed <LocalTime at={p.resumedAt} />
                        </>
                      ) : null}
                    </li>
                  ))}
                </ul>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export { ErrorNotice };

/** Links every detail page shows, whatever the key may do. */
function PageLinks(props: { integrationId: string; temporalUi?: string | undefined }) {
  return (
    <>
      <a class="button secondary" href={`/integrations/${props.integrationId}/insights`}>
        Insights
      </a>
      {props.temporalUi ? (
        <a href={props.temporalUi} target="_blank" rel="noopener">
          Workflow in Temporal UI
        </a>
      ) : null}
    </>
  );
}

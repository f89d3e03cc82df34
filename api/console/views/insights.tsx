import type { LicenseUsage } from '../../../insights/unused-accounts';
import { LocalTime } from './layout';

// The insights API's JSON shapes as the console reads them (GET /v1/integrations/{id}/unused-accounts,
// /auth-activity, /findings; see /openapi.json). Only the fields shown are named.
export interface UnusedAccounts {
  days: number;
  totals: {
    unused: number;
    neverLoggedIn: number;
    apiOnlyUnused: number;
    frozenWithLicense: number;
    reclaimable: number;
    estimatedMonthlySavings: number | null;
  };
  licenses: LicenseUsage[];
  users: Array<{
    userId: string;
    username: string;
    name: string | null;
    license: string;
    profileName: string | null;
    reasons: string[];
    lastLoginAt: string | null;
  }>;
  usersTruncated: boolean;
  apiOnlyUsers: Array<{ userId: string; username: string; license: string; lastLoginAt: string | null }>;
}
export interface SummaryRow {
  period: string;
  dimension: string;
  value: string;
  logins: number;
  failures: number;
}
export interface FailingUser {
  userId: string;
  username: string | null;
  name: string | null;
  failures: number;
  distinctSourceIps: number;
  lastFailureAt: string;
}
export interface FailingIp {
  sourceIp: string;
  failures: number;
  distinctUsers: number;
  lastFailureAt: string;
}
export interface TimelineRow {
  loginHistoryId: string;
  loginTime: string;
  status: string;
  loginType: string | null;
  application: string | null;
  sourceIp: string | null;
  country: string | null;
}
export interface Finding {
  id: string;
  kind: string;
  severity: string;
  status: 'open' | 'acknowledged' | 'resolved';
  username: string | null;
  userId: string | null;
  sourceIp: string | null;
  evidenceLoginIds: string[];
  details: Record<string, unknown>;
  firstSeenAt: string;
  lastSeenAt: string;
  statusNote: string | null;
}

const number = (n: number) => n.toLocaleString('en-US');
const money = (n: number | null) =>
  n === null ? '—' : `$${n.toLocaleString('en-US', { maximumFractionDigits: 0 })}`;

function Csv(props: { href: string; filename: string; label: string }) {
  return (
    <a href="#" data-download={props.href} data-filename={props.filename}>
      {props.label} (CSV)
    </a>
  );
}

export function UnusedAccountsView(props: { integrationId: string; data: UnusedAccounts }) {
  const d = props.data;
  const base = `/v1/integrations/${props.integrationId}/unused-accounts`;
  return (
    <section aria-labelledby="unused-heading">
      <h2 id="unused-heading">Unused accounts and licences</h2>
      <p>
        {number(d.totals.reclaimable)} reclaimable licence{d.totals.reclaimable === 1 ? '' : 's'} ·{' '}
        {number(d.totals.unused)} unused for {d.days} days · {number(d.totals.neverLoggedIn)} never logged in
        · {number(d.totals.apiOnlyUnused)} idle API-only integration
        {d.totals.apiOnlyUnused === 1 ? '' : 's'} on a paid licence · {number(d.totals.frozenWithLicense)}{' '}
        frozen holding a licence · estimated savings{' '}
        <strong>{money(d.totals.estimatedMonthlySavings)}</strong> per month{' '}
        {d.totals.estimatedMonthlySavings === null ? (
          <span class="muted">(set licence prices in the integration's options to see savings)</span>
        ) : null}{' '}
        · <Csv href={`${base}?format=csv`} filename="unused-accounts.csv" label="Download" />
      </p>
      <table id="licences">
        <caption class="muted" style="text-align:left">
          Per licence
        </caption>
        <thead>
          <tr>
            <th scope="col">Licence</th>
            <th scope="col" class="num">
              Used / total
            </th>
            <th scope="col" class="num">
              Unused
            </th>
            <th scope="col" class="num">
              Never logged in
            </th>
            <th scope="col" class="num">
              Idle API-only
            </th>
            <th scope="col" class="num">
              Frozen
            </th>
            <th scope="col" class="num">
              Reclaimable
            </th>
            <th scope="col" class="num">
              Price / month
            </th>
            <th scope="col" class="num">
              Savings / month
            </th>
          </tr>
        </thead>
        <tbody>
          {d.licenses.map((l) => (
            <tr>
              <th scope="row">{l.license}</th>
              <td class="num">
                {l.usedLicenses ?? '—'} / {l.totalLicenses ?? '—'}
              </td>
              <td class="num">{l.unused}</td>
              <td class="num">{l.neverLoggedIn}</td>
              <td class="num">{l.apiOnlyUnused}</td>
              <td class="num">{l.frozenWithLicense}</td>
              <td class="num">{l.reclaimable}</td>
              <td class="num">{money(l.monthlyPrice)}</td>
              <td class="num">{money(l.estimatedMonthlySavings)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {d.users.length === 0 ? (
        <p class="notice ok">No unused accounts: every licensed user logged in within {d.days} days.</p>
      ) : (
        <table id="unused-accounts">
          <caption class="muted" style="text-align:left">
            Accounts{d.usersTruncated ? ' (first page; download the CSV for all)' : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Licence</th>
              <th scope="col">Profile</th>
              <th scope="col">Why</th>
              <th scope="col">Last login</th>
            </tr>
          </thead>
          <tbody>
            {d.users.slice(0, 200).map((u) => (
              <tr>
                <td>
                  {u.name ?? u.username}
                  <div class="muted">
                    <small>{u.username}</small>
                  </div>
                </td>
                <td>{u.license}</td>
                <td>{u.profileName ?? '—'}</td>
                <td>{u.reasons.map((r) => r.replaceAll('_', ' ')).join(', ')}</td>
                <td>
                  <LocalTime at={u.lastLoginAt} empty="never" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {d.apiOnlyUsers.length > 0 ? (
        <p class="muted">
          {d.apiOnlyUsers.length} API-only user{d.apiOnlyUsers.length === 1 ? '' : 's'} (integrations):
          counted above only when idle for {d.days} days on a paid licence (not Salesforce Integration).
        </p>
      ) : null}
    </section>
  );
}

/** Successes and failures per period as stacked bars (inline SVG, no chart library). */
export function AuthChart(props: { rows: SummaryRow[]; groupBy: 'day' | 'week' }) {
  const periods = new Map<string, { logins: number; failures: number }>();
  for (const r of props.rows) {
    if (r.dimension !== 'status') continue;
    const p = periods.get(r.period) ?? { logins: 0, failures: 0 };
    p.logins += r.logins;
    p.failures += r.failures;
    periods.set(r.period, p);
  }
  const data = [...periods.entries()].sort(([a], [b]) => a.localeCompare(b));
  if (data.length === 0) return <p class="muted">No logins in this range.</p>;
  const max = Math.max(...data.map(([, p]) => p.logins), 1);
  const width = 720;
  const height = 180;
  const bar = Math.max(2, Math.floor((width - 40) / data.length) - 2);
  const scale = (n: number) => (n / max) * (height - 30);
  const failures = data.reduce((s, [, p]) => s + p.failures, 0);
  const total = data.reduce((s, [, p]) => s + p.logins, 0);
  return (
    <figure>
      <svg
        class="chart"
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        role="img"
        aria-label={`Logins per ${props.groupBy}: ${number(total - failures)} successful and ${number(failures)} failed over ${data.length} ${props.groupBy}s`}
      >
        <line x1="36" y1={height - 20} x2={width} y2={height - 20} stroke="#8a94a3" />
        <text x="0" y="12">
          {number(max)}
        </text>
        <text x="0" y={height - 22}>
          0
        </text>
        {data.map(([period, p], n) => {
          const x = 40 + n * (bar + 2);
          const ok = scale(p.logins - p.failures);
          const bad = scale(p.failures);
          return (
            <g>
              <title>{`${period}: ${p.logins - p.failures} successful, ${p.failures} failed`}</title>
              <rect x={x} y={height - 20 - ok} width={bar} height={ok} fill="#1a6b32" />
              <rect x={x} y={height - 20 - ok - bad} width={bar} height={bad} fill="#b3261e" />
              {n % Math.ceil(data.length / 8) === 0 ? (
                <text x={x} y={height - 5}>
                  {period.slice(5)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption class="legend">
        <span>
          <span class="swatch" style="background:#1a6b32"></span>successful
        </span>
        <span>
          <span class="swatch" style="background:#b3261e"></span>failed
        </span>
      </figcaption>
    </figure>
  );
}

export function AuthReviewView(props: {
  integrationId: string;
  groupBy: 'day' | 'week';
  summary: SummaryRow[];
  users: FailingUser[];
  ips: FailingIp[];
  timeline?: { userId: string; rows: TimelineRow[] };
}) {
  const base = `/v1/integrations/${props.integrationId}/auth-activity`;
  const page = `/integrations/${props.integrationId}/insights`;
  return (
    <section aria-labelledby="auth-heading">
      <h2 id="auth-heading">Authentication review (last 30 days)</h2>
      <p class="actions">
        <span>Group by:</span>
        <a href={`${page}?groupBy=day`} aria-current={props.groupBy === 'day' ? 'true' : undefined}>
          day
        </a>
        <a href={`${page}?groupBy=week`} aria-current={props.groupBy === 'week' ? 'true' : undefined}>
          week
        </a>
        <Csv
          href={`${base}?view=summary&groupBy=${props.groupBy}&format=csv`}
          filename={`auth-activity-${props.groupBy}.csv`}
          label="Download"
        />
      </p>
      <AuthChart rows={props.summary} groupBy={props.groupBy} />
      <div class="grid">
        <div>
          <h3>Top failing users</h3>
          {props.users.length === 0 ? (
            <p class="muted">No failed logins.</p>
          ) : (
            <table id="top-users">
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col" class="num">
                    Failures
                  </th>
                  <th scope="col" class="num">
                    IPs
                  </th>
                </tr>
              </thead>
              <tbody>
                {props.users.map((u) => (
                  <tr>
                    <td>
                      <a href={`${page}?groupBy=${props.groupBy}&user=${u.userId}#timeline`}>
                        {u.username ?? u.userId}
                      </a>
                    </td>
                    <td class="num">{u.failures}</td>
                    <td class="num">{u.distinctSourceIps}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Csv href={`${base}?view=top-users&format=csv`} filename="top-failing-users.csv" label="Download" />
        </div>
        <div>
          <h3>Top failing IP addresses</h3>
          {props.ips.length === 0 ? (
            <p class="muted">No failed logins.</p>
          ) : (
            <table id="top-ips">
              <thead>
                <tr>
                  <th scope="col">Source IP</th>
                  <th scope="col" class="num">
                    Failures
                  </th>
                  <th scope="col" class="num">
                    Users
                  </th>
                </tr>
              </thead>
              <tbody>
                {props.ips.map((ip) => (
                  <tr>
                    <td>{ip.sourceIp}</td>
                    <td class="num">{ip.failures}</td>
                    <td class="num">{ip.distinctUsers}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Csv href={`${base}?view=top-ips&format=csv`} filename="top-failing-ips.csv" label="Download" />
        </div>
      </div>
      {props.timeline ? (
        <div id="timeline">
          <h3>Timeline of {props.timeline.userId}</h3>
          <Csv
            href={`${base}?view=timeline&userId=${props.timeline.userId}&format=csv`}
            filename={`login-timeline-${props.timeline.userId}.csv`}
            label="Download"
          />
          <table>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Status</th>
                <th scope="col">Type</th>
                <th scope="col">Application</th>
                <th scope="col">IP</th>
                <th scope="col">Country</th>
              </tr>
            </thead>
            <tbody>
              {props.timeline.rows.slice(0, 200).map((r) => (
                <tr>
                  <td>
                    <LocalTime at={r.loginTime} />
                  </td>
                  <td class={r.status === 'Success' ? undefined : 'error'}>{r.status}</td>
                  <td>{r.loginType ?? '—'}</td>
                  <td>{r.application ?? '—'}</td>
                  <td>{r.sourceIp ?? '—'}</td>
                  <td>{r.country ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">Choose a user above to see their login timeline.</p>
      )}
    </section>
  );
}

const severityTone: Record<string, string> = { low: 'neutral', medium: 'warn', high: 'bad', critical: 'bad' };

function evidence(details: Record<string, unknown>): string {
  return Object.entries(details)
    .filter(([, v]) => v !== null && typeof v !== 'object')
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(' · ');
}

export function FindingsView(props: {
  integrationId: string;
  findings: Finding[];
  canAct: boolean;
  changed?: string;
}) {
  const base = `/console/fragments/integrations/${props.integrationId}/findings`;
  return (
    <div>
      <p>
        <Csv
          href={`/v1/integrations/${props.integrationId}/findings?format=csv`}
          filename="findings.csv"
          label="Download"
        />
      </p>
      {props.changed ? (
        <p class="notice ok" role="status">
          {props.changed}
        </p>
      ) : null}
      {props.findings.length === 0 ? (
        <p class="notice ok">
          No unauthorized-access findings. They are recomputed after each collection run.
        </p>
      ) : (
        <table id="findings">
          <thead>
            <tr>
              <th scope="col">Finding</th>
              <th scope="col">Severity</th>
              <th scope="col">Who / where</th>
              <th scope="col">Evidence</th>
              <th scope="col">Seen</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {props.findings.map((f) => (
              <tr data-finding={f.id} data-kind={f.kind}>
                <td>{f.kind.replaceAll('_', ' ')}</td>
                <td>
                  <span class={`badge ${severityTone[f.severity] ?? 'neutral'}`}>{f.severity}</span>
                </td>
                <td>
                  {f.username ?? f.userId ?? ''}
                  {f.sourceIp ? <div class="muted">{f.sourceIp}</div> : null}
                </td>
                <td>
                  {evidence(f.details)}
                  <div class="muted">
                    <small>
                      {f.evidenceLoginIds.length} login{f.evidenceLoginIds.length === 1 ? '' : 's'}
                      {f.evidenceLoginIds.length > 0
                        ? `: ${f.evidenceLoginIds.slice(0, 3).join(', ')}${f.evidenceLoginIds.length > 3 ? '…' : ''}`
                        : ''}
                    </small>
                  </div>
                </td>
                <td>
                  <LocalTime at={f.firstSeenAt} /> – <LocalTime at={f.lastSeenAt} />
                </td>
                <td>
                  <span class="badge neutral">{f.status}</span>
                  {props.canAct ? (
                    <div class="actions" style="margin-top:0.3rem">
                      {f.status === 'open' ? (
                        <form data-post={`${base}/${f.id}`} data-target="#findings-section">
                          <input type="hidden" name="status" value="acknowledged" />
                          <button
                            type="submit"
                            class="secondary"
                            aria-label={`Acknowledge ${f.kind.replaceAll('_', ' ')} ${f.username ?? f.sourceIp ?? ''}`}
                          >
                            Acknowledge
                          </button>
                        </form>
                      ) : null}
                      {f.status !== 'resolved' ? (
                        <form data-post={`${base}/${f.id}`} data-target="#findings-section">
                          <input type="hidden" name="status" value="resolved" />
                          <button
                            type="submit"
                            class="secondary"
                            aria-label={`Resolve ${f.kind.replaceAll('_', ' ')} ${f.username ?? f.sourceIp ?? ''}`}
                          >
                            Resolve
                          </button>
                        </form>
                      ) : null}
                    </div>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

import type { AuthActivity, AuthActivityView } from '../../schemas/insights';
import { Csv, LocalTime, number, numeric, TableHead } from './layout';

/** The rows of one auth-activity view as the API answers them. */
export type Rows<V extends AuthActivity['view']> = AuthActivityView<V>['rows'];

/** Successes and failures per period as stacked bars (inline SVG, no chart library). */
export function AuthChart(props: { rows: Rows<'summary'>; groupBy: 'day' | 'week' }) {
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
  summary: Rows<'summary'>;
  users: Rows<'top-users'>;
  ips: Rows<'top-ips'>;
  timeline?: { userId: string; rows: Rows<'timeline'> };
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
              <TableHead columns={['User', numeric('Failures'), numeric('IPs')]} />
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
              <TableHead columns={['Source IP', numeric('Failures'), numeric('Users')]} />
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
            <TableHead columns={['Time', 'Status', 'Type', 'Application', 'IP', 'Country']} />
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

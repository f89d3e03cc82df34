import type { FindingBody } from '../../schemas/insights';
import { Csv, LocalTime, TableHead } from './layout';

const severityTone: Record<string, string> = { low: 'neutral', medium: 'warn', high: 'bad', critical: 'bad' };

function evidence(details: Record<string, unknown>): string {
  return Object.entries(details)
    .filter(([, v]) => v !== null && typeof v !== 'object')
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(' · ');
}

export function FindingsView(props: {
  integrationId: string;
  findings: FindingBody[];
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
          <TableHead columns={['Finding', 'Severity', 'Who / where', 'Evidence', 'Seen', 'Status']} />
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
                        <StatusChange action={base} finding={f} to="acknowledged" label="Acknowledge" />
                      ) : null}
                      {f.status !== 'resolved' ? (
                        <StatusChange action={base} finding={f} to="resolved" label="Resolve" />
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

/** A button that moves a finding to another status (the fragment replaces the findings section). */
function StatusChange(props: {
  action: string;
  finding: FindingBody;
  to: 'acknowledged' | 'resolved';
  label: string;
}) {
  const f = props.finding;
  return (
    <form data-post={`${props.action}/${f.id}`} data-target="#findings-section">
      <input type="hidden" name="status" value={props.to} />
      <button
        type="submit"
        class="secondary"
        aria-label={`${props.label} ${f.kind.replaceAll('_', ' ')} ${f.username ?? f.sourceIp ?? ''}`}
      >
        {props.label}
      </button>
    </form>
  );
}

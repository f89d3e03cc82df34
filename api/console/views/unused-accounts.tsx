import type { UnusedAccountsBody } from '../../schemas/insights';
import { Csv, LocalTime, number, numeric, TableHead } from './layout';

const money = (n: number | null) =>
  n === null ? '—' : `$${n.toLocaleString('en-US', { maximumFractionDigits: 0 })}`;

export function UnusedAccountsView(props: { integrationId: string; data: UnusedAccountsBody }) {
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
        <TableHead
          columns={[
            'Licence',
            numeric('Used / total'),
            numeric('Unused'),
            numeric('Never logged in'),
            numeric('Idle API-only'),
            numeric('Frozen'),
            numeric('Reclaimable'),
            numeric('Price / month'),
            numeric('Savings / month'),
          ]}
        />
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
          <TableHead columns={['User', 'Licence', 'Profile', 'Why', 'Last login']} />
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

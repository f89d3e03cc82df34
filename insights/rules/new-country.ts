import { aboutUser, days, untrusted, type Rule } from './rule';

/**
 * First successful login from a country not seen for the user in the previous N days, for users whose
 * history is at least M days old and who logged in from somewhere during those N days. Within the scan,
 * lag() over (user, country) finds the previous success from the same country; when that could lie before
 * the scan, the (user, country, time) index answers. Logins from the integration's trusted networks are
 * neither candidates nor baseline: a US-hosted egress must not make "US" familiar to every European user.
 */
export const newCountry: Rule = {
  kind: 'new_country',
  title: 'Login from a new country',
  description:
    'A success from a country the user has not logged in from for newCountryLookbackDays, for users with at ' +
    'least newCountryMinHistoryDays of history who were active in that period.',
  severity: 'medium',
  thresholds: ['newCountryLookbackDays', 'newCountryMinHistoryDays'],
  reevaluation: 'point_in_time',
  honoursTrustedNetworks: true,
  async detect(sql, { integrationId, scanFrom, evaluateFrom, incremental, config, trustedNetworks }) {
    const lookback = days(config.newCountryLookbackDays);
    const rows = await sql<
      {
        user_id: string;
        id: string;
        login_time: Date;
        country: string;
        city: string | null;
        prev_same: Date | null;
      }[]
    >`
      with successes as (
        select id, user_id, login_time, coalesce(geo_country_iso, country_iso) as country, geo_city as city
        from sf_login_history
        where integration_id = ${integrationId} and status = 'Success' and login_time >= ${scanFrom}::text::timestamptz
          and coalesce(geo_country_iso, country_iso) is not null
          and ${untrusted(sql, 'source_ip', trustedNetworks)}
      ),
      candidates as (
        select * from (
          select *, lag(login_time) over (partition by user_id, country order by login_time, id) as prev_same
          from successes
        ) s
        where login_time >= ${evaluateFrom}::text::timestamptz
          and (prev_same is null or prev_same < login_time - ${lookback}::interval)
      )
      select c.user_id, c.id, c.login_time, c.country, c.city, c.prev_same
      from candidates c
      cross join lateral (
        select h.login_time as first_login from sf_login_history h
        where h.integration_id = ${integrationId} and h.user_id = c.user_id
        order by h.login_time
        limit 1
      ) f
      where f.first_login <= c.login_time - ${days(config.newCountryMinHistoryDays)}::interval
        -- A user back after months of silence is a dormant-account finding, not a new-country one: the
        -- baseline needs logins from somewhere in the lookback.
        and exists (
          select 1 from sf_login_history a
          where a.integration_id = ${integrationId} and a.user_id = c.user_id and a.status = 'Success'
            and a.login_time >= c.login_time - ${lookback}::interval and a.login_time < c.login_time
            and ${untrusted(sql, 'a.source_ip', trustedNetworks)}
        )
        ${
          incremental
            ? sql`and (
                c.prev_same is not null
                or c.login_time - ${lookback}::interval >= ${scanFrom}::text::timestamptz
                or not exists (
                  select 1 from sf_login_history p
                  where p.integration_id = ${integrationId} and p.user_id = c.user_id and p.status = 'Success'
                    and coalesce(p.geo_country_iso, p.country_iso) = c.country
                    and p.login_time >= c.login_time - ${lookback}::interval
                    and p.login_time < ${scanFrom}::text::timestamptz
                    and ${untrusted(sql, 'p.source_ip', trustedNetworks)}
                )
              )`
            : sql``
        }
    `;
    return rows.map((row) => ({
      kind: 'new_country',
      severity: 'medium',
      ...aboutUser(row.user_id),
      // One finding per user and country.
      subject: `${row.user_id}:${row.country}`,
      evidenceLoginIds: [row.id],
      details: {
        country: row.country,
        city: row.city,
        lookbackDays: config.newCountryLookbackDays,
        previousLoginFromCountryAt: row.prev_same?.toISOString() ?? null,
      },
      firstSeenAt: row.login_time,
      lastSeenAt: row.login_time,
      spanFrom: row.login_time,
      spanTo: row.login_time,
      continuationSeconds: 0,
    }));
  },
};

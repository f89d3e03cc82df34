import { aboutUser, minutes, untrusted, type Rule } from './rule';

/**
 * Impossible travel (Datadog/Panther): two successful logins of one user whose LoginGeo great-circle
 * (haversine) distance needs more than the configured speed. Distance is measured against the user's
 * previous success *with coordinates*, so an API login that only carries a CountryIso between London and
 * Sydney does not hide the pair; a login without coordinates is judged against the previous success with a
 * country: two different countries within the Sentinel 30-minute window. Logins from the integration's
 * trusted networks (VPN and egress ranges whose geolocation is the provider's, not the user's) take no part.
 * The previous successes before the scan are read per user so the first new login of a run has predecessors.
 */
export const impossibleTravel: Rule = {
  kind: 'impossible_travel',
  title: 'Impossible travel',
  description:
    'Two successes of one user further apart than impossibleTravelSpeedKmh allows (at least impossibleTravelMinKm), ' +
    'or, without coordinates, two countries within countryHopWindowMinutes. Pairs within an hour of each other ' +
    '(VPN flapping) are one incident.',
  severity: 'high',
  thresholds: ['impossibleTravelSpeedKmh', 'impossibleTravelMinKm', 'countryHopWindowMinutes'],
  reevaluation: 'extend',
  honoursTrustedNetworks: true,
  async detect(sql, { integrationId, scanFrom, evaluateFrom, incremental, config, trustedNetworks }) {
    const columns = sql`id, user_id, login_time, geo_latitude as lat, geo_longitude as lon,
      coalesce(geo_country_iso, country_iso) as country, geo_city as city`;
    const trusted = untrusted(sql, 'source_ip', trustedNetworks);
    const rows = await sql<
      {
        user_id: string;
        id: string;
        login_time: Date;
        country: string | null;
        city: string | null;
        prev_id: string;
        prev_time: Date;
        prev_country: string | null;
        prev_city: string | null;
        km: number | null;
      }[]
    >`
      with recent as (
        select ${columns}
        from sf_login_history
        where integration_id = ${integrationId} and status = 'Success' and login_time >= ${scanFrom}::text::timestamptz
          and (geo_latitude is not null or coalesce(geo_country_iso, country_iso) is not null) and ${trusted}
      ),
      located as (
        select * from recent
        ${
          incremental
            ? sql`
              union
              select p.* from (
                select distinct user_id from recent where login_time >= ${evaluateFrom}::text::timestamptz
              ) u
              cross join lateral (
                (select ${columns} from sf_login_history
                  where integration_id = ${integrationId} and user_id = u.user_id and status = 'Success'
                    and login_time < ${scanFrom}::text::timestamptz and geo_latitude is not null
                    and geo_longitude is not null and ${trusted}
                  order by login_time desc limit 1)
                union
                (select ${columns} from sf_login_history
                  where integration_id = ${integrationId} and user_id = u.user_id and status = 'Success'
                    and login_time < ${scanFrom}::text::timestamptz
                    and coalesce(geo_country_iso, country_iso) is not null and ${trusted}
                  order by login_time desc limit 1)
              ) p`
            : sql``
        }
      ),
      -- Each located success paired with the previous success that has coordinates, and with the previous
      -- success that has a country (the same row when it has both).
      by_coordinates as (
        select user_id, id, login_time, lat, lon, country, city,
          lag(id) over w as prev_id, lag(login_time) over w as prev_time, lag(lat) over w as prev_lat,
          lag(lon) over w as prev_lon, lag(country) over w as prev_country, lag(city) over w as prev_city
        from located
        where lat is not null and lon is not null
        window w as (partition by user_id order by login_time, id)
      ),
      by_country as (
        select user_id, id, login_time, lat, lon, country, city,
          lag(id) over w as prev_id, lag(login_time) over w as prev_time, lag(lat) over w as prev_lat,
          lag(country) over w as prev_country, lag(city) over w as prev_city
        from located
        where country is not null
        window w as (partition by user_id order by login_time, id)
      ),
      measured as (
        select user_id, id, login_time, country, city, prev_id, prev_time, prev_country, prev_city,
          2 * 6371 * asin(least(1, sqrt(
            power(sin(radians(lat - prev_lat) / 2), 2)
            + cos(radians(prev_lat)) * cos(radians(lat)) * power(sin(radians(lon - prev_lon) / 2), 2)
          ))) as km
        from by_coordinates
        where prev_id is not null and login_time >= ${evaluateFrom}::text::timestamptz
      )
      select user_id, id, login_time, country, city, prev_id, prev_time, prev_country, prev_city, km
      from measured
      where km >= ${config.impossibleTravelMinKm}
        and km > ${config.impossibleTravelSpeedKmh} * extract(epoch from login_time - prev_time) / 3600.0
      union all
      select user_id, id, login_time, country, city, prev_id, prev_time, prev_country, prev_city, null
      from by_country
      where prev_id is not null and login_time >= ${evaluateFrom}::text::timestamptz
        -- Both sides with coordinates are judged by distance above.
        and (lat is null or prev_lat is null)
        and country <> prev_country
        and login_time - prev_time <= ${minutes(config.countryHopWindowMinutes)}::interval
    `;
    return rows.map((row) => {
      const hoursApart = (row.login_time.getTime() - row.prev_time.getTime()) / 3_600_000;
      return {
        kind: 'impossible_travel' as const,
        severity: 'high' as const,
        ...aboutUser(row.user_id),
        evidenceLoginIds: [row.prev_id, row.id].sort(),
        details: {
          from: { country: row.prev_country, city: row.prev_city, loginTime: row.prev_time.toISOString() },
          to: { country: row.country, city: row.city, loginTime: row.login_time.toISOString() },
          distanceKm: row.km === null ? null : Math.round(row.km),
          speedKmh: row.km === null ? null : hoursApart > 0 ? Math.round(row.km / hoursApart) : null,
          minutesApart: Math.round(hoursApart * 60),
        },
        firstSeenAt: row.prev_time,
        lastSeenAt: row.login_time,
        spanFrom: row.prev_time,
        spanTo: row.login_time,
        // Flapping between two places (VPN on/off) within an hour is one incident.
        continuationSeconds: 3600,
      };
    });
  },
};

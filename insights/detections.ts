import type postgres from 'postgres';
import type { Sql } from '../platform/database';
import type { DetectionConfig } from './detection-config';
import { MAX_EVIDENCE, type DetectedIncident, type FindingKind } from './finding-kinds';
import { apiOnlyUserIds, privilegedUserIds } from './user-classes';

/**
 * The detection rules, each one set-based SQL statement over LoginHistory for one integration.
 *
 * `scanFrom` is the earliest LoginTime a rule may read in bulk (since − the largest rule window for an
 * incremental recompute, '-infinity' for a full one); `evaluateFrom` is the earliest LoginTime a rule may
 * report on (since, or '-infinity'). Rows in [scanFrom, evaluateFrom) only complete the windows of newer
 * rows: they were judged by the previous run. State older than scanFrom (a user's previous success, first
 * login, countries seen) is read per user through indexes, never by rescanning history.
 */
export interface DetectionScope {
  integrationId: string;
  scanFrom: string;
  evaluateFrom: string;
  incremental: boolean;
  now: Date;
  config: DetectionConfig;
}

type Detection = (sql: Sql, scope: DetectionScope) => Promise<DetectedIncident[]>;

const minutes = (value: number) => `${value} minutes`;
const days = (value: number) => `${value} days`;
const hours = (value: number) => `${value} hours`;

/**
 * Sentinel "brute force against user credentials": >= N failures for one user inside a window. A failure
 * "qualifies" when its trailing window holds >= N failures (window count with a RANGE frame); qualifying
 * failures closer than one window belong to one incident, whose evidence is every failure from the first
 * qualifying window to the last qualifying failure. A success during or within one window after the burst
 * makes it critical (the password was probably guessed).
 */
const bruteForce: Detection = async (sql, { integrationId, scanFrom, evaluateFrom, config }) => {
  const window = minutes(config.bruteForceWindowMinutes);
  const rows = await sql<
    {
      user_id: string;
      evidence: string[];
      failures: number;
      first_at: Date;
      last_at: Date;
      success_id: string | null;
      success_at: Date | null;
    }[]
  >`
    with failures as (
      select user_id, login_time,
        count(*) over (
          partition by user_id order by login_time
          range between ${window}::interval preceding and current row
        ) as in_window
      from sf_login_history
      where integration_id = ${integrationId} and status <> 'Success' and login_time >= ${scanFrom}::text::timestamptz
    ),
    qualifying as (
      select user_id, login_time, lag(login_time) over (partition by user_id order by login_time) as previous
      from failures
      where in_window >= ${config.bruteForceFailures} and login_time >= ${evaluateFrom}::text::timestamptz
    ),
    incidents as (
      select user_id, min(login_time) as first_qualifying, max(login_time) as last_qualifying
      from (
        select user_id, login_time,
          sum(case when previous is null or login_time - previous > ${window}::interval then 1 else 0 end)
            over (partition by user_id order by login_time) as incident
        from qualifying
      ) q
      group by user_id, incident
    )
    select i.user_id, e.evidence, e.failures, e.first_at, e.last_at, s.id as success_id, s.login_time as success_at
    from incidents i
    cross join lateral (
      select (array_agg(h.id order by h.login_time, h.id))[1:${MAX_EVIDENCE}] as evidence,
        count(*)::int as failures, min(h.login_time) as first_at, max(h.login_time) as last_at
      from sf_login_history h
      where h.integration_id = ${integrationId} and h.user_id = i.user_id and h.status <> 'Success'
        and h.login_time >= i.first_qualifying - ${window}::interval and h.login_time <= i.last_qualifying
    ) e
    left join lateral (
      select s.id, s.login_time from sf_login_history s
      where s.integration_id = ${integrationId} and s.user_id = i.user_id and s.status = 'Success'
        and s.login_time >= i.first_qualifying and s.login_time <= i.last_qualifying + ${window}::interval
      order by s.login_time
      limit 1
    ) s on true
  `;
  return rows.map((row) => ({
    kind: 'brute_force',
    severity: row.success_id ? 'critical' : 'high',
    subject: row.user_id,
    userId: row.user_id,
    userIds: [row.user_id],
    sourceIp: null,
    evidenceLoginIds: row.success_id ? [...row.evidence, row.success_id] : row.evidence,
    details: {
      failures: row.failures,
      threshold: config.bruteForceFailures,
      windowMinutes: config.bruteForceWindowMinutes,
      followedBySuccess: row.success_id !== null,
      successLoginId: row.success_id,
    },
    firstSeenAt: row.first_at,
    lastSeenAt: row.success_at && row.success_at > row.last_at ? row.success_at : row.last_at,
    continuationSeconds: config.bruteForceWindowMinutes * 60,
  }));
};

/**
 * Sentinel "password spray": one source IP failing against more than N distinct users inside a window.
 * PostgreSQL has no count(distinct) window function, so bins of one window length pre-select the IPs that
 * could qualify (a window spans at most two adjacent bins, so their failure count bounds its distinct
 * users); only failures in those bins get the exact distinct-user count, through the IP failures index.
 */
const passwordSpray: Detection = async (sql, { integrationId, scanFrom, evaluateFrom, config }) => {
  const window = minutes(config.passwordSprayWindowMinutes);
  const rows = await sql<
    {
      source_ip: string;
      evidence: string[];
      user_ids: string[];
      failures: number;
      first_at: Date;
      last_at: Date;
      success_id: string | null;
      success_user_id: string | null;
      success_at: Date | null;
    }[]
  >`
    with bins as (
      select source_ip, date_bin(${window}::interval, login_time, timestamptz '2000-01-01') as bin, count(*) as n
      from sf_login_history
      where integration_id = ${integrationId} and status <> 'Success' and login_time >= ${scanFrom}::text::timestamptz
        and source_ip is not null
      group by 1, 2
    ),
    candidate_bins as (
      select b.source_ip, b.bin
      from bins b
      left join bins p on p.source_ip = b.source_ip and p.bin = b.bin - ${window}::interval
      where b.n + coalesce(p.n, 0) > ${config.passwordSprayUsers}
        and b.bin + ${window}::interval > ${evaluateFrom}::text::timestamptz
    ),
    qualifying as (
      select h.source_ip, h.login_time,
        lag(h.login_time) over (partition by h.source_ip order by h.login_time) as previous
      from candidate_bins c
      join sf_login_history h
        on h.integration_id = ${integrationId} and h.source_ip = c.source_ip and h.status <> 'Success'
        and h.login_time >= greatest(c.bin, ${evaluateFrom}::text::timestamptz)
        and h.login_time < c.bin + ${window}::interval
      cross join lateral (
        select count(distinct w.user_id) as users
        from sf_login_history w
        where w.integration_id = ${integrationId} and w.source_ip = h.source_ip and w.status <> 'Success'
          and w.login_time >= h.login_time - ${window}::interval and w.login_time <= h.login_time
      ) w
      where w.users > ${config.passwordSprayUsers}
    ),
    incidents as (
      select source_ip, min(login_time) as first_qualifying, max(login_time) as last_qualifying
      from (
        select source_ip, login_time,
          sum(case when previous is null or login_time - previous > ${window}::interval then 1 else 0 end)
            over (partition by source_ip order by login_time) as incident
        from qualifying
      ) q
      group by source_ip, incident
    )
    select i.source_ip, e.evidence, e.user_ids, e.failures, e.first_at, e.last_at,
      s.id as success_id, s.user_id as success_user_id, s.login_time as success_at
    from incidents i
    cross join lateral (
      select (array_agg(h.id order by h.login_time, h.id))[1:${MAX_EVIDENCE}] as evidence,
        array_agg(distinct h.user_id) as user_ids, count(*)::int as failures,
        min(h.login_time) as first_at, max(h.login_time) as last_at
      from sf_login_history h
      where h.integration_id = ${integrationId} and h.source_ip = i.source_ip and h.status <> 'Success'
        and h.login_time >= i.first_qualifying - ${window}::interval and h.login_time <= i.last_qualifying
    ) e
    left join lateral (
      select s.id, s.user_id, s.login_time from sf_login_history s
      where s.integration_id = ${integrationId} and s.source_ip = i.source_ip and s.status = 'Success'
        and s.user_id = any(e.user_ids)
        and s.login_time >= e.first_at and s.login_time <= i.last_qualifying + ${window}::interval
      order by s.login_time
      limit 1
    ) s on true
  `;
  return rows.map((row) => ({
    kind: 'password_spray',
    severity: row.success_id ? 'critical' : 'high',
    subject: row.source_ip,
    userId: null,
    userIds: [...row.user_ids].sort(),
    sourceIp: row.source_ip,
    evidenceLoginIds: row.success_id ? [...row.evidence, row.success_id] : row.evidence,
    details: {
      failures: row.failures,
      distinctUsers: row.user_ids.length,
      threshold: config.passwordSprayUsers,
      windowMinutes: config.passwordSprayWindowMinutes,
      followedBySuccess: row.success_id !== null,
      successLoginId: row.success_id,
      successUserId: row.success_user_id,
    },
    firstSeenAt: row.first_at,
    lastSeenAt: row.success_at && row.success_at > row.last_at ? row.success_at : row.last_at,
    continuationSeconds: config.passwordSprayWindowMinutes * 60,
  }));
};

/**
 * Impossible travel (Datadog/Panther): consecutive successful logins of one user whose LoginGeo great-circle
 * (haversine) distance needs more than the configured speed; without coordinates on either side, two
 * different countries within the Sentinel 30-minute window. The previous located success before the scan is
 * read per user so the first new login of a run still has a predecessor.
 */
const impossibleTravel: Detection = async (
  sql,
  { integrationId, scanFrom, evaluateFrom, incremental, config },
) => {
  const located = sql`
    select id, user_id, login_time, geo_latitude as lat, geo_longitude as lon,
      coalesce(geo_country_iso, country_iso) as country, geo_city as city
    from sf_login_history
    where integration_id = ${integrationId} and status = 'Success' and login_time >= ${scanFrom}::text::timestamptz
      and (geo_latitude is not null or coalesce(geo_country_iso, country_iso) is not null)
  `;
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
    with recent as (${located}),
    located as (
      select * from recent
      ${
        incremental
          ? sql`
            union all
            select p.* from (
              select distinct user_id from recent where login_time >= ${evaluateFrom}::text::timestamptz
            ) u
            cross join lateral (
              select id, user_id, login_time, geo_latitude, geo_longitude,
                coalesce(geo_country_iso, country_iso), geo_city
              from sf_login_history p
              where p.integration_id = ${integrationId} and p.user_id = u.user_id and p.status = 'Success'
                and p.login_time < ${scanFrom}::text::timestamptz
                and (p.geo_latitude is not null or coalesce(p.geo_country_iso, p.country_iso) is not null)
              order by p.login_time desc
              limit 1
            ) p`
          : sql``
      }
    ),
    pairs as (
      select user_id, id, login_time, lat, lon, country, city,
        lag(id) over w as prev_id, lag(login_time) over w as prev_time, lag(lat) over w as prev_lat,
        lag(lon) over w as prev_lon, lag(country) over w as prev_country, lag(city) over w as prev_city
      from located
      window w as (partition by user_id order by login_time, id)
    ),
    measured as (
      select *,
        case when lat is not null and lon is not null and prev_lat is not null and prev_lon is not null then
          2 * 6371 * asin(least(1, sqrt(
            power(sin(radians(lat - prev_lat) / 2), 2)
            + cos(radians(prev_lat)) * cos(radians(lat)) * power(sin(radians(lon - prev_lon) / 2), 2)
          )))
        end as km
      from pairs
      where prev_id is not null and login_time >= ${evaluateFrom}::text::timestamptz
    )
    select user_id, id, login_time, country, city, prev_id, prev_time, prev_country, prev_city, km
    from measured
    where (
        km is not null and km >= ${config.impossibleTravelMinKm}
        and km > ${config.impossibleTravelSpeedKmh} * extract(epoch from login_time - prev_time) / 3600.0
      ) or (
        km is null and country is not null and prev_country is not null and country <> prev_country
        and login_time - prev_time <= ${minutes(config.countryHopWindowMinutes)}::interval
      )
  `;
  return rows.map((row) => {
    const hoursApart = (row.login_time.getTime() - row.prev_time.getTime()) / 3_600_000;
    return {
      kind: 'impossible_travel',
      severity: 'high',
      subject: row.user_id,
      userId: row.user_id,
      userIds: [row.user_id],
      sourceIp: null,
      evidenceLoginIds: [row.prev_id, row.id],
      details: {
        from: { country: row.prev_country, city: row.prev_city, loginTime: row.prev_time.toISOString() },
        to: { country: row.country, city: row.city, loginTime: row.login_time.toISOString() },
        distanceKm: row.km === null ? null : Math.round(row.km),
        speedKmh: row.km === null ? null : hoursApart > 0 ? Math.round(row.km / hoursApart) : null,
        minutesApart: Math.round(hoursApart * 60),
      },
      firstSeenAt: row.prev_time,
      lastSeenAt: row.login_time,
      // Flapping between two places (VPN on/off) within an hour is one incident.
      continuationSeconds: 3600,
    };
  });
};

/**
 * First successful login from a country not seen for the user in the previous N days, for users whose
 * history is at least M days old and who logged in from somewhere during those N days. Within the scan, lag() over (user, country) finds the previous success
 * from the same country; when that could lie before the scan, the (user, country, time) index answers.
 */
const newCountry: Detection = async (sql, { integrationId, scanFrom, evaluateFrom, incremental, config }) => {
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
              )
            )`
          : sql``
      }
  `;
  return rows.map((row) => ({
    kind: 'new_country',
    severity: 'medium',
    subject: `${row.user_id}:${row.country}`,
    userId: row.user_id,
    userIds: [row.user_id],
    sourceIp: null,
    evidenceLoginIds: [row.id],
    details: {
      country: row.country,
      city: row.city,
      lookbackDays: config.newCountryLookbackDays,
      previousLoginFromCountryAt: row.prev_same?.toISOString() ?? null,
    },
    firstSeenAt: row.login_time,
    lastSeenAt: row.login_time,
    continuationSeconds: 0,
  }));
};

/**
 * Dormant account reactivated (Cisco II): a success after >= N days without one. The previous success
 * comes from lag() within the scan, else from the successes index before it; a user with no earlier
 * success at all counts as quiet since the later of its creation and the start of the collected history.
 */
const dormantReactivated: Detection = async (
  sql,
  { integrationId, scanFrom, evaluateFrom, incremental, config },
) => {
  const dormant = days(config.dormantDays);
  const rows = await sql<
    {
      user_id: string;
      id: string;
      login_time: Date;
      prev_id: string | null;
      quiet_since: Date;
      quiet_from: string;
    }[]
  >`
    with successes as (
      select id, user_id, login_time,
        lag(login_time) over (partition by user_id order by login_time, id) as prev_time,
        lag(id) over (partition by user_id order by login_time, id) as prev_id
      from sf_login_history
      where integration_id = ${integrationId} and status = 'Success' and login_time >= ${scanFrom}::text::timestamptz
    ),
    candidates as (
      select * from successes
      where login_time >= ${evaluateFrom}::text::timestamptz
        and (prev_time is null or prev_time <= login_time - ${dormant}::interval)
    ),
    coverage as (
      select min(login_time) as history_start from (
        select login_time from sf_login_history where integration_id = ${integrationId}
        order by login_time limit 1
      ) h
    ),
    resolved as (
      select c.user_id, c.id, c.login_time,
        coalesce(c.prev_id, b.id) as prev_id,
        coalesce(c.prev_time, b.login_time) as prev_time,
        greatest(u.created_at, (select history_start from coverage)) as quiet_floor
      from candidates c
      join sf_users u on u.integration_id = ${integrationId} and u.id = c.user_id
      ${
        incremental
          ? sql`left join lateral (
              select b.id, b.login_time from sf_login_history b
              where b.integration_id = ${integrationId} and b.user_id = c.user_id and b.status = 'Success'
                and b.login_time < ${scanFrom}::text::timestamptz
              order by b.login_time desc
              limit 1
            ) b on c.prev_time is null`
          : sql`left join (select null::text as id, null::timestamptz as login_time) b on false`
      }
    )
    select user_id, id, login_time, prev_id,
      coalesce(prev_time, quiet_floor) as quiet_since,
      case when prev_time is null then 'no_earlier_success' else 'previous_success' end as quiet_from
    from resolved
    where coalesce(prev_time, quiet_floor) <= login_time - ${dormant}::interval
  `;
  return rows.map((row) => ({
    kind: 'dormant_account_reactivated',
    severity: 'medium',
    subject: row.user_id,
    userId: row.user_id,
    userIds: [row.user_id],
    sourceIp: null,
    evidenceLoginIds: row.prev_id ? [row.prev_id, row.id] : [row.id],
    details: {
      reactivationLoginId: row.id,
      quietSince: row.quiet_since.toISOString(),
      quietSinceBasis: row.quiet_from,
      daysWithoutSuccess: Math.floor((row.login_time.getTime() - row.quiet_since.getTime()) / 86_400_000),
    },
    firstSeenAt: row.login_time,
    lastSeenAt: row.login_time,
    continuationSeconds: 0,
  }));
};

interface AttemptIncidentRow {
  user_id: string;
  evidence: string[];
  attempts: number;
  successes: number;
  first_at: Date;
  last_at: Date;
  state: string | null;
}

/** Groups one user's attempts closer together than `gap` into incidents (gaps-and-islands). */
function attemptIncidents(sql: Sql, attempts: postgres.PendingQuery<postgres.Row[]>, gap: string) {
  return sql<AttemptIncidentRow[]>`
    with attempts as (${attempts}),
    numbered as (
      select *,
        sum(case when previous is null or login_time - previous > ${gap}::interval then 1 else 0 end)
          over (partition by user_id order by login_time, id) as incident
      from (
        select *, lag(login_time) over (partition by user_id order by login_time, id) as previous from attempts
      ) a
    )
    select user_id, (array_agg(id order by login_time, id))[1:${MAX_EVIDENCE}] as evidence,
      count(*)::int as attempts, count(*) filter (where status = 'Success')::int as successes,
      min(login_time) as first_at, max(login_time) as last_at, min(state) as state
    from numbered
    group by user_id, incident
  `;
}

/**
 * Attempts on inactive or frozen users (Cisco II "inactive account probing"). Only attempts after the
 * user was deactivated or frozen count (User.LastModifiedDate / UserLogin.LastModifiedDate approximate
 * when), or attempts Salesforce itself rejected as "User is Inactive" / "User is Frozen".
 */
const inactiveUserAttempts: Detection = async (sql, { integrationId, evaluateFrom, config }) => {
  const attempts = sql`
    with targets as (
      select id as user_id, 'inactive' as state, last_modified_at as since_at
      from sf_users where integration_id = ${integrationId} and not is_active
      union all
      select ul.user_id, 'frozen', ul.last_modified_at
      from sf_user_logins ul
      join sf_users u on u.integration_id = ul.integration_id and u.id = ul.user_id and u.is_active
      where ul.integration_id = ${integrationId} and ul.is_frozen
    )
    select t.user_id, t.state, h.id, h.login_time, h.status
    from targets t
    join sf_login_history h
      on h.integration_id = ${integrationId} and h.user_id = t.user_id
      and h.login_time >= ${evaluateFrom}::text::timestamptz
    where h.login_time > t.since_at or lower(h.status) in ('user is inactive', 'user is frozen')
  `;
  const rows = await attemptIncidents(sql, attempts, hours(config.incidentGapHours));
  return rows.map((row) => ({
    kind: 'inactive_user_attempts',
    severity: row.successes > 0 ? 'high' : 'medium',
    subject: row.user_id,
    userId: row.user_id,
    userIds: [row.user_id],
    sourceIp: null,
    evidenceLoginIds: row.evidence,
    details: { userState: row.state, attempts: row.attempts, successes: row.successes },
    firstSeenAt: row.first_at,
    lastSeenAt: row.last_at,
    continuationSeconds: config.incidentGapHours * 3600,
  }));
};

/**
 * Interactive logins (LoginType "Application", the UI) by API-only users (design-lessons §(b)9): their
 * credentials are meant for an integration, so a person using them at the login page is suspect.
 */
const apiOnlyInteractive: Detection = async (sql, { integrationId, evaluateFrom, config }) => {
  const attempts = sql`
    select h.user_id, null::text as state, h.id, h.login_time, h.status
    from (${apiOnlyUserIds(sql, integrationId)}) a
    join sf_login_history h
      on h.integration_id = ${integrationId} and h.user_id = a.user_id and h.login_type = 'Application'
      and h.login_time >= ${evaluateFrom}::text::timestamptz
  `;
  const rows = await attemptIncidents(sql, attempts, hours(config.incidentGapHours));
  return rows.map((row) => ({
    kind: 'api_only_user_interactive_login',
    severity: row.successes > 0 ? 'high' : 'medium',
    subject: row.user_id,
    userId: row.user_id,
    userIds: [row.user_id],
    sourceIp: null,
    evidenceLoginIds: row.evidence,
    details: { attempts: row.attempts, successes: row.successes, loginType: 'Application' },
    firstSeenAt: row.first_at,
    lastSeenAt: row.last_at,
    continuationSeconds: config.incidentGapHours * 3600,
  }));
};

/**
 * Privileged users (Modify All Data or View All Data) with no successful login for N days: standing
 * privilege nobody uses is pure risk. The incident starts when the account crossed the threshold, so the
 * key stays the same run after run until the user logs in again.
 */
const privilegedUnused: Detection = async (sql, { integrationId, now, config }) => {
  const rows = await sql<
    {
      user_id: string;
      last_login_id: string | null;
      last_login_at: Date | null;
      created_at: Date | null;
      idle_since: Date;
    }[]
  >`
    select u.id as user_id, h.id as last_login_id, greatest(h.login_time, u.last_login_at) as last_login_at,
      u.created_at, coalesce(greatest(h.login_time, u.last_login_at), u.created_at) as idle_since
    from (${privilegedUserIds(sql, integrationId)}) p
    join sf_users u on u.integration_id = ${integrationId} and u.id = p.user_id and u.is_active
    left join lateral (
      select h.id, h.login_time from sf_login_history h
      where h.integration_id = ${integrationId} and h.user_id = u.id and h.status = 'Success'
      order by h.login_time desc
      limit 1
    ) h on true
    where not exists (
        select 1 from sf_user_logins ul
        where ul.integration_id = ${integrationId} and ul.user_id = u.id and ul.is_frozen
      )
      and coalesce(greatest(h.login_time, u.last_login_at), u.created_at)
        < ${now}::timestamptz - ${days(config.privilegedUnusedDays)}::interval
  `;
  return rows.map((row) => ({
    kind: 'privileged_user_unused',
    severity: 'medium',
    subject: row.user_id,
    userId: row.user_id,
    userIds: [row.user_id],
    sourceIp: null,
    evidenceLoginIds: row.last_login_id ? [row.last_login_id] : [],
    details: {
      lastLoginAt: row.last_login_at?.toISOString() ?? null,
      createdAt: row.created_at?.toISOString() ?? null,
      thresholdDays: config.privilegedUnusedDays,
    },
    firstSeenAt: new Date(row.idle_since.getTime() + config.privilegedUnusedDays * 86_400_000),
    lastSeenAt: now,
    continuationSeconds: 0,
  }));
};

export const detections: Record<FindingKind, Detection> = {
  brute_force: bruteForce,
  password_spray: passwordSpray,
  impossible_travel: impossibleTravel,
  new_country: newCountry,
  dormant_account_reactivated: dormantReactivated,
  inactive_user_attempts: inactiveUserAttempts,
  privileged_user_unused: privilegedUnused,
  api_only_user_interactive_login: apiOnlyInteractive,
};

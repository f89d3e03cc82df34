-- Identity insights: two rollups of LoginHistory that keep the heaviest reports off the raw table (unused
-- accounts, top failing users/IPs over long ranges). Both are maintained by recomputeFindings after every
-- collection run, from the run's window only; the freshness model and the plans are in insights/README.md.

-- One row per (integration, user) seen in LoginHistory. Only order statistics are kept: merging a window
-- into a min/max is idempotent (re-reading the overlap, or retrying the recompute, changes nothing), which
-- a login count would not be; counts per day live in login_daily_counts.
create table user_login_rollups (
  integration_id uuid not null references integrations (id) on delete cascade,
  user_id text not null,
  -- Any status: the first and last LoginHistory row of the user.
  first_login_at timestamptz not null,
  last_login_at timestamptz not null,
  -- Status = 'Success' exactly (Salesforce Object Reference, LoginHistory.Status: https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_loginhistory.htm); null when the user never succeeded in the history.
  last_success_at timestamptz,
  primary key (integration_id, user_id)
);

-- Failed logins (Status <> 'Success') per UTC day, user and source IP. Whole days are rebuilt from the
-- recompute window, like login_daily_counts. One grain serves both top lists: sums per user or per IP over
-- the days, and the exact distinct IPs of a user (distinct users of an IP) through the two indexes below.
create table login_failure_daily (
  integration_id uuid not null references integrations (id) on delete cascade,
  day date not null,
  user_id text not null,
  -- Null when Salesforce left SourceIp empty (counted for the user, never listed as an IP).
  source_ip text,
  failures integer not null,
  last_failure_at timestamptz not null,
  -- INCLUDE lets a range of days be aggregated from the index alone once the table is vacuumed.
  constraint login_failure_daily_key unique nulls not distinct (integration_id, day, user_id, source_ip)
    include (failures, last_failure_at)
);
-- Distinct source IPs of the listed users, distinct users of the listed IPs: one range per listed row.
create index login_failure_daily_user on login_failure_daily (integration_id, user_id, day) include (source_ip);
create index login_failure_daily_ip on login_failure_daily (integration_id, source_ip, day) include (user_id)
  where source_ip is not null;

-- Backfill from what is already collected, so the reports are right from the first request after the
-- migration rather than after the next collection run.
insert into user_login_rollups (integration_id, user_id, first_login_at, last_login_at, last_success_at)
select integration_id, user_id, min(login_time), max(login_time),
  max(login_time) filter (where status = 'Success')
from sf_login_history
group by integration_id, user_id;

insert into login_failure_daily (integration_id, day, user_id, source_ip, failures, last_failure_at)
select integration_id, (login_time at time zone 'UTC')::date, user_id, source_ip, count(*), max(login_time)
from sf_login_history
where status <> 'Success'
group by 1, 2, 3, 4;

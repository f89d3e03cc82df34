-- The time zone login_daily_counts is kept in (insights/auth-activity/summary.ts): its days are the integration's local
-- days (options.timezone), so the authentication summary's daily and weekly buckets match what the org's people
-- and auditors call a day, DST included. When the option changes, the next recompute rebuilds every day.
create table login_daily_counts_zone (
  integration_id uuid primary key references integrations (id) on delete cascade,
  time_zone text not null
);
-- Counts built before this migration are UTC days.
insert into login_daily_counts_zone (integration_id, time_zone)
select distinct integration_id, 'UTC' from login_daily_counts;
